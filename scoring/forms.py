from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadre.form_fields import CountTextField, YearTextField
from scoring.models import Adjustment, Cycle, Vote
from scoring.services.evaluations import VOTE_COUNT_MAX
from scoring.services.indicators import scorer_accounts
from scoring.services.values import REASON_MAX


class VoteCountField(CountTextField):
    """A count of votes (CountTextField), at most VOTE_COUNT_MAX."""

    widget = forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": _("未填")}
    )

    def to_python(self, value):
        count = super().to_python(value)
        if count is not None and count > VOTE_COUNT_MAX:
            raise ValidationError(
                _("不能大于 %(max)s，实为 %(value)s") % {"max": VOTE_COUNT_MAX, "value": count},
                code="max_value",
            )
        return count


def _vote_count_field(label):
    # Not required: a row not entered yet stays blank, as 0 votes is an answer.
    return VoteCountField(label=label, required=False)


class VoteCountsForm(forms.Form):
    """The votes of one rater group for one unit, starting from its stored `vote` (None: not
    entered yet); read-only when `locked`. `version` is the stored row's version when the page
    was drawn (0: none), hidden. Each count is named for a screen reader by its row and column
    (`group_name` 优秀), as the table shows them."""

    excellent = _vote_count_field(_("优秀"))
    competent = _vote_count_field(_("称职"))
    basic = _vote_count_field(_("基本称职"))
    incompetent = _vote_count_field(_("不称职"))
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    # Why the row was not saved (a conflict, a refusal), set by the page after a save.
    refusal = ""

    def __init__(self, *args, group_name, vote=None, locked=False, **kwargs):
        if vote is not None:
            kwargs["initial"] = {**model_to_dict(vote, fields=Vote.KINDS), "version": vote.version}
        super().__init__(*args, **kwargs)
        self.vote = vote
        for name in Vote.KINDS:
            field = self.fields[name]
            field.disabled = locked
            field.widget.attrs["aria-label"] = f"{group_name} {field.label}"

    def clean_version(self):
        # A page drawn before rows had versions posts none: it saw no row, as a blank one.
        return self.cleaned_data["version"] or 0


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ["unit", "period", "points", "reason", "approved_by"]
        widgets = {
            # Read as every decimal is (DecimalTextField), without the decimal keypad, which
            # some phones give no minus sign for a deduction.
            "points": forms.TextInput(attrs={"autocomplete": "off"}),
            "reason": forms.Textarea(attrs={"rows": 2}),
        }


class AdjustmentWithdrawForm(forms.Form):
    """The reason beside each adjustment on the adjustments page, to withdraw it: required in
    the browser too, so that an empty reason is refused before the confirm question is asked."""

    reason = forms.CharField(
        label=_("撤销理由"),
        max_length=REASON_MAX,
        widget=forms.TextInput(attrs={"placeholder": _("撤销理由"), "aria-label": _("撤销理由")}),
    )

    def __init__(self, *args, **kwargs):
        # Shown once per adjustment on one page: no id, which would repeat.
        super().__init__(*args, auto_id=False, **kwargs)


class ReopenForm(forms.Form):
    """The reason field beside each locked cycle's buttons on the cycles page: required in the
    browser too, so that an empty reason is refused before anything is sent."""

    reason = forms.CharField(
        label=_("重新开放的理由"),
        max_length=REASON_MAX,
        # The box sits beside its 重新开放 button, in a narrow cell on a tablet: its
        # placeholder is translated on its own, short enough to show whole there.
        widget=forms.TextInput(
            attrs={
                "placeholder": pgettext_lazy(
                    "placeholder of the reopen reason box", "重新开放的理由"
                ),
                "aria-label": _("重新开放的理由"),
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        # Shown once per locked cycle on one page: no id, which would repeat.
        super().__init__(*args, auto_id=False, **kwargs)


class CycleCreateFromForm(forms.Form):
    """The cycles page's "以 2026 年度为模板新建 2027 年度": by default the newest cycle is the
    template and the year after it the new year."""

    previous = forms.ModelChoiceField(
        label=_("模板年度"), queryset=Cycle.objects.none(), to_field_name="year", empty_label=None
    )
    year = YearTextField(label=_("新建年度"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cycles = Cycle.objects.order_by("-year")
        self.fields["previous"].queryset = cycles
        self.fields["previous"].label_from_instance = lambda cycle: str(cycle.year)
        newest = cycles.first()
        if newest is not None:
            # Also on a refused form, whose page still says what the default would be.
            self.initial = {"previous": newest.year, "year": newest.year + 1, **self.initial}


class IndicatorOwnersForm(forms.Form):
    """The scorer accounts the admin's action "指定评分账号…" adds to the selected indicators."""

    owners = forms.ModelMultipleChoiceField(
        label=_("评分账号"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read per form: accounts join and leave the scorer group.
        self.fields["owners"].queryset = scorer_accounts().filter(is_active=True)
        self.fields["owners"].label_from_instance = account_label


def account_label(user) -> str:
    """Return a login name with the person's name, as a picker of accounts shows them."""
    full_name = user.get_full_name()
    return f"{user.get_username()}（{full_name}）" if full_name else user.get_username()
