from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadre.form_fields import YearTextField
from talent.models import (
    FIRST_TALENT_YEAR,
    Nomination,
    Programme,
    Subsidy,
    Talent,
    TalentStatus,
)
from talent.services.registry import talent_status_date_check
from talent.services.subsidies import subsidy_recipient_find, subsidy_recipient_labels

# A date input reads and shows only ISO dates (YYYY-MM-DD); the Chinese locale's own format
# (2026/11/22) would leave it blank.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# What an admin records about a talent, on the page and in the admin's spreadsheets alike.
TALENT_FIELDS = [
    "name",
    "programme",
    "year",
    "field",
    "employer",
    "status",
    "status_date",
    "phone",
    "email",
    "note",
]
# A talent's 状态 is its "Status" in English wherever it is shown (list, filter, form); the
# award round's and the subsidy's 状态 are a "State".
TALENT_STATUS_LABEL = pgettext_lazy("talent status", "状态")


NUL_IN_SEARCH = _("搜索内容含有不可见的空字符（NUL），请删去后重新搜索。")


class RegistryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        # Django's own Chinese for this says an empty text is not allowed: the clerk typed one.
        error_messages={"null_characters_not_allowed": NUL_IN_SEARCH},
    )
    programme = forms.ModelChoiceField(
        label=_("人才计划"),
        queryset=Programme.objects.all(),
        required=False,
        empty_label=_("全部"),
    )
    status = forms.ChoiceField(
        label=TALENT_STATUS_LABEL,
        choices=[("", _("全部"))] + TalentStatus.choices,
        required=False,
    )
    year = YearTextField(label=_("引才年度"), required=False, min_value=FIRST_TALENT_YEAR)


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("新状态"))
    on = forms.DateField(label=_("日期"), initial=timezone.localdate, widget=DATE_INPUT)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, next_statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, TalentStatus(s).label) for s in next_statuses]


class NominationForm(forms.ModelForm):
    class Meta:
        model = Nomination
        fields = ["category", "nominee", "employer", "nominated_by", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, award_round, **kwargs):
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        category.queryset = award_round.categories.all()
        # The round's page names its years (2025—2026年度): a category's own year beside them
        # read as another round's.
        category.label_from_instance = lambda award_category: award_category.name
        category.empty_label = _("请选择…")


class StarImportForm(forms.Form):
    file = forms.FileField(label=_("星级工作簿（.xlsx）"))


class TalentForm(forms.ModelForm):
    """A new talent on the registry page and in the admin; an existing one's status is not
    on the form."""

    class Meta:
        model = Talent
        fields = TALENT_FIELDS
        labels = {"status": TALENT_STATUS_LABEL}
        widgets = {"status_date": DATE_INPUT, "note": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status_date"):
            talent_status_date_check(on=cleaned["status_date"])
        return cleaned


class DatalistInput(forms.TextInput):
    """A text input that offers `options()` in a <datalist>: the browser narrows them down as
    one types, with no script; the text sent back is checked by the form."""

    template_name = "talent/widgets/datalist_input.html"

    def __init__(self, *, options, attrs=None):
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})})
        self.options = options

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["attrs"]["list"] = f"{widget['attrs'].get('id', name)}-options"
        # Read when the page is drawn, not when the form is built: a valid POST needs none.
        widget["options"] = self.options()
        return context


class SubsidyRequestForm(forms.ModelForm):
    # Thousands of talents arrive over the years: a text input to search beats a <select>.
    talent = forms.CharField(
        label=Subsidy._meta.get_field("talent").verbose_name,
        widget=DatalistInput(options=subsidy_recipient_labels),
        help_text=_("输入姓名或单位查找"),
    )

    class Meta:
        model = Subsidy
        fields = ["fund", "talent", "kind", "amount", "requested_at"]
        widgets = {"requested_at": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_at"].initial = timezone.localdate

    def clean_talent(self):
        return subsidy_recipient_find(text=self.cleaned_data["talent"])
