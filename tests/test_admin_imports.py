"""Import and export of master data in the admin, as the 考核办 uses it: real .xlsx and .csv
files, a preview that names the row and column of every problem, and nothing half written."""

import io
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from cadre.models import Official, Unit, UnitCategory
from scoring.models import Adjustment, Cycle, Indicator, Responsibility
from talent.models import FundYear

XLSX, CSV = "0", "1"  # the format choices, in settings.IMPORT_EXPORT_FORMATS order


def xlsx(headers, *rows) -> bytes:
    book = Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def preview(client, path, data, fmt=XLSX, name="upload.xlsx"):
    file = SimpleUploadedFile(name, data)
    response = client.post(
        f"/admin/{path}/import/", {"format": fmt, "import_file": file, "resource": "0"}
    )
    assert response.status_code == 200
    return response.content.decode(), response.context


def confirm(client, path, context):
    form = context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["resource"] = data.get("resource") or "0"
    return client.post(f"/admin/{path}/process_import/", data, follow=True)


def export(client, path, fmt=XLSX, query=""):
    form = client.get(f"/admin/{path}/export/{query}").context["form"]
    fields = {
        name: "on" for name in form.fields if name not in ("format", "resource", "export_items")
    }
    response = client.post(
        f"/admin/{path}/export/{query}", {"format": fmt, "resource": "0", **fields}
    )
    assert response.status_code == 200
    return response.content


@pytest.fixture
def units(db):
    category = UnitCategory.objects.create(code="ZJ", name="镇街")
    first = Unit.objects.create(code="ZJ01", name="城关街道", category=category, sort_order=1)
    Unit.objects.create(code="ZJ02", name="东城街道", category=category, sort_order=2)
    return first


@pytest.fixture
def responsibilities(units, cycle, make_indicator):
    area = make_indicator("A1", 1000, method="")
    first, second = (
        make_indicator("A1.1", 500, parent=area),
        make_indicator("A1.2", 500, parent=area),
    )
    official = Official.objects.create(code="ZJ01-01", name="王伟", unit=units)
    Responsibility.objects.create(official=official, indicator=first)
    return official, second


def test_the_responsibilities_export_imports_again_unchanged(admin_client, responsibilities):
    exported = export(admin_client, "scoring/responsibility")
    assert str(load_workbook(io.BytesIO(exported)).active["B2"].value) == "2026"
    page, context = preview(admin_client, "scoring/responsibility", exported)
    assert context["confirm_form"] is not None, page
    confirm(admin_client, "scoring/responsibility", context)
    assert Responsibility.objects.count() == 1


def test_an_officials_second_responsibility_is_added_not_taken_for_the_first(
    admin_client, responsibilities
):
    data = xlsx(["official", "cycle", "indicator"], ["ZJ01-01", 2026, "A1.2"])
    _page, context = preview(admin_client, "scoring/responsibility", data)
    confirm(admin_client, "scoring/responsibility", context)
    assert sorted(Responsibility.objects.values_list("indicator__code", flat=True)) == [
        "A1.1",
        "A1.2",
    ]


def test_an_unknown_official_is_an_error_on_its_row(admin_client, responsibilities):
    data = xlsx(["official", "cycle", "indicator"], ["NOBODY", 2026, "A1.1"])
    page, context = preview(admin_client, "scoring/responsibility", data)
    assert "未知干部代码“NOBODY”" in page
    assert context.get("confirm_form") is None


def test_a_code_only_another_years_tree_has_is_said_to_be_missing_from_the_rows_year(
    admin_client, responsibilities
):
    official, _second = responsibilities
    next_year = Cycle.objects.create(year=2027)
    Indicator.objects.create(cycle=next_year, code="A1", name="党建", max_points=1000)
    rows = [
        [official.code, 2027, "A1.2"],  # deleted or renamed in 2027's tree
        [official.code, 2027, "Z9"],  # in no year's tree
    ]

    _page, context = preview(
        admin_client, "scoring/responsibility", xlsx(["official", "cycle", "indicator"], *rows)
    )

    errors = {row.number: row.error_dict["indicator"] for row in context["result"].invalid_rows}
    assert errors == {
        2: ["2027 年度的考核指标中没有代码“A1.2”（2026 年度有），可能已删除或改了代码"],
        3: ["未知考核指标代码“Z9”"],
    }


