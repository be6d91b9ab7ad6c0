"""The checks a confirmed workbook passes again when written, under lock, name the sheet as the
file names it, as the preview's checks do: a clerk whose sheet is 考核单位 looks for no sheet
"units"."""

import pytest

from scoring.models import Cycle
from scoring.services.cycles import cycle_quarter_close
from scoring.services.workbook import WorkbookInvalid
from scoring.services.workbook_imports import workbook_import_write, workbook_record_new
from scoring.services.workbook_preview import workbook_check
from tests.quarters import next_year_sheets, ranked_district
from tests.workbook.conftest import import_bytes, xlsx, xlsx_chinese_named

pytestmark = pytest.mark.django_db


def _written_problems(data: bytes, change) -> list[tuple]:
    """The problems of writing the file checked (clean) before `change` ran: sheet, row,
    column and message."""
    check = workbook_check(data=data)
    assert check.problems == []
    change()
    with pytest.raises(WorkbookInvalid) as raised:
        record = workbook_record_new(file_name="考核.xlsx", data=data, by=None)
        workbook_import_write(check=check, by=None, record=record)
    return [(p.sheet, p.row, p.column, p.message) for p in raised.value.problems]


def test_a_cycle_closed_after_the_preview_is_refused_on_the_settings_sheet_as_named(small_sheets):
    import_bytes(xlsx(small_sheets))
    small_sheets["values"][0][3] = 9

    problems = _written_problems(
        xlsx_chinese_named(small_sheets),
        lambda: Cycle.objects.filter(year=2027).update(state=Cycle.State.CLOSED),
    )

    [(sheet, row, column, message)] = problems
    assert (sheet, row, column) == ("设置", None, None)
    assert "已关闭" in message


def test_a_unit_move_a_quarter_closed_under_is_refused_on_the_units_sheet_as_named():
    district = ranked_district()
    sheets = next_year_sheets([["ZJ04", "单位ZJ04", "JJ"]])

    problems = _written_problems(
        xlsx_chinese_named(sheets),
        lambda: cycle_quarter_close(cycle=district["cycle"], quarter="Q1", by=district["admin"]),
    )

    [(sheet, row, column, message)] = problems
    assert (sheet, row, column) == ("考核单位", 2, "C")
    assert message.startswith("单位 ZJ04 单位ZJ04 在2026年度考核 第一季度按类别“镇街”考核")
