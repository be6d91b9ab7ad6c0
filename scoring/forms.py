from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.models import Adjustment
from scoring.services.cycles import REOPEN_REASON_MAX


class VoteCountsForm(forms.Form):
    """The votes of one rater group for one unit."""

    excellent = forms.IntegerField(label=_("优秀"), min_value=0, initial=0)
    competent = forms.IntegerField(label=_("称职"), min_value=0, initial=0)
    basic = forms.IntegerField(label=_("基本称职"), min_value=0, initial=0)
    incompetent = forms.IntegerField(label=_("不称职"), min_value=0, initial=0)


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ["unit", "period", "points", "reason", "approved_by"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 2})}


class ReopenForm(forms.Form):
    """The reason field beside each locked cycle's buttons on the cycles page."""

    # The field shares a form with the publish button, which needs no reason; the service
    # refuses a reopening without one.
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