@pytest.mark.parametrize(
    "path, headers, row, column, message",
    [
        ("cadre/unit", ["code", "name", "category"], ["ZJ03", "", "ZJ"], "name", "不能为空"),
        ("cadre/unit", ["code", "name", "category"], ["ZJ03", "甲" * 200, "ZJ"], "name", "128"),
        (
            "cadre/official",
            ["code", "name", "unit", "role"],
            ["O9", "张三", "ZJ01", "boss"],
            "role",
            "boss",
        ),
        (
            "cadre/official",
            ["code", "name", "unit", "in_young_cadre_pool", "young_cadre_since"],
            ["O9", "张三", "ZJ01", "0", "2020-01-01"],
            "in_young_cadre_pool",
            "只有优秀年轻干部库中的干部才有入库日期。",
        ),
        (
            "cadre/unit",
            ["code", "name", "category", "is_active"],
            ["ZJ09", "新镇", "ZJ", "maybe"],
            "is_active",
            "应为 是/否（yes/no、1/0），实为“maybe”",
        ),
        (
            "scoring/indicator",
            ["cycle", "code", "name", "max_points", "method", "frequency"],
            [2026, "B1", "乙", 10, "direct", "weekly"],
            "frequency",
            "weekly",
        ),
        (
            "scoring/indicator",
            ["cycle", "code", "name", "max_points", "method"],
            [2026, "B1", "乙", "abc", "direct"],
            "max_points",
            "应为数字，实为“abc”",
        ),
        (
            "scoring/indicator",
            ["cycle", "code", "name", "max_points", "method"],
            [2026, "B1", "乙", 10, "completion"],
            "method",
            "目标完成率指标须填写大于 0 的目标值。",
        ),
    ],
)
def test_a_row_the_model_refuses_is_reported_and_nothing_is_written(
    admin_client, units, cycle, path, headers, row, column, message
):
    _page, context = preview(admin_client, path, xlsx(headers, row))
    (invalid,) = context["result"].invalid_rows
    assert invalid.number == 2  # Excel's row: the header is row 1
    assert message in " ".join(invalid.error_dict[column])
    assert context.get("confirm_form") is None
    assert not Official.objects.exists() and not Indicator.objects.exists()
    assert Unit.objects.count() == 2


@pytest.mark.parametrize("code", ["ZJ01", "ZJ09"])
def test_a_code_twice_in_one_file_is_an_error(admin_client, units, code):
    data = xlsx(["code", "name", "category"], [code, "甲", "ZJ"], [code, "乙", "ZJ"])
    page, context = preview(admin_client, "cadre/unit", data)
    assert "与第 2 行重复" in page
    assert context.get("confirm_form") is None


def test_a_formula_like_name_comes_back_as_it_was(admin_client, units):
    Unit.objects.filter(code="ZJ01").update(name='=HYPERLINK("http://x")')
    for fmt in (XLSX, CSV):
        exported = export(admin_client, "cadre/unit", fmt)
        _page, context = preview(admin_client, "cadre/unit", exported, fmt, name="units.csv")
        confirm(admin_client, "cadre/unit", context)
        assert Unit.objects.get(code="ZJ01").name == '=HYPERLINK("http://x")'


def test_a_failed_formula_is_named_on_its_cell_not_imported_as_its_error_name(admin_client, units):
    # A name filled by a VLOOKUP that found nothing: openpyxl writes and reads an error cell.
    data = xlsx(["代码", "名称", "类别"], ["ZJ09", "新城街道", "ZJ"], ["ZJ10", "#N/A", "ZJ"])
    csv = "代码,名称,类别\r\nZJ09,新城街道,ZJ\r\nZJ10,#N/A,ZJ\r\n".encode("utf-8-sig")
    for fmt, file in ((XLSX, data), (CSV, csv)):
        _page, context = preview(admin_client, "cadre/unit", file, fmt, name=f"units.{fmt}")
        (invalid,) = context["result"].invalid_rows
        assert invalid.number == 3
        assert invalid.error_dict["name"] == ["单元格是 Excel 错误值 #N/A（公式没有算出结果）"]
        assert context.get("confirm_form") is None
    assert not Unit.objects.filter(code__in=["ZJ09", "ZJ10"]).exists()


