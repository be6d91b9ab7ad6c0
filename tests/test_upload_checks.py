"""The admin's imports and the star-tree import check an uploaded file as the scorer's sheet
upload does (scoring.services.uploads) before anything reads it: size, zip bomb, rows."""

import html
import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cadre.models import Unit
from talent.models import StarNode, StarTree
from talent.services.star_xlsx import star_tree_import
from tests.sheets.excel_error_cells import part_rewrite
from tests.test_admin_imports import CSV, XLSX, preview, xlsx

pytestmark = pytest.mark.django_db

IMPORT_PAGES = ["cadre/unit", "scoring/indicator", "talent/programme"]


def bomb() -> bytes:
    """An .xlsx whose sheet unpacks a thousand times bigger than it is packed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", " " * (8 * 1024 * 1024))
    return buffer.getvalue()


def rows(count) -> bytes:
    return xlsx(["code", "name"], *[[f"C{number}", "甲"] for number in range(count)])


def understated(data: bytes) -> bytes:
    """The .xlsx with its sheet declaring two rows, whatever it holds (review finding S4)."""
    source, buffer = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in source.namelist():
            content = source.read(entry)
            if entry.startswith("xl/worksheets/"):
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', content)
            archive.writestr(entry, content)
    return buffer.getvalue()


@pytest.mark.parametrize("path", IMPORT_PAGES)
def test_an_admin_xlsx_import_over_the_row_limit_is_refused_before_it_is_read(
    admin_client, settings, path
):
    settings.SCORING_UPLOAD_MAX_ROWS = 5
    page, context = preview(admin_client, path, rows(10))
    assert "超过上限 5 行" in page
    assert context.get("result") is None  # no row was read


def test_rows_beyond_the_background_threshold_count_against_the_limit_too(admin_client, settings):
    """The scorer's upload leaves such a file to its background reading, which refuses it
    there; the admin and the star tree read in the request, so the estimate decides."""
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 10
    settings.SCORING_UPLOAD_MAX_ROWS = 50
    page, context = preview(admin_client, "cadre/unit", understated(rows(200)))
    assert "超过上限 50 行" in page and context.get("result") is None
    with pytest.raises(ValidationError, match="超过上限 50 行"):
        tree = StarTree.objects.create(name="星级树", year=2026)
        star_tree_import(tree=tree, upload=io.BytesIO(understated(star_rows(200).getvalue())))


@pytest.mark.parametrize("path", IMPORT_PAGES)
def test_an_admin_import_of_a_zip_bomb_is_refused(admin_client, path):
    page, context = preview(admin_client, path, bomb())
    assert "疑似压缩炸弹" in page
    assert context.get("result") is None


def stray_far_value(data: bytes) -> bytes:
    """The .xlsx with a value typed in XFD2000 too, far from the rest."""
    workbook = load_workbook(io.BytesIO(data))
    workbook.active["XFD2000"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("path", IMPORT_PAGES)
def test_an_admin_import_with_a_value_typed_far_off_is_refused_naming_where(admin_client, path):
    page, context = preview(admin_client, path, stray_far_value(rows(3)))
    assert "一直延伸到 XFD2000（2,000 行 × 16,384 列）" in page
    assert context.get("result") is None


def test_an_admin_csv_import_over_the_size_or_the_row_limit_is_refused(admin_client, settings):
    data = "code,name,category\n" + "".join(f"U{n},甲,ZJ\n" for n in range(50))
    settings.SCORING_UPLOAD_MAX_ROWS = 20
    page, _context = preview(admin_client, "cadre/unit", data.encode(), CSV, name="units.csv")
    assert "超过上限 20 行" in page
    settings.SCORING_UPLOAD_MAX_BYTES = 100
    page, _context = preview(admin_client, "cadre/unit", data.encode(), CSV, name="units.csv")
    assert "超过上限 0.0 MB" in page
    assert not Unit.objects.exists()


SAVE_AS_CSV = (
    "请在 Excel 或 WPS 中打开它，点“文件 → 另存为”，保存类型选“CSV UTF-8（逗号分隔）”，"
    "再导入另存的文件。"
)


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        (
            xlsx(["code", "name", "category"], ["U1", "甲", "ZJ"]),
            "“units.csv”是 Excel 工作簿，不是 CSV：请把“格式”选为 xlsx 后再导入。",
        ),
        (
            "code,name,category\nU1,甲,ZJ\nU2,乙\x00,ZJ\n".encode(),
            f"“units.csv”第 3 行含有空字符（NUL），不是 CSV 文本：{SAVE_AS_CSV}",
        ),
        (
            b"code,name,category\nU1,\x80\x80,ZJ\n",
            f"“units.csv”第 2 行的文字既不是 UTF-8 也不是 GBK 编码，无法读取：{SAVE_AS_CSV}",
        ),
    ],
    ids=["xlsx-as-csv", "nul", "neither-utf8-nor-gbk"],
)
def test_an_admin_csv_import_it_cannot_read_is_refused_saying_where(admin_client, data, refusal):
    page, context = preview(admin_client, "cadre/unit", data, CSV, name="units.csv")
    assert html.unescape(refusal) in html.unescape(page)
    assert context.get("confirm_form") is None


def test_an_admin_xlsx_import_the_reader_fails_on_names_the_file_and_what_to_do(admin_client):
    # A style's number format id of 5,000 digits: openpyxl fails with a TypeError.
    data = part_rewrite(
        xlsx(["code", "name", "category"], ["U1", "甲", "ZJ"]),
        "xl/styles.xml",
        lambda styles: styles.replace('numFmtId="0"', f'numFmtId="{"9" * 5000}"', 1),
    )
    page, context = preview(admin_client, "cadre/unit", data, XLSX, name="units.xlsx")
    assert html.unescape(
        "无法读取“units.xlsx”：它已损坏，或不是所选格式的文件。请在 Excel 或 WPS 中打开它，"
        "另存为 Excel 工作簿（.xlsx）或“CSV UTF-8（逗号分隔）”，再导入另存的文件。"
    ) in html.unescape(page)
    assert "encountered while trying to read file" not in page
    assert context.get("confirm_form") is None


def test_a_row_numbered_with_spaces_around_its_equals_sign_counts_to_the_row_limit(
    admin_client, settings
):
    # openpyxl reads <row r = "500"> as row 500 and yields the 498 rows before it, empty.
    data = part_rewrite(
        xlsx(["code", "name", "category"], ["U1", "甲", "ZJ"]),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r' r="[A-C]2"', "", xml.replace('<row r="2"', '<row r = "500"')),
    )
    settings.SCORING_UPLOAD_MAX_ROWS = 20
    page, _context = preview(admin_client, "cadre/unit", data, XLSX, name="units.xlsx")
    assert "工作表有 500 行，超过上限 20 行" in page


def test_an_admin_xlsx_import_within_the_limits_is_read_as_before(admin_client, unit):
    page, context = preview(
        admin_client, "cadre/unit", xlsx(["code", "name", "category"], ["ZJ02", "东城", "ZJ"])
    )
    assert context["confirm_form"] is not None, page
    page, context = preview(admin_client, "cadre/unit", b"not a zip", XLSX, name="units.xlsx")
    assert "不是有效的 .xlsx 文件" in page


@pytest.fixture
def star_tree():
    return StarTree.objects.create(name="星级树", year=2026)


def star_rows(count) -> io.BytesIO:
    book = Workbook()
    book.active.append(["代码", "名称", "层级", "上级", "记录星级"])
    for number in range(count):
        book.active.append([f"C{number}", "社区党委", "社区党委", "", 10])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_the_star_import_refuses_a_zip_bomb_a_value_far_off_and_too_many_rows(star_tree, settings):
    with pytest.raises(ValidationError, match="疑似压缩炸弹"):
        star_tree_import(tree=star_tree, upload=io.BytesIO(bomb()))
    with pytest.raises(ValidationError, match="一直延伸到 XFD2000"):
        star_tree_import(tree=star_tree, upload=io.BytesIO(stray_far_value(star_rows(3).read())))
    settings.SCORING_UPLOAD_MAX_ROWS = 5
    with pytest.raises(ValidationError, match="超过上限 5 行"):
        star_tree_import(tree=star_tree, upload=star_rows(10))
    assert not StarNode.objects.exists()


def test_the_star_import_of_a_workbook_its_reader_fails_on_says_what_to_do(star_tree):
    # A cell naming a shared string the file does not have: calamine's words are English.
    broken = part_rewrite(
        star_rows(2).getvalue(),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            '<c r="B2" t="inlineStr"><is><t>社区党委</t></is></c>', '<c r="B2" t="s"><v>99</v></c>'
        ),
    )
    with pytest.raises(ValidationError) as refusal:
        star_tree_import(tree=star_tree, upload=io.BytesIO(broken))
    assert refusal.value.messages == [
        "无法读取文件：它已损坏，或不是 Excel / WPS 保存的工作簿。请在 Excel 中打开后另存为 .xlsx "
        "再上传。"
    ]


def test_the_star_import_page_refuses_a_file_that_is_not_xlsx(client, admin_user, star_tree):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("star.xls", star_rows(2).getvalue())
    response = client.post(
        reverse("talent:star_import", args=[star_tree.pk]), {"file": upload}, follow=True
    )
    assert "只接受 Excel 工作簿（.xlsx），“star.xls”不是" in response.content.decode()
    assert not StarNode.objects.exists()
