"""A downloaded template knows its cycle, period and the time it was made: its upload needs no
period picked and cannot undo what others saved after the download."""

from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from scoring.models import Cycle, ImportRecord, IndicatorValue
from scoring.services.sheets import sheet_import_start, sheet_template_build
from scoring.services.values import SOURCE_ENTRY, CellInput, value_save

# The template's first unit row: ZJ01, ZJ02, JJ01 follow; GDP is column D.
ZJ01_GDP, ZJ02_GDP = "D6", "D7"


def _downloaded(district, user, period):
    buffer = BytesIO()
    sheet_template_build(cycle=district["cycle"], period=period, user=user).save(buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def _upload(workbook, name="template.xlsx"):
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def _start(district, user, workbook, period=""):
    return sheet_import_start(
        cycle=district["cycle"], user=user, period=period, upload=_upload(workbook)
    )


def _start_file(district, user, upload, period=""):
    return sheet_import_start(cycle=district["cycle"], user=user, period=period, upload=upload)


def _changes(record):
    return [(old, new) for _unit, _indicator, _period, old, new in record.changes]


def _changes_of(record):
    return [tuple(change[2:]) for change in record.changes]


def _saved_by_someone_else(district, admin_user, unit, figure):
    cell = CellInput(
        unit=district["units"][unit],
        indicator=district["indicators"]["GDP"],
        period="Q1",
        raw=figure,
    )
    value_save(cell=cell, by=admin_user, source=SOURCE_ENTRY)


def test_the_template_says_its_period_so_none_need_be_picked(district, scorer):
    workbook = _downloaded(district, scorer, "Q2")
    workbook.active[ZJ02_GDP] = 7
    record = _start(district, scorer, workbook)
    assert (record.status, record.period, record.errors) == ("pending", "Q2", [])
    assert record.changes[0][2:] == ["Q2", None, "7"]


def test_a_period_picked_that_differs_from_the_templates_is_refused(district, scorer):
    workbook = _downloaded(district, scorer, "Q2")
    workbook.active[ZJ02_GDP] = 7
    record = _start(district, scorer, workbook, period="Q1")
    assert record.status == "failed"
    assert record.errors[0]["message"] == (
        "工作表“2026-Q2”是第二季度的数据，上传时选择的是第一季度：请改选第二季度，或选“按文件”。"
    )
    assert not IndicatorValue.objects.filter(period="Q2").exists()


def test_a_sheet_of_its_own_making_needs_a_period_unless_its_name_says_one(district, scorer, xlsx):
    record = _start_file(district, scorer, xlsx([["unit", "GDP"], ["ZJ02", 7]]))
    assert record.errors[0]["message"].startswith("每行一个单位的表需要期间")
    named = xlsx([["unit", "GDP"], ["ZJ02", 7]], title="三季度")
    assert _changes_of(_start_file(district, scorer, named)) == [("Q3", None, "7")]


def test_a_template_of_another_years_cycle_is_refused(district, scorer):
    workbook = _downloaded(district, scorer, "Q1")
    workbook.active[ZJ02_GDP] = 7
    other = Cycle.objects.create(year=2027, name="2027年度考核", state=Cycle.State.OPEN)
    record = sheet_import_start(cycle=other, user=scorer, period="", upload=_upload(workbook))
    assert record.errors[0]["message"].startswith("这是 2026 年考核的数据，当前导入的是 2027 年")


def test_a_value_saved_by_someone_else_after_the_download_is_not_undone(
    district, scorer, admin_user
):
    workbook = _downloaded(district, scorer, "Q1")  # ZJ01's GDP is 15 in it
    _saved_by_someone_else(district, admin_user, "ZJ01", 16)
    workbook.active[ZJ02_GDP] = 7
    record = _start(district, scorer, workbook)
    assert (record.status, _changes(record)) == ("pending", [(None, "7")])
    assert record.notices == [
        "1 个单元格在您下载模板后已在别处被修改，文件中仍是下载时的值：保留了新值，不列入变更。"
    ]


def test_a_cell_changed_by_both_the_scorer_and_someone_else_is_refused_naming_both(
    district, scorer, admin_user
):
    workbook = _downloaded(district, scorer, "Q1")
    _saved_by_someone_else(district, admin_user, "ZJ01", 16)
    _saved_by_someone_else(district, admin_user, "ZJ02", 5)  # blank in the template
    workbook.active[ZJ01_GDP] = 17
    workbook.active[ZJ02_GDP] = 5  # the same as saved meanwhile: no conflict, no change
    record = _start(district, scorer, workbook)
    assert [(error["row"], error["column"], error["message"]) for error in record.errors] == [
        (6, "D", "下载模板后，此值已在别处由 15 改为 16：请核对后重新填写，或下载新的模板")
    ]
    assert IndicatorValue.objects.get(unit__code="ZJ01").value == Decimal(16)


def test_the_english_template_comes_back_in_either_language(district, scorer):
    with translation.override("en"):
        workbook = _downloaded(district, scorer, "Q1")
    assert [row[0].value for row in workbook.active.iter_rows(max_row=4)] == [
        "Unit code",
        "Indicator name",
        "Max",
        "Scoring method",
    ]
    workbook.active[ZJ02_GDP] = 7
    assert _changes(_start(district, scorer, workbook)) == [(None, "7")]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_big_file_is_checked_in_the_language_it_was_uploaded_in(
    district, scorer, xlsx, settings, language
):
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 1
    upload = xlsx([["unit", "GDP"], ["ZJ01", 10], ["NOPE", 11]], title="Q1")
    with translation.override(language):
        record = _start_file(district, scorer, upload)
    record.refresh_from_db()
    assert (
        record.errors[0]["message"]
        == {
            "zh-hans": "未知单位代码“NOPE”",
            "en": "Unknown unit code “NOPE”",
        }[language]
    )


def test_the_templates_cells_prompt_their_rule_and_ranked_figures_may_be_negative(
    district, scorer, make_indicator
):
    ranked = make_indicator("RANK", 10, method="rank", parent=district["indicators"]["GDP"].parent)
    ranked.owners.add(scorer)
    sheet = _downloaded(district, scorer, "Q1").active
    rules = {str(rule.sqref): rule for rule in sheet.data_validations.dataValidation}
    assert all(rule.showInputMessage for rule in rules.values())
    column = next(cell.column_letter for cell in sheet[1] if cell.value == "RANK")
    rule = rules[f"{column}6:{column}8"]
    assert (rule.type, rule.formula1) == ("decimal", "-1E+15")


def test_the_same_file_again_after_its_import_says_so(district, scorer):
    from scoring.services.sheets import sheet_import_commit

    workbook = _downloaded(district, scorer, "Q1")
    workbook.active[ZJ02_GDP] = 7
    upload = _upload(workbook)
    first = _start_file(district, scorer, upload)
    sheet_import_commit(record=first, by=scorer)
    upload.seek(0)
    again = _start_file(district, scorer, SimpleUploadedFile(upload.name, upload.read()))
    assert again.status == ImportRecord.Status.UNCHANGED
    assert f"（导入记录 #{first.pk}）" in again.notices[-1]


def test_the_same_template_corrected_and_uploaded_again_changes_the_scorers_own_import(
    district, scorer
):
    from scoring.services.sheets import sheet_import_commit

    workbook = _downloaded(district, scorer, "Q1")
    workbook.active[ZJ02_GDP] = 7
    sheet_import_commit(record=_start(district, scorer, workbook), by=scorer)
    workbook.active[ZJ02_GDP] = 8  # the scorer's own mistake, corrected in the same file
    record = _start(district, scorer, workbook)
    assert (record.status, _changes(record), record.notices) == ("pending", [("7", "8")], [])


def test_a_value_deleted_by_someone_else_after_the_download_is_not_put_back(district, scorer):
    workbook = _downloaded(district, scorer, "Q1")  # ZJ01's GDP is 15 in it
    IndicatorValue.objects.get(unit__code="ZJ01").delete()
    workbook.active[ZJ02_GDP] = 7
    record = _start(district, scorer, workbook)
    assert (record.status, _changes(record)) == ("pending", [(None, "7")])
    assert record.notices[0].startswith("1 个单元格在您下载模板后已在别处被修改")


def test_a_sheet_named_for_another_period_than_its_templates_is_refused(district, scorer, xlsx):
    workbook = _downloaded(district, scorer, "Q2")
    workbook.active.title = "一季度"  # renamed: are these Q1's figures or the template's Q2?
    record = _start(district, scorer, workbook)
    assert record.errors[0]["message"] == (
        "工作表“一季度”的名称是第一季度，而这个文件是第二季度的模板：请把这些数据放进第一季度的"
        "模板，或把工作表名称改回。"
    )
    workbook.active.title = "2026-Q2"
    extra = workbook.create_sheet("Q3")
    extra.append(["unit", "GDP"])
    extra.append(["ZJ02", 5])
    assert _start(district, scorer, workbook).errors[0]["sheet"] == "Q3"
    other_year = xlsx([["unit", "GDP"], ["ZJ02", 5]], title="2025-Q3")
    assert (
        _start_file(district, scorer, other_year)
        .errors[0]["message"]
        .startswith("这是 2025 年考核的数据，当前导入的是 2026 年的考核")
    )


def test_label_rows_typed_over_import_nothing_and_say_so(district, scorer):
    """A clerk who raises 满分 in the template has changed no indicator: the upload says so,
    naming the cells; the label rows as downloaded, in either language, say nothing."""
    with translation.override("en"):
        workbook = _downloaded(district, scorer, "Q1")
    sheet = workbook.active
    record = _start(district, scorer, workbook)
    assert record.notices == [] and record.status == ImportRecord.Status.UNCHANGED
    sheet["D2"] = "地区生产总值（修订）"
    sheet["D3"] = 50
    sheet["E5"] = "填次数（每次扣 1 分）"
    sheet[ZJ02_GDP] = 7
    record = _start(district, scorer, workbook)
    assert _changes(record) == [(None, "7")]
    assert record.notices == [
        f"表头的指标名称、满分、计分方法和填写说明只供参考，改动不会导入（{sheet.title}!D2、"
        f"{sheet.title}!D3、{sheet.title}!E5）：指标由考核办在指标体系中维护。"
    ]


def _template_without_hints(district, user, period):
    """A template as downloaded before it said what to type: four header rows, not five."""
    workbook = _downloaded(district, user, period)
    sheet = workbook.active
    assert sheet["A5"].value == "填写说明"
    sheet.delete_rows(5)
    return workbook


@pytest.mark.parametrize("hints", [True, False], ids=["new template", "older template"])
def test_a_template_comes_back_with_or_without_its_hint_row(district, scorer, hints):
    """The 填写说明 row is a label row like 满分: it imports nothing, and a template downloaded
    before the row was added still imports its unit rows, none taken for a label."""
    make = _downloaded if hints else _template_without_hints
    workbook = make(district, scorer, "Q1")
    sheet = workbook.active
    first_unit = 6 if hints else 5
    assert sheet[f"A{first_unit}"].value == "ZJ01"
    sheet[f"D{first_unit}"] = 18  # ZJ01's GDP, 15 stored
    sheet[f"E{first_unit + 1}"] = 3  # ZJ02's SAFE: 3 incidents
    record = _start(district, scorer, workbook)
    assert (record.status, record.errors, record.notices) == ("pending", [], [])
    assert sorted(_changes(record), key=str) == [("15", "18"), (None, "3")]


def test_a_hand_made_wide_sheet_with_a_hint_like_line_still_imports(district, scorer, xlsx):
    """A clerk's own sheet: its second line copied from the template's 填写说明 row, then units."""
    upload = xlsx(
        [
            ["单位代码", "单位名称", "GDP", "SAFE"],
            ["填写说明", "", "填得分 0–20", "填次数（每次扣 2 分）"],
            ["ZJ02", "东城街道", 12, 1],
        ],
        title="2026-Q1",
    )
    record = _start_file(district, scorer, upload)
    assert (record.status, record.errors, record.notices) == ("pending", [], [])
    assert sorted(_changes(record), key=str) == [(None, "1"), (None, "12")]


def test_a_value_in_a_grey_cell_of_a_sorted_template_is_refused_naming_where_it_is(
    district, scorer
):
    """Sorted by unit code in Excel, the department comes first; its TAX cell does not apply."""
    workbook = _downloaded(district, scorer, "Q1")
    sheet = workbook.active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=6, max_row=8)]
    for row_number, values in enumerate(sorted(rows, key=lambda row: row[0]), start=6):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row_number, column=column, value=value)
    assert sheet["A6"].value == "JJ01"
    sheet["F6"] = 88
    sheet["D7"] = 16
    record = _start(district, scorer, workbook)
    assert record.status == "failed"
    assert [(e["sheet"], e["row"], e["column"], e["message"]) for e in record.errors] == [
        ("2026-Q1", 6, "F", "指标 TAX 不适用于该单位的类别")
    ]
    assert not IndicatorValue.objects.filter(value=16).exists()
