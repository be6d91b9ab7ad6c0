from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.models import Adjustment
from scoring.services.cycles import REOPEN_REASON_MAX
from scoring.services.evaluations import VOTE_COUNT_MAX


class VoteCountsForm(forms.Form):
    """The votes of one rater group for one unit; read-only when `locked`."""

    excellent = forms.IntegerField(
        label=_("优秀"), min_value=0, max_value=VOTE_COUNT_MAX, initial=0
    )
    competent = forms.IntegerField(
        label=_("称职"), min_value=0, max_value=VOTE_COUNT_MAX, initial=0
    )
    basic = forms.IntegerField(
        label=_("基本称职"), min_value=0, max_value=VOTE_COUNT_MAX, initial=0
    )
    incompetent = forms.IntegerField(
        label=_("不称职"), min_value=0, max_value=VOTE_COUNT_MAX, initial=0
    )

    def __init__(self, *args, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.disabled = locked


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ["unit", "period", "points", "reason", "approved_by"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 2})}


class ReopenForm(forms.Form):
    """The reason field beside each locked cycle's buttons on the cycles page."""

    # The browser would refuse an empty reason in its own words; the service's message says
    # why a reopening needs one.
    use_required_attribute = False

    reason = forms.CharField(
        label=_("重新开放的理由"),
        max_length=REOPEN_REASON_MAX,
        widget=forms.TextInput(
            attrs={"placeholder": _("重新开放的理由"), "aria-label": _("重新开放的理由")}
        ),
    )

    def __init__(self, *args, **kwargs):
        # Shown once per locked cycle on one page: no id, which would repeat.
        super().__init__(*args, auto_id=False, **kwargs)
