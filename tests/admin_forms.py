"""What the admin's change pages post, for the tests that change a row through them."""


def change_form_data(client, url) -> dict:
    """The change form's fields as the admin page fills them, inlines included."""
    context = client.get(url).context
    forms = [context["adminform"].form]
    data = {}
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        forms += formset.forms
        forms.append(formset.management_form)
    for form in forms:
        for name in form.fields:
            shown = form[name].value()
            if shown is not None and shown is not False:
                data[form[name].html_name] = shown
    return data
