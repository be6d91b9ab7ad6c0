"""The ranked table's body, built in Python like the admin's change list.

A category may hold a thousand units; rendering each cell through template nodes (or through
format_html, whose lazy-string checks dominate at that size) cost more than the whole page may
take, so the rows are formatted here in one pass with the standard library's escaping.
"""

import re
from html import escape

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cadre.words import listed
from scoring.dashboard.selectors import RankedRow, points_round
from scoring.models import Grade
from scoring.services.explain import signed

register = template.Library()

# A unit's badge on the pages of a closed period that assessed it, retired since.
RETIRED_BADGE = "dashboard/_retired_badge.html"

# Rank and unit stay pinned while the table scrolls sideways; what decides a unit's standing
# (total, grade, bonus, adjustment, marks, missing) comes before the areas, so that a tablet
# shows it without scrolling.
ROW = (
    '<tr data-unit="{code}"><td class="num rank pin pin-rank">{rank}</td>'
    '<td class="change">{change}</td><td class="pin pin-unit"><a href="{url}">{name}</a></td>'
    '<td class="num total"><strong>{total}</strong></td>'
    '<td class="grade-cell"><span class="grade grade-{grade}">{grade_label}</span></td>'
    '<td class="num">{bonus}</td><td class="num">{adjustment}</td>'
    '<td>{marks}</td><td class="num">{missing}</td>{areas}</tr>'
)


@register.simple_tag
def ranked_table_body(rows: list[RankedRow], query: str) -> SafeString:
    """Return the <tr> of every ranked row: rank, change, unit, total, grade, bonus,
    adjustment, marks, missing, then the areas."""
    changes = {
        "up": '<span class="up" title="' + escape(_("上升")) + '">▲{}</span>',
        "down": '<span class="down" title="' + escape(_("下降")) + '">▼{}</span>',
        "same": '<span class="same" title="' + escape(_("持平")) + '">＝</span>',
        "none": '<span class="muted">—</span>',
    }
    veto = '<span class="badge badge-veto">' + escape(_("一票否决")) + "</span> "
    adjust = '<span class="badge badge-adjust">' + escape(_("重点调整")) + "</span>"
    # A closed period keeps the units it assessed, those retired since too: the badge the
    # other pages include, rendered once for the whole table.
    retired = render_to_string(RETIRED_BADGE)
    grade_labels = {grade.value: escape(str(grade.label)) for grade in Grade}
    unit_url = reverse("dashboard:unit", args=["CODE"]).replace("CODE/", "")
    query = escape(query)
    html = []
    for row in rows:
        result = row.result
        if row.rank_change is None:
            change = changes["none"]
        elif row.rank_change > 0:
            change = changes["up"].format(row.rank_change)
        elif row.rank_change < 0:
            change = changes["down"].format(-row.rank_change)
        else:
            change = changes["same"]
        if result.missing:
            names = escape(listed(result.missing))
            missing = f'<span class="missing" title="{names}">{len(result.missing)}</span>'
        else:
            missing = '<span class="muted">0</span>'
        code = escape(result.unit.code)
        html.append(
            ROW.format(
                code=code,
                rank=result.rank,
                change=change,
                url=f"{unit_url}{code}/?{query}",
                name=escape(result.unit.name),
                total=result.total,
                areas="".join(
                    f'<td class="num area">{"—" if points is None else points}</td>'
                    for points in row.areas
                ),
                bonus=points_round(result.bonus),
                adjustment=result.adjustment,
                grade=escape(result.grade),
                grade_label=grade_labels.get(result.grade, ""),
                marks=(retired if not result.unit.is_active else "")
                + (veto if result.vetoed else "")
                + (adjust if result.needs_adjustment else ""),
                missing=missing,
            )
        )
    return mark_safe("".join(html))


NBSP = "\u00a0"
BRACKETED = re.compile(r"[(（][^()（）]*[)）]")
OPERATOR = re.compile(r" ([=×−+/]) ")


@register.filter
def formula_breaks(text: str) -> str:
    """Return an explanation that a narrow cell wraps only before an operator: a bracketed
    term stays whole and an operator stays with the figure after it, so that
    `10 − (6 − 1)/(12 − 1) × 10 × (1 − 0.6) = 8.18` never breaks inside `(1 − 0.6)`."""
    text = BRACKETED.sub(lambda match: match.group().replace(" ", NBSP), str(text))
    return OPERATOR.sub(lambda match: f" {match.group(1)}{NBSP}", text)


@register.filter
def signed_points(value) -> str:
    """Points moved, with their sign (+3.00, −1.25, 0.00); — where nothing compares."""
    if value is None:
        return "—"
    return signed(value) if value else "0.00"
