"""The shared words of `cadre.words` for templates."""

from django import template
from django.utils.safestring import mark_safe

from cadre import words

register = template.Library()


@register.filter
def listed(items) -> str:
    """{{ quarters|listed }}: the items as a list a user reads in the page's language."""
    return words.listed(items)


@register.tag
def listing(parser, token):
    """{% listing unit in units %}<a href="…">{{ unit.name }}</a>{% endlisting %}: the body
    rendered for each item (escaped as any template's), the whole read as one list in the
    page's language, as `listed` joins text: for items that are more than text, such as links."""
    bits = token.split_contents()
    if len(bits) != 4 or bits[2] != "in":
        raise template.TemplateSyntaxError("Use {% listing item in items %}…{% endlisting %}.")
    body = parser.parse(("endlisting",))
    parser.delete_first_token()
    return ListingNode(name=bits[1], items=parser.compile_filter(bits[3]), body=body)


class ListingNode(template.Node):
    def __init__(self, *, name: str, items, body):
        self.name = name
        self.items = items
        self.body = body

    def render(self, context) -> str:
        rendered = []
        with context.push():
            for item in self.items.resolve(context) or ():
                context[self.name] = item
                rendered.append(self.body.render(context))
        # Each part was escaped as it rendered; the separator is the translators'.
        return mark_safe(words.listed(rendered))
