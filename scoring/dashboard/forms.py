from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.models import QUARTERS, Period

POINTS_FIELD = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal(0)}


class CompareForm(forms.Form):
    units = forms.MultipleChoiceField(label=_("单位（2至5个）"))

    def __init__(self, *args, unit_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = unit_choices

    def clean_units(self):
        units = self.cleaned_data["units"]
        if not 2 <= len(units) <= 5:
            raise forms.ValidationError(
                _("请选择2至5个单位进行对比，当前选择了%(count)d个。"),
                params={"count": len(units)},
            )
        return units


class WhatIfForm(forms.Form):
    """The inputs a leader may change in the sandbox; every group of fields is optional."""

    indicator = forms.ChoiceField(label=_("调整分值的指标"), required=False)
    max_points = forms.DecimalField(label=_("新的分值"), required=False, **POINTS_FIELD)
    weight_q1 = forms.DecimalField(label=_("一季度权重"), decimal_places=4, min_value=0)
    weight_q2 = forms.DecimalField(label=_("二季度权重"), decimal_places=4, min_value=0)
    weight_q3 = forms.DecimalField(label=_("三季度权重"), decimal_places=4, min_value=0)
    weight_q4 = forms.DecimalField(label=_("四季度权重"), decimal_places=4, min_value=0)
    unit = forms.ChoiceField(label=_("调整数据的单位"), required=False)
    value_indicator = forms.ChoiceField(label=_("指标"), required=False)
    value_period = forms.ChoiceField(label=_("期间"), choices=Period.choices, required=False)
    value = forms.DecimalField(label=_("新的数值"), required=False, decimal_places=4)

    def __init__(self, *args, indicator_choices, unit_choices, **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", "—")]
        self.fields["indicator"].choices = blank + indicator_choices
        self.fields["value_indicator"].choices = blank + indicator_choices
        self.fields["unit"].choices = blank + unit_choices

    def clean(self):
        data = super().clean()
        if bool(data.get("indicator")) != (data.get("max_points") is not None):
            self.add_error("max_points", _("调整分值时，指标和新的分值都要填写。"))
        value_fields = [data.get("unit"), data.get("value_indicator"), data.get("value_period")]
        if any(value_fields) or data.get("value") is not None:
            if not all(value_fields) or data.get("value") is None:
                self.add_error("value", _("调整单位数据时，单位、指标、期间和新的数值都要填写。"))
        weights = [data.get(f"weight_{period.lower()}") for period in QUARTERS]
        if None not in weights and sum(weights) != Decimal(1):
            self.add_error(
                "weight_q4",
                _("四个季度的权重之和应为1，现在是%(sum)s。") % {"sum": sum(weights)},
            )
        return data

    def quarter_weights(self) -> dict[str, Decimal]:
        return {period: self.cleaned_data[f"weight_{period.lower()}"] for period in QUARTERS}