def test_a_formula_saved_without_its_result_is_named_not_called_blank(admin_client, units):
    # A program that does not compute formulas (openpyxl here) saves "=王五" without a result:
    # Excel shows a result on opening, the import would read a blank name.
    data = xlsx(["代码", "名称", "类别"], ["ZJ09", "新城街道", "ZJ"], ["ZJ10", "=王五", "ZJ"])
    _page, context = preview(admin_client, "cadre/unit", data)
    (invalid,) = context["result"].invalid_rows
    assert invalid.number == 3
    assert "单元格的公式没有保存计算结果" in invalid.error_dict["name"][0]
    assert not Unit.objects.filter(code__in=["ZJ09", "ZJ10"]).exists()


def test_a_csv_export_opens_in_excel_with_chinese_and_numbers_intact(admin_client, units, cycle):
    Adjustment.objects.create(
        cycle=cycle, unit=units, period="Q1", points=-3, reason="违规", approved_by="区委"
    )
    exported = export(admin_client, "scoring/adjustment", CSV)
    assert exported.startswith(b"\xef\xbb\xbf")
    assert ",-3.00," in exported.decode("utf-8-sig")


def test_an_export_too_big_for_a_request_is_refused_pointing_to_the_filters(
    admin_client, units, cycle, settings
):
    settings.SCORING_EXPORT_MAX_ROWS = 2
    for period, points in [("Q1", 1), ("Q1", 2), ("Q2", 3)]:
        Adjustment.objects.create(
            cycle=cycle,
            unit=units,
            period=period,
            points=points,
            reason=f"原因{points}",
            approved_by="区委",
        )
    response = admin_client.post(
        "/admin/scoring/adjustment/export/",
        {"format": CSV, "resource": "0", "adjustmentresource_points": "on"},
    )
    assert response["Content-Type"].startswith("text/html")
    assert "要导出的记录有 3 条，超过一次导出的上限 2 条。请先在列表右侧筛选" in (
        response.content.decode()
    )
    # The list filtered to fewer rows is exported.
    exported = export(admin_client, "scoring/adjustment", CSV, query="?period__exact=Q1")
    _header, *rows = exported.decode("utf-8-sig").splitlines()
    assert len(rows) == 2 and all(",Q1," in row for row in rows)


def test_a_csv_saved_by_chinese_excel_in_gbk_imports(admin_client, units):
    data = "code,name,category\r\nZJ03,西城街道,ZJ\r\n".encode("gbk")
    _page, context = preview(admin_client, "cadre/unit", data, CSV, name="units.csv")
    confirm(admin_client, "cadre/unit", context)
    assert Unit.objects.get(code="ZJ03").name == "西城街道"


def test_a_csv_saved_as_unicode_utf16_imports(admin_client, units):
    data = "code,name,category\r\nZJ03,西城街道,ZJ\r\n".encode("utf-16")
    _page, context = preview(admin_client, "cadre/unit", data, CSV, name="units.csv")
    confirm(admin_client, "cadre/unit", context)
    assert Unit.objects.get(code="ZJ03").name == "西城街道"


def test_a_sheet_saved_as_excels_unicode_text_imports(admin_client, units):
    # 另存为“Unicode 文本 (*.txt)”: UTF-16, columns separated by tabs.
    data = "code\tname\tcategory\r\nZJ03\t西城街道，老城区\tZJ\r\n".encode("utf-16")
    _page, context = preview(admin_client, "cadre/unit", data, CSV, name="units.txt")
    confirm(admin_client, "cadre/unit", context)
    assert Unit.objects.get(code="ZJ03").name == "西城街道，老城区"


def test_an_indicator_cannot_be_its_own_parent(admin_client, cycle, make_indicator):
    area = make_indicator("A1", 1000, method="")
    data = xlsx(["cycle", "code", "name", "parent", "max_points"], [2026, "A1", "甲", "A1", 1000])
    page, context = preview(admin_client, "scoring/indicator", data)
    assert "上级不能是本身或其下级。" in page
    assert context.get("confirm_form") is None
    area.refresh_from_db()
    assert area.parent is None


