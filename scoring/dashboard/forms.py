from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from cadre.form_fields import DecimalTextField
from cadre.models import Unit
from scoring.models import QUARTERS, Cycle, Indicator, Period
from scoring.services.explain import figure

POINTS_FIELD = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal(0)}
BLANK = [("", "—")]


class CompareForm(forms.Form):
    units = forms.MultipleChoiceField(label=_("单位（2至5个）"))

    def __init__(self, *args, unit_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = unit_choices

    def clean_units(self):
        units = self.cleaned_data["units"]
        if not 2 <= len(units) <= 5:
            raise forms.ValidationError(
                ngettext_lazy(
                    "请选择2至5个单位进行对比，当前选择了%(count)d个。",
                    "请选择2至5个单位进行对比，当前选择了%(count)d个。",
                    "count",
                ),
                params={"count": len(units)},
            )
        return units


class WhatIfForm(forms.Form):
    """The inputs a leader may change in the sandbox; every group of fields is optional.

    Every choice starts blank, so that a leader who changes only the weights (or only an
    indicator's points) sends no unit change.
    """

    indicator = forms.ChoiceField(label=_("调整分值的指标"), required=False)
    max_points = DecimalTextField(label=_("新的分值"), required=False, **POINTS_FIELD)
    weight_q1 = DecimalTextField(label=_("一季度权重"), decimal_places=4, min_value=0)
    weight_q2 = DecimalTextField(label=_("二季度权重"), decimal_places=4, min_value=0)
    weight_q3 = DecimalTextField(label=_("三季度权重"), decimal_places=4, min_value=0)
    weight_q4 = DecimalTextField(label=_("四季度权重"), decimal_places=4, min_value=0)
    unit = forms.ChoiceField(label=_("调整数据的单位"), required=False)
    value_indicator = forms.ChoiceField(label=_("指标"), required=False)
    value_period = forms.ChoiceField(
        label=_("期间"), choices=BLANK + Period.choices, required=False
    )
    value = DecimalTextField(label=_("新的数值"), required=False, decimal_places=4)

    def __init__(
        self, *args, cycle: Cycle, indicators: list[Indicator], units: list[Unit], **kwargs
    ):
        # Weights as a person writes them: 0.25, not the column's 0.2500.
        initial = {f"weight_{p.lower()}": figure(w) for p, w in cycle.quarter_weights.items()}
        super().__init__(*args, initial=initial, **kwargs)
        indicator_choices = [
            (
                indicator.code,
                _("%(code)s %(name)s（满分 %(max)s）")
                % {
                    "code": indicator.code,
                    "name": indicator.name,
                    "max": figure(indicator.max_points),
                },
            )
            for indicator in indicators
        ]
        self.fields["indicator"].choices = BLANK + indicator_choices
        self.fields["value_indicator"].choices = BLANK + indicator_choices
        self.fields["unit"].choices = BLANK + [(unit.code, unit.name) for unit in units]

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
                _("四个季度的权重之和应为1，现在是%(sum)s。") % {"sum": figure(sum(weights))},
            )
        return data

    def quarter_weights(self) -> dict[str, Decimal]:
        return {period: self.cleaned_data[f"weight_{period.lower()}"] for period in QUARTERS}
