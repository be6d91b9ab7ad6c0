"""Which row is the header and which column holds the codes, when a sheet says more than one."""

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from scoring.models import ImportRecord, IndicatorValue
from tests.sheets.records import import_start, record_changes, record_problems


def _workbook(tmp_path, sheets: dict[str, list[list]]) -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "sheets.xlsx"
    workbook.save(path)
    return SimpleUploadedFile("sheets.xlsx", path.read_bytes())


def test_a_wide_sheet_reads_the_codes_of_单位代码_beside_单位_holding_names(district, scorer, xlsx):
    upload = xlsx([["序号", "单位", "单位代码", "GDP"], [1, "城关街道", "ZJ01", 8]])
    record = import_start(district, scorer, upload)
    assert record.errors == []
    assert record_changes(record, district) == {("ZJ01", "GDP", "Q1"): ("15", "8")}


def test_a_long_sheet_reads_the_code_columns_beside_the_name_columns(district, scorer, xlsx):
    units = xlsx(
        [
            ["序号", "单位", "单位代码", "指标代码", "期间", "数值"],
            [1, "城关街道", "ZJ01", "GDP", "Q1", 8],
        ]
    )
    assert record_changes(import_start(district, scorer, units), district) == {
        ("ZJ01", "GDP", "Q1"): ("15", "8")
    }
    indicators = xlsx(
        [["单位代码", "指标", "指标代码", "期间", "数值"], ["ZJ02", "地区生产总值", "GDP", "Q1", 8]]
    )
    assert record_changes(import_start(district, scorer, indicators), district) == {
        ("ZJ02", "GDP", "Q1"): (None, "8")
    }


def test_a_title_and_a_line_of_measurement_units_above_the_header_are_read_past(
    district, scorer, xlsx
):
    upload = xlsx(
        [
            ["2026年第一季度重点项目统计表"],
            ["填报单位：区发改局", None, None, "单位", "万元、%"],
            ["单位代码", "单位名称", "GDP", "SAFE"],
            ["ZJ01", "城关街道", 8, 1],
        ]
    )
    record = import_start(district, scorer, upload)
    assert record.errors == []
    assert record_changes(record, district) == {
        ("ZJ01", "GDP", "Q1"): ("15", "8"),
        ("ZJ01", "SAFE", "Q1"): (None, "1"),
    }


def test_a_list_of_units_beside_the_data_is_skipped_whichever_comes_first(
    district, scorer, tmp_path
):
    units = [["单位代码", "单位名称", "类别"], ["ZJ01", "城关街道", "镇街"]]
    for data in ([["单位代码", "单位名称", "GDP"], ["ZJ01", "城关街道", 8]], [["单位代码", "GDP"]]):
        for sheets in ({"单位列表": units, "数据": data}, {"数据": data, "单位列表": units}):
            record = import_start(district, scorer, _workbook(tmp_path, sheets))
            # The first notice: the next ones name the imports before, left pending.
            assert record.notices[0] == "未读取的工作表（表头中没有可导入的指标代码）：单位列表"
            assert all(error["sheet"] != "单位列表" for error in record.errors)
    # And when the data sheet has problems of its own, they are its only ones.
    data = [["单位代码", "单位名称", "GDP"], ["ZJ99", "城关街道", 8]]
    for sheets in ({"单位列表": units, "数据": data}, {"数据": data, "单位列表": units}):
        record = import_start(district, scorer, _workbook(tmp_path, sheets))
        assert record_problems(record, with_sheet=True) == [("数据", 2, "A", "未知单位代码“ZJ99”")]
        assert record.notices[0] == "未读取的工作表（表头中没有可导入的指标代码）：单位列表"


def test_an_instructions_sheet_naming_the_columns_is_skipped(district, scorer, tmp_path):
    sheets = {
        "数据": [["单位代码", "单位名称", "GDP"], ["ZJ01", "城关街道", 8]],
        "填表说明": [
            ["填表说明"],
            ["列名", "含义"],
            ["单位代码", "考核单位的代码，如 ZJ01"],
            ["GDP", "地区生产总值得分，0–20 分"],
        ],
    }
    record = import_start(district, scorer, _workbook(tmp_path, sheets))
    assert record.errors == []
    assert record.notices == ["未读取的工作表（表头中没有可导入的指标代码）：填表说明"]
    assert record_changes(record, district) == {("ZJ01", "GDP", "Q1"): ("15", "8")}


def test_a_file_with_nothing_to_import_says_so(district, scorer, tmp_path):
    sheets = {
        "填表说明": [["请按单位填写"]],
        "单位列表": [["单位代码", "单位名称", "类别"], ["ZJ01", "城关街道", "镇街"]],
    }
    record = import_start(district, scorer, _workbook(tmp_path, sheets))
    assert record.status == ImportRecord.Status.FAILED
    assert record_problems(record, with_sheet=True) == [
        ("单位列表", 1, None, "表头中没有可导入的指标代码")
    ]
    assert record.notices == ["未读取的工作表（没有“单位代码”列）：填表说明"]
    assert IndicatorValue.objects.count() == 1


def test_a_wide_sheet_naming_only_unknown_codes_names_each_of_them(district, scorer, tmp_path):
    mistyped = [["单位代码", "NOPE", "NOPE2"], ["ZJ01", 8, 1]]
    record = import_start(district, scorer, _workbook(tmp_path, {"统计局": mistyped}))
    assert record.status == ImportRecord.Status.FAILED
    assert record_problems(record, with_sheet=True) == [
        ("统计局", 1, "B", "未知指标代码“NOPE”"),
        ("统计局", 1, "C", "未知指标代码“NOPE2”"),
    ]
    assert record.notices == []
    # Beside a sheet of good data and a list of units, it is refused all the same, and the
    # list, whose columns are no codes, is still skipped.
    sheets = {
        "数据": [["单位代码", "GDP"], ["ZJ02", 8]],
        "错码": mistyped,
        "单位列表": [["单位代码", "单位名称", "联系人", "电话"], ["ZJ01", "城关街道", "李明", 123]],
    }
    record = import_start(district, scorer, _workbook(tmp_path, sheets))
    assert (record.status, record.changes) == (ImportRecord.Status.FAILED, [])
    assert record_problems(record, with_sheet=True) == [
        ("错码", 1, "B", "未知指标代码“NOPE”"),
        ("错码", 1, "C", "未知指标代码“NOPE2”"),
    ]
    assert record.notices == ["未读取的工作表（表头中没有可导入的指标代码）：单位列表"]
    assert IndicatorValue.objects.count() == 1


def test_a_header_of_unknown_codes_below_a_title_saying_单位_is_the_header(district, scorer, xlsx):
    upload = xlsx(
        [
            ["2026年第一季度重点项目统计表"],
            ["填报单位：区发改局", None, "单位", "万元"],
            ["单位代码", "GDPP", "SAFE2"],
            ["ZJ01", 8, 1],
        ]
    )
    record = import_start(district, scorer, upload)
    assert record_problems(record) == [
        (3, "B", "未知指标代码“GDPP”"),
        (3, "C", "未知指标代码“SAFE2”"),
    ]