def test_a_budget_below_what_was_approved_is_a_form_error(admin_client, db):
    fund = FundYear.objects.create(year=2026, budget=10_000_000, committed=9_920_000)
    response = admin_client.post(
        f"/admin/talent/fundyear/{fund.pk}/change/", {"year": 2026, "budget": 500}
    )
    assert response.status_code == 200
    # The amount as the subsidies page's fund table shows it.
    assert "预算不能少于已批准的金额 9,920,000.00 元。" in response.content.decode()
    fund.refresh_from_db()
    assert fund.budget == 10_000_000


@pytest.mark.parametrize(
    "url",
    [
        "/admin/scoring/indicator/?cycle__id__exact=abc",
        "/admin/scoring/indicator/?cycle__id__exact=²",
        f"/admin/scoring/indicator/?cycle__id__exact={'9' * 5000}",
        "/admin/scoring/indicator/add/?cycle=²",
        "/admin/scoring/cycle/abc/history/",
        f"/admin/scoring/cycle/{'9' * 5000}/history/",
        "/admin/scoring/adjustment/abc/history/",
    ],
)
def test_a_malformed_address_is_no_error_page(admin_client, url):
    assert admin_client.get(url).status_code in (200, 302, 404)


def _database_holds(constraint, instance) -> bool:
    from django.core.exceptions import ValidationError

    try:
        constraint.validate(type(instance), instance)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"max_points": -1},
        {"floor": 2, "cap": 1},
        {"floor": None},
        {"min_share": 2},
        {"step": -1},
        {"step": None},
        {"method": "completion", "target": None},
        {"method": "completion", "target": 0},
        {"method": "deduction", "per_incident": None},
        {"method": "nonsense"},
        {"method": ""},
    ],
)
def test_an_imports_checks_judge_a_row_as_the_database_does(cycle, changes):
    from django.db import models

    from scoring.resources_base import condition_holds

    indicator = Indicator(cycle=cycle, code="X", name="X", max_points=10, method="direct")
    for name, value in changes.items():
        setattr(indicator, name, value)
    checks = [c for c in Indicator._meta.constraints if isinstance(c, models.CheckConstraint)]
    judged = [condition_holds(check.condition, indicator) is not False for check in checks]
    assert judged == [_database_holds(check, indicator) for check in checks]


def test_officials_import_in_a_fixed_number_of_queries(
    admin_client, units, django_assert_max_num_queries
):
    def rows(count):
        return [(f"G{number:04d}", f"干部{number}", "ZJ01", "member") for number in range(count)]

    headers = ["code", "name", "unit", "role"]
    with django_assert_max_num_queries(40) as few:
        preview(admin_client, "cadre/official", xlsx(headers, *rows(5)))
    # The same, but for the bulk insert that SQLite's limit on parameters splits in batches.
    with django_assert_max_num_queries(len(few.captured_queries) + 4):
        preview(admin_client, "cadre/official", xlsx(headers, *rows(200)))


def test_yes_and_no_as_clerks_write_them_are_read(admin_client, units):
    Unit.objects.filter(code="ZJ01").update(is_active=False)
    rows = [["ZJ01", "城关", "ZJ", "是"], ["ZJ02", "东城", "ZJ", "否"]]
    _page, context = preview(
        admin_client, "cadre/unit", xlsx(["code", "name", "category", "is_active"], *rows)
    )
    confirm(admin_client, "cadre/unit", context)
    assert dict(Unit.objects.values_list("code", "is_active")) == {"ZJ01": True, "ZJ02": False}


def test_chinese_field_names_head_the_columns_and_a_missing_key_is_said_plainly(
    admin_client, units
):
    data = xlsx(["代码", "名称", "类别"], ["ZJ09", "新镇", "ZJ"])
    _page, context = preview(admin_client, "cadre/unit", data)
    confirm(admin_client, "cadre/unit", context)
    assert Unit.objects.get(code="ZJ09").name == "新镇"
    page, _context = preview(admin_client, "cadre/unit", xlsx(["单位", "名称"], ["ZJ10", "乙"]))
    assert "文件缺少列：代码（code）。第 1 行须是表头，本文件第 1 行是：“单位”、“名称”" in page
    assert "Traceback" not in page


