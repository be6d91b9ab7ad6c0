"""The registry's and the subsidies' 导出Excel: what the page's filters show, as a formatted
.xlsx in the current language."""

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
from talent.models import Subsidy, Talent

CENT = Decimal("0.01")
FORMATS = {
    "money": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "text": "@",
    "number": "0",
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


def export_file_name(prefix: str) -> str:
    """Return the download's name, dated with the district's day: `prefix-YYYYMMDD.xlsx`."""
    return f"{prefix}-{timezone.localdate():%Y%m%d}.xlsx"
