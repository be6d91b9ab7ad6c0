"""The rules every path that writes an indicator value obeys: entry page, imports, admin, shell."""

from decimal import Decimal

from django.utils.translation import gettext as _

from scoring.models import Cycle, Indicator


class CycleLockedError(Exception):
    """The cycle is closed or published: no input may change."""


def cycle_ensure_editable(*, cycle: Cycle) -> None:
    """Raise CycleLockedError when the cycle refuses changes (closed or published)."""
    if cycle.is_locked:
        raise CycleLockedError(
            _("%(cycle)s 状态为“%(state)s”，不能再修改任何数据。")
            % {"cycle": cycle, "state": cycle.get_state_display()}
        )


def value_problem(*, indicator: Indicator, value: Decimal) -> str | None:
    """Return why the value cannot be stored for the indicator, or None when it can.

    What a value means depends on the method: points for direct and bonus, a count of incidents
    for deduction, 0 or 1 for veto, a figure for the others.
    """
    method = indicator.method
    if method == Indicator.Method.EVALUATION:
        return _("综合评价指标按测评票数计分，请录入票数。")
    if method in (Indicator.Method.DIRECT, Indicator.Method.BONUS):
        if value < 0 or value > indicator.max_points:
            return _("分值应在 0 到 %(max)s 之间，实为 %(value)s") % {
                "max": indicator.max_points,
                "value": value,
            }
    elif method == Indicator.Method.VETO:
        if value not in (0, 1):
            return _("一票否决指标只能填 0 或 1，实为 %(value)s") % {"value": value}
    elif method == Indicator.Method.DEDUCTION:
        if value < 0 or value != value.to_integral_value():
            return _("扣分指标填发生次数（非负整数），实为 %(value)s") % {"value": value}
    elif method == Indicator.Method.COMPLETION and value < 0:
        return _("完成值不能为负数，实为 %(value)s") % {"value": value}
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        return _("最多保留 4 位小数，实为 %(value)s") % {"value": value}
    if abs(value) >= Decimal("1e16"):
        return _("数值过大：%(value)s") % {"value": value}
    return None