def test_a_title_row_above_the_header_is_named_as_the_first_row_read(admin_client, units):
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年度考核单位名单"])
    sheet.merge_cells("A1:C1")
    sheet.append(["代码", "名称", "类别"])
    sheet.append(["ZJ09", "新镇", "ZJ"])
    buffer = io.BytesIO()
    book.save(buffer)
    page, _context = preview(admin_client, "cadre/unit", buffer.getvalue())
    assert "本文件第 1 行是：“2026年度考核单位名单”；如有标题行请删去。" in page
    assert not Unit.objects.filter(code="ZJ09").exists()


def test_choices_are_read_by_the_words_the_forms_show(admin_client, units):
    rows = [
        ["GB01", "张伟", "ZJ01", "主要负责人"],
        ["GB02", "李娜", "ZJ01", " 班子成员 "],
        ["GB03", "王强", "ZJ02", "Staff"],
    ]
    _page, context = preview(
        admin_client, "cadre/official", xlsx(["代码", "姓名", "所在单位", "班子角色"], *rows)
    )
    confirm(admin_client, "cadre/official", context)
    assert dict(Official.objects.values_list("code", "role")) == {
        "GB01": "principal",
        "GB02": "member",
        "GB03": "staff",
    }


def test_an_unknown_choice_names_every_choice_on_its_cell(admin_client, units):
    rows = [["GB01", "张伟", "ZJ01", "书记"]]
    page, _context = preview(
        admin_client, "cadre/official", xlsx(["code", "name", "unit", "role"], *rows)
    )
    assert (
        "应为以下之一：主要负责人（principal）、班子成员（member）、其他干部（staff）；实为“书记”"
        in page
    )
    # The columns are headed as the clerk's file (the import template) names them.
    assert "<th>班子角色</th>" in page
    assert not Official.objects.exists()


def test_the_preview_shows_choices_and_yes_no_in_the_forms_words(admin_client, units):
    Official.objects.create(code="GB01", name="张伟", unit=units, role="member")
    rows = [["GB01", "张伟", "ZJ01", "principal", "否"]]
    headers = ["代码", "姓名", "所在单位", "班子角色", "在职"]

    _page, context = preview(admin_client, "cadre/official", xlsx(headers, *rows))

    (row,) = context["result"].rows
    cells = dict(zip(context["result"].diff_headers, row.diff, strict=True))
    role, active = cells["班子角色"], cells["在职"]
    assert "<del" in role and "班子成员" in role and "<ins" in role and "主要负责人" in role
    assert "<del" in active and "是" in active and "<ins" in active and "否" in active
    assert "principal" not in role and "True" not in active
    # The export keeps the stored values, which import back in any language.
    exported = load_workbook(io.BytesIO(export(admin_client, "cadre/official"))).active
    assert "member" in [cell.value for cell in exported[2]]


@pytest.mark.parametrize(
    "language, headings, problem_under",
    [
        ("zh-hans", ["代码", "姓名", "所在单位", "班子角色", "职务"], "班子角色"),
        ("en", ["Code", "Name", "Unit", "Role in the team", "Position"], "Role in the team"),
    ],
)
def test_a_refused_row_shows_the_cells_the_clerk_sent_under_the_files_headings(
    admin_client, units, language, headings, problem_under
):
    admin_client.cookies["django_language"] = language
    headers = ["code", "name", "unit", "role", "birth_date"]
    rows = [["GB01", "张伟", "ZJ01", "书记", datetime(1980, 5, 1)]]

    page, context = preview(admin_client, "cadre/official", xlsx(headers, *rows))

    assert [f"<th>{heading}</th>" in page for heading in headings] == [True] * len(headings)
    table = page.split('class="import-preview"')[1]
    assert "（code）" not in table
    (invalid,) = context["result"].invalid_rows
    cells = dict(zip(context["result"].diff_headers, invalid.values, strict=True))
    assert [cells[heading] for heading in headings[:4]] == ["GB01", "张伟", "ZJ01", "书记"]
    assert "1980-05-01" in invalid.values
    assert "<td>---</td>" not in table
    assert f'<span class="validation-error-field-label">{problem_under}</span>' in table


