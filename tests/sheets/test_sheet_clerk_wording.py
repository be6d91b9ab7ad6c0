"""What a clerk reads: plain Chinese without programmers' words, what to do instead of what is
wrong, and the rows every clerk's sheet has (a total, a dash for no data) taken as meant."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from scoring.services.sheets import sheet_import_commit
from scoring.services.uploads import UploadRefused, upload_check
from tests.sheets.records import import_start, record_changes, record_problems

LONG = ["单位代码", "指标代码", "期间", "数值"]


def test_a_csv_is_refused_saying_how_to_save_it_as_xlsx():
    with pytest.raises(UploadRefused) as refused:
        upload_check(name="数据.csv", file=io.BytesIO(b"a,b"), size=3)
    assert str(refused.value) == (
        "只接受 Excel 工作簿（.xlsx），“数据.csv”不是：请在 Excel 或 WPS 中打开它，"
        "点“文件 → 另存为”，保存类型选“Excel 工作簿（*.xlsx）”，再上传另存的文件。"
    )


def test_the_sheet_shapes_are_said_in_words_not_jargon(district, scorer, xlsx):
    record = import_start(district, scorer, xlsx([["联系人", "电话"], ["张三", "123"]]))
    [(_row, _column, message)] = record_problems(record)
    assert message == (
        "找不到表头：需要“单位代码”列。表格可以每行一个单位（指标代码作列名），"
        "也可以每行一个数值（单位代码、指标代码、期间、数值四列）。"
    )


def test_the_file_digest_is_out_of_the_way(client, scorer, district, xlsx):
    client.force_login(scorer)
    upload = xlsx([["unit", "GDP"], ["ZJ01", 16]])
    # The same bytes: openpyxl stamps a file with the second it was written in.
    same_file = SimpleUploadedFile(upload.name, upload.read())
    upload.seek(0)
    first = import_start(district, scorer, upload)
    sheet_import_commit(record=first, by=scorer)
    again = import_start(district, scorer, same_file)
    first.refresh_from_db()
    when = timezone.localtime(first.imported_at).strftime("%Y-%m-%d %H:%M")
    assert again.notices == [f"同一文件已于 {when} 导入过（导入记录 #{first.pk}）。"]
    index = client.get("/entry/sheets/").content.decode()
    assert "SHA-256" not in index and first.sha256[:8] not in index
    page = client.get(f"/entry/sheets/imports/{first.pk}/").content.decode()
    details = page[page.index("<details") : page.index("</details>")]
    assert "文件校验码" in details and first.sha256 in details


def test_total_rows_are_skipped_with_a_notice(district, scorer, xlsx):
    wide = xlsx([["单位代码", "单位名称", "GDP"], ["ZJ01", "城关街道", 16], ["", "合计", 16]])
    record = import_start(district, scorer, wide)
    assert (record.status, record.errors) == ("pending", [])
    assert record.notices == ["合计行不导入，已跳过：工作表“Sheet1”第 3 行"]
    long = xlsx(
        [LONG, ["ZJ01", "GDP", "Q1", 16], ["合 计", "", "", 16], ["小计", None, None, None]]
    )
    record = import_start(district, scorer, long)
    assert (record.status, record.errors) == ("pending", [])
    assert record.notices[0] == "合计行不导入，已跳过：工作表“Sheet1”第 3–4 行"


def test_empty_cells_are_said_missing_and_no_data_marks_to_be_left_blank(district, scorer, xlsx):
    upload = xlsx(
        [
            LONG,
            ["", "", "", 1],
            ["ZJ01", "GDP", "Q1", "-"],
            ["ZJ01", "SAFE", "Q1", "/"],
            ["JJ01", "GDP", "Q1", "无"],
            ["JJ01", "SAFE", "Q1", "空"],
        ]
    )
    assert record_problems(import_start(district, scorer, upload)) == [
        (2, "A", "缺少单位代码"),
        (2, "C", "缺少期间"),
        (2, "B", "缺少指标代码"),
        (3, "D", "“-”不是数值：无数据请留空"),
        (4, "D", "“/”不是数值：无数据请留空"),
        (5, "D", "“无”不是数值：无数据请留空"),
        (6, "D", "“空”不是数值：无数据请留空"),
    ]


def test_indicator_codes_are_read_in_any_case(district, scorer, xlsx):
    long = import_start(district, scorer, xlsx([LONG, ["zj01", "gdp", "Q1", 16]]))
    wide = import_start(district, scorer, xlsx([["unit", "Safe"], ["ZJ01", 2]]))
    assert record_changes(long, district) == {("ZJ01", "GDP", "Q1"): ("15", "16")}
    assert record_changes(wide, district) == {("ZJ01", "SAFE", "Q1"): (None, "2")}
