"""The registry's, the subsidies' and the talent award's 导出Excel: what the page shows, as a
formatted .xlsx in the current language."""

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from scoring.services.cells import cell_safe
from talent.models import AwardRound, Nomination, Subsidy, Talent
from talent.services.awards import award_ranking, award_round_prizes, award_scores_shown

CENT = Decimal("0.01")
FORMATS = {
    "money": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "text": "@",
    "number": "0",
    "score": "0.00",
}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF6")


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    value: Callable
    kind: str = "text"  # a key of FORMATS


def _cell(value, kind: str):
    if value is None or value == "":
        return None
    if kind == "money":
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    if kind == "datetime":
        # Excel keeps no time zone: the district's own clock, as the pages show it.
        return timezone.localtime(value).replace(tzinfo=None)
    if kind == "text":
        return cell_safe(str(value))
    return value


def table_xlsx(*, title: str, columns: list[Column], rows: Iterable) -> bytes:
    """Return one sheet: a bold header row, frozen, with filters, each column at its width and
    in its format (money with two places, dates as dates), text that Excel would run as a
    formula escaped. Written row by row, as the rows are read: a registry of thousands stays
    quick and small in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append([_styled(sheet, column.header, header=True) for column in columns])
    written = 0
    for row in rows:
        sheet.append(
            [
                _styled(sheet, _cell(column.value(row), column.kind), kind=column.kind)
                for column in columns
            ]
        )
        written += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{written + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _styled(sheet, value, *, kind: str = "text", header: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if header:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    else:
        cell.number_format = FORMATS[kind]
    return cell


def talent_registry_xlsx(*, talents: QuerySet[Talent], contacts: bool) -> bytes:
    """Return the talents (the registry page's filtered list) as .xlsx, one query; their phone
    and e-mail only with `contacts`, as the page shows them to the office's admins only."""
    columns = [
        Column(_("姓名"), 12, lambda t: t.name),
        Column(_("人才计划"), 18, lambda t: t.programme.name),
        Column(_("专业领域"), 18, lambda t: t.field),
        Column(_("工作单位"), 28, lambda t: t.employer),
        Column(_("引才年度"), 10, lambda t: t.year, "number"),
        Column(pgettext("talent status", "状态"), 10, lambda t: t.get_status_display()),
        Column(_("状态日期"), 12, lambda t: t.status_date, "date"),
    ]
    if contacts:
        columns += [
            Column(_("联系电话"), 16, lambda t: t.phone),
            Column(_("电子邮箱"), 26, lambda t: t.email),
        ]
    columns.append(Column(_("备注"), 30, lambda t: t.note))
    return table_xlsx(title=_("人才库"), columns=columns, rows=talents.select_related("programme"))


def subsidies_xlsx(*, subsidies: QuerySet[Subsidy]) -> bytes:
    """Return the subsidies (the subsidies page's filtered list) as .xlsx, one query, with
    their decision and withdrawal."""
    columns = [
        Column(_("申请日期"), 12, lambda s: s.requested_at, "date"),
        Column(_("领取人"), 12, lambda s: s.talent.name),
        Column(_("人才计划"), 18, lambda s: s.talent.programme.name),
        Column(_("补贴类型"), 16, lambda s: s.get_kind_display()),
        Column(_("金额（元）"), 16, lambda s: s.amount, "money"),
        Column(_("资金年度"), 10, lambda s: s.fund.year, "number"),
        Column(_("状态"), 10, lambda s: s.get_state_display()),
        Column(_("审批人"), 12, lambda s: s.decided_by),
        Column(_("审批时间"), 17, lambda s: s.decided_at, "datetime"),
        Column(_("审批意见"), 30, lambda s: s.decision_note),
        Column(_("撤销人"), 12, lambda s: s.withdrawn_by),
        Column(_("撤销时间"), 17, lambda s: s.withdrawn_at, "datetime"),
        Column(_("撤销理由"), 30, lambda s: s.withdrawal_reason),
    ]
    rows = subsidies.select_related("talent__programme", "fund", "decided_by", "withdrawn_by")
    return table_xlsx(title=_("人才补贴"), columns=columns, rows=rows)


@dataclass(frozen=True)
class AwardResultRow:
    """A nominee of a category with their place, score and prize; the last row, without a
    nomination, is the round's total paid."""

    category: str
    nomination: Nomination | None = None
    scores: int | None = None
    mean: Decimal | None = None
    rank: int | None = None
    prize: Decimal | None = None


def award_results_xlsx(*, award_round: AwardRound, user, admin: bool) -> bytes:
    """Return the round's nominees per category, ranked as on each category's page, each
    winner with the prize paid, and a last row with what the round's winners are paid together:
    the list the finance office pays from. A category whose scores the user may not read yet
    (a reviewer on its panel while it takes scores) lists its nominees without place or score.
    Queries: a few per category, none per nominee."""
    prizes = award_round_prizes(award_round=award_round)
    rows = []
    for category in prizes.categories:
        if not award_scores_shown(category=category, user=user, admin=admin):
            rows += [
                AwardResultRow(category=category.name, nomination=nomination)
                for nomination in category.nominations.order_by("pk")
            ]
            continue
        rows += [
            AwardResultRow(
                category=category.name,
                nomination=row.nomination,
                scores=len(row.scores),
                mean=row.mean,
                rank=row.rank,
                prize=category.prize if row.nomination.is_winner else None,
            )
            for row in award_ranking(category=category)
        ]
    rows.append(AwardResultRow(category=_("合计"), prize=prizes.paid_total))
    columns = [
        Column(_("奖项"), 16, lambda r: r.category),
        Column(_("名次"), 8, lambda r: r.rank, "number"),
        Column(_("被提名人"), 12, lambda r: r.nomination and r.nomination.nominee),
        Column(_("工作单位"), 28, lambda r: r.nomination and r.nomination.employer),
        Column(_("推荐单位"), 16, lambda r: r.nomination and r.nomination.nominated_by),
        Column(_("评分数"), 8, lambda r: r.scores, "number"),
        Column(pgettext("award score", "得分"), 10, lambda r: r.mean, "score"),
        Column(
            _("获奖"), 8, lambda r: _("是") if r.nomination and r.nomination.is_winner else None
        ),
        Column(_("奖金（元）"), 16, lambda r: r.prize, "money"),
    ]
    return table_xlsx(title=_("人才奖评选"), columns=columns, rows=rows)


def export_file_name(prefix: str) -> str:
    """Return the download's name, dated with the district's day: `prefix-YYYYMMDD.xlsx`."""
    return f"{prefix}-{timezone.localdate():%Y%m%d}.xlsx"