def test_names_are_stored_without_the_spaces_around_them(admin_client, units):
    rows = [["SH", " 社会事业部门 "], ["JJ", "经济部门\u3000"]]
    _page, context = preview(admin_client, "cadre/unitcategory", xlsx(["代码", "名称"], *rows))
    confirm(admin_client, "cadre/unitcategory", context)
    assert dict(UnitCategory.objects.filter(code__in=["SH", "JJ"]).values_list("code", "name")) == {
        "SH": "社会事业部门",
        "JJ": "经济部门",
    }


def test_an_indicator_tree_takes_methods_and_frequencies_in_chinese(admin_client, cycle):
    headers = ["cycle", "code", "name", "parent", "max_points", "method", "frequency"]
    rows = [
        [2026, "A1", "经济发展", "", 1000, "", ""],
        [2026, "A1.1", "招商引资", "A1", 600, "直接赋分", "按季度"],
        [2026, "A1.2", "民主测评", "A1", 400, "综合评价", "按年度"],
    ]
    _page, context = preview(admin_client, "scoring/indicator", xlsx(headers, *rows))
    confirm(admin_client, "scoring/indicator", context)
    assert set(Indicator.objects.values_list("code", "method", "frequency")) == {
        ("A1", "", "quarterly"),
        ("A1.1", "direct", "quarterly"),
        ("A1.2", "evaluation", "annual"),
    }


@pytest.fixture
def scorer(db):
    from django.contrib.auth import get_user_model

    from cadre.roles import SCORER, role_groups_ensure

    user = get_user_model().objects.create_user("scorer", password="pw-long-enough")
    user.groups.add(role_groups_ensure()[SCORER])
    return user


def tree_of(cycle) -> list[tuple]:
    """The cycle's tree as rows: code, parent, points, method, categories, scorers."""
    return [
        (
            node.code,
            node.parent.code if node.parent else None,
            node.max_points,
            node.method,
            sorted(node.categories.values_list("code", flat=True)),
            sorted(node.owners.values_list("username", flat=True)),
        )
        for node in Indicator.objects.filter(cycle=cycle).select_related("parent")
    ]


def with_year(data: bytes, year: int) -> bytes:
    """The exported file with its cycle column changed, as a clerk does for the next year."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    (column,) = [cell.column for cell in sheet[1] if cell.value == "cycle"]
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=column, value=year)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_years_tree_exported_imports_into_the_next_year_whole(
    admin_client, units, cycle, make_indicator, scorer
):
    from scoring.models import Cycle

    area = make_indicator("A1", 1000, method="")
    item = make_indicator("A1.1", 1000, method="", parent=area)
    leaf = make_indicator("A1.1.1", 600, parent=item)
    leaf.categories.add(UnitCategory.objects.get(code="ZJ"))
    leaf.owners.add(scorer)
    make_indicator("A1.1.2", 400, method="rank", parent=item)
    later = Cycle.objects.create(year=2027)

    exported = export(admin_client, "scoring/indicator", query=f"?cycle__id__exact={cycle.pk}")
    page, context = preview(admin_client, "scoring/indicator", with_year(exported, 2027))
    assert not context["result"].has_validation_errors(), page
    assert context["confirm_form"] is not None
    confirm(admin_client, "scoring/indicator", context)

    assert tree_of(later) == tree_of(cycle)
    assert len(tree_of(later)) == 4
    assert Indicator.objects.get(cycle=later, code="A1.1.1").parent.cycle == later


def test_scorers_named_in_the_file_must_be_scorers(admin_client, cycle, make_indicator, scorer):
    make_indicator("A1", 1000)
    data = xlsx(
        ["cycle", "code", "name", "max_points", "owners"],
        [2026, "A1", "甲", 1000, "scorer，nobody"],
    )
    _page, context = preview(admin_client, "scoring/indicator", data)
    (invalid,) = context["result"].invalid_rows
    assert invalid.error_dict["owners"] == [
        "只有评分员组的账号可以评分，以下账号不是评分员：nobody"
    ]
    data = xlsx(
        ["cycle", "code", "name", "max_points", "owners"], [2026, "A1", "甲", 1000, "scorer"]
    )
    _page, context = preview(admin_client, "scoring/indicator", data)
    confirm(admin_client, "scoring/indicator", context)
    assert list(Indicator.objects.get(code="A1").owners.all()) == [scorer]


def test_an_unknown_category_is_an_error_on_its_cell(admin_client, cycle):
    data = xlsx(
        ["cycle", "code", "name", "max_points", "categories"], [2026, "A1", "甲", 1000, "ZZ"]
    )
    _page, context = preview(admin_client, "scoring/indicator", data)
    (invalid,) = context["result"].invalid_rows
    assert invalid.error_dict == {"categories": ["未知单位类别代码“ZZ”"]}


def test_a_figure_with_too_many_decimals_is_refused_in_the_projects_words(admin_client, cycle):
    data = xlsx(["cycle", "code", "name", "max_points"], [2026, "A1", "甲", "10.123"])

    _page, context = preview(admin_client, "scoring/indicator", data)

    (invalid,) = context["result"].invalid_rows
    assert invalid.error_dict["max_points"] == ["最多保留 2 位小数，实为 10.123。"]


def test_a_file_lowering_a_maximum_below_entered_values_is_refused(
    admin_client, units, cycle, make_indicator
):
    from scoring.models import IndicatorValue

    leaf = make_indicator("A1", 1000)
    IndicatorValue.objects.create(indicator=leaf, unit=units, period="Q1", value=800)
    data = xlsx(["cycle", "code", "name", "max_points"], [2026, "A1", "甲", 500])
    _page, context = preview(admin_client, "scoring/indicator", data)
    (invalid,) = context["result"].invalid_rows
    assert invalid.number == 2
    assert invalid.error_dict["max_points"] == [
        "分值改为 500 后，以下 1 个已填数值超出范围：城关街道 第一季度 800；请先修改这些数值。"
    ]
    assert context.get("confirm_form") is None


def test_responsibilities_for_summary_nodes_or_other_categories_are_refused_by_row(
    admin_client, responsibilities
):
    official, leaf = responsibilities
    department = UnitCategory.objects.create(code="SH", name="社会事业部门")
    leaf.categories.add(department)
    data = xlsx(
        ["official", "cycle", "indicator"], ["ZJ01-01", 2026, "A1"], ["ZJ01-01", 2026, "A1.2"]
    )
    _page, context = preview(admin_client, "scoring/responsibility", data)
    rows = {row.number: row.error_dict for row in context["result"].invalid_rows}
    assert rows == {
        2: {"__all__": ["A1 A1 是汇总项，没有计分方法：责任人只能对应末级指标。"]},
        3: {"__all__": ["指标 A1.2 不适用于王伟（城关街道）所在单位的类别（镇街）。"]},
    }
    assert Responsibility.objects.count() == 1


def test_an_officials_import_recomputes_the_open_years_personal_scores_once(
    admin_client, monkeypatch
):
    """A transfer and a new role by import move the open year's personal scores as the change
    form does; the published year keeps the unit its scores were computed at."""
    import cadre.resources
    from scoring.models import Cycle, OfficialScore
    from tests.locked_years import district_make, year_scored

    units = district_make()
    year_scored(year=2025, state=Cycle.State.PUBLISHED, units=units)
    year_scored(year=2026, state=Cycle.State.OPEN, units=units)
    refreshes = []
    refresh = cadre.resources.results_refresh_unlocked
    monkeypatch.setattr(
        cadre.resources, "results_refresh_unlocked", lambda: refreshes.append(refresh())
    )
    rows = [["ZJ01-01", "书记ZJ01", "ZJ02", "principal"], ["JJ01-01", "书记JJ01", "JJ01", "member"]]
    _page, context = preview(
        admin_client, "cadre/official", xlsx(["code", "name", "unit", "role"], *rows)
    )
    assert refreshes == []  # the preview changes nothing
    confirm(admin_client, "cadre/official", context)
    assert len(refreshes) == 1
    scores = OfficialScore.objects.filter(period="Y")
    moved = dict(scores.filter(official__code="ZJ01-01").values_list("cycle__year", "unit__code"))
    assert moved == {2025: "ZJ01", 2026: "ZJ02"}
    alphas = dict(scores.filter(official__code="JJ01-01").values_list("cycle__year", "alpha"))
    assert alphas == {2025: Decimal("0.7000"), 2026: Decimal("0.5000")}
