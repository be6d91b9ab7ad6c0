import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cadre.models import Official, Unit
from scoring.models import Adjustment, Cycle, ImportRecord, IndicatorValue, UnitResult, Vote
from scoring.services.workbook import WorkbookInvalid
from tests.workbook.conftest import (
    database_snapshot,
    export_bytes,
    import_bytes,
    sheets_read,
    small_cycle_sheets,
    xlsx,
)

pytestmark = pytest.mark.django_db


def test_a_hand_made_workbook_creates_the_cycle_with_everything_in_it(small_sheets):
    report = import_bytes(xlsx(small_sheets), file_name="2027.xlsx")

    cycle = Cycle.objects.get(year=2027)
    assert report.created and report.cycle == cycle
    assert cycle.state == Cycle.State.DRAFT and cycle.name == "2027年度综合考核"
    assert cycle.weight_q3 == Decimal("0.3") and cycle.bonus_cap == Decimal(40)
    assert Official.objects.get(code="ZJ01-01").get_role_display() == "主要负责人"
    value = IndicatorValue.objects.get(unit__code="ZJ01", indicator__code="A1.2")
    assert value.value == Decimal("98765.4321")
    assert Vote.objects.get(rater_group__code="FW").incompetent == 1
    assert Adjustment.objects.get().reason == "汛期抗洪抢险，经区委常委会研究给予加分"
    record = ImportRecord.objects.get()
    assert (record.kind, record.file_name, record.rows_changed) == ("workbook", "2027.xlsx", 32)
    assert len(record.sha256) == 64 and record.size > 0
    assert value.history.get().history_change_reason == "导入 2027.xlsx"


def test_export_import_export_gives_the_same_content(small_sheets):
    import_bytes(xlsx(small_sheets))
    first = export_bytes(2027)
    import_bytes(first)
    assert sheets_read(export_bytes(2027)) == sheets_read(first)
    values = sheets_read(first)["values"]
    assert ["ZJ01", "A1.2", "Q1", 98765.4321] in values
    assert ["ZJ01", "A1.1", "Q1", 8.5] in values
    assert ["quarter_weights", "0.2,0.2,0.3,0.3"] in sheets_read(first)["settings"]


def test_a_draft_cycle_is_replaced_whole(small_sheets):
    import_bytes(xlsx(small_sheets))
    small_sheets["values"] = [["ZJ02", "A1.1", "Q2", 9]]
    small_sheets["votes"] = []
    small_sheets["adjustments"] = []
    small_sheets["units"][0][1] = "城关街道办事处"

    report = import_bytes(xlsx(small_sheets), file_name="second.xlsx")

    assert not report.created
    assert list(IndicatorValue.objects.values_list("unit__code", "period", "value")) == [
        ("ZJ02", "Q2", Decimal("9.0000"))
    ]
    assert not Vote.objects.exists() and not Adjustment.objects.exists()
    assert Unit.objects.get(code="ZJ01").name == "城关街道办事处"
    deleted = IndicatorValue.history.filter(history_type="-")
    assert deleted.count() == 8
    assert {row.history_change_reason for row in deleted} == {"导入 second.xlsx"}
    assert ImportRecord.objects.count() == 2


def test_master_data_missing_from_the_file_is_kept(small_sheets):
    import_bytes(xlsx(small_sheets))
    small_sheets["units"] = small_sheets["units"][:1]
    small_sheets["officials"] = small_sheets["officials"][:1]
    import_bytes(xlsx(small_sheets))
    assert Unit.objects.count() == 3 and Official.objects.count() == 3


@pytest.mark.parametrize("state", [Cycle.State.CLOSED, Cycle.State.PUBLISHED])
def test_a_closed_or_published_cycle_is_refused(small_sheets, state):
    import_bytes(xlsx(small_sheets))
    Cycle.objects.filter(year=2027).update(state=state)
    before = database_snapshot()

    with pytest.raises(WorkbookInvalid) as raised:
        import_bytes(xlsx(small_sheets))

    [problem] = raised.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("settings", 2, "B")
    assert "不能再修改任何数据" in problem.message
    assert database_snapshot() == before


def test_chinese_headers_and_sheet_names_and_messy_cells_are_accepted(small_sheets):
    chinese = {
        "设置": ["设置项", "值"],
        "单位类别": ["代码", "名称"],
        "考核单位": ["名称", "代码", "类别", "备注"],
        "干部": ["代码", "姓名", "所在单位", "班子角色"],
        "考核指标": [
            "代码",
            "名称",
            "上级",
            "分值",
            "计分方法",
            "频次",
            "适用类别",
            "目标值",
            "完成率下限",
            "完成率上限",
            "越低越好",
            "每名次扣分",
            "末位得分比例",
            "每次扣分",
        ],
        "指标责任人": ["干部", "指标"],
        "测评群体": ["代码", "名称", "权重"],
        "指标数据": [" 单位 ", "指标", "期间", "数值"],
        "测评票数": ["单位", "指标", "期间", "测评群体", "优秀", "称职", "基本称职", "不称职"],
        "柔性考核调整": ["单位", "期间", "调整分值", "调整事由", "批准人"],
    }
    sheets = dict(zip(chinese, small_sheets.values(), strict=True))
    sheets["考核单位"] = [
        [name, code, category, "x"] for code, name, category in small_sheets["units"]
    ]
    sheets["干部"][0][3] = "主要负责人"
    sheets["设置"][0] = ["年度", "２０２７"]
    sheets["指标数据"] = [
        [" ZJ01 ", "A1.1", "q1", "８．５"],
        ["ZJ02", "A1.1 ", "第一季度", " 7.25 "],
        ["ZJ01", "A2.1", "Q1", "180.5"],
        [None, None, None, None],
        ["", "  ", None, None],
    ]
    import_bytes(xlsx(sheets, headers=chinese))

    values = IndicatorValue.objects.order_by("unit__code", "indicator__code")
    assert [(v.unit.code, v.period, v.value) for v in values] == [
        ("ZJ01", "Q1", Decimal("8.5")),
        ("ZJ01", "Q1", Decimal("180.5")),
        ("ZJ02", "Q1", Decimal("7.25")),
    ]
    assert Official.objects.get(code="ZJ01-01").role == Official.Role.PRINCIPAL


def test_the_commands_export_and_import_a_file(small_sheets, tmp_path):
    source = tmp_path / "hand.xlsx"
    source.write_bytes(xlsx(small_sheets))
    out = io.StringIO()
    call_command("import_workbook", str(source), stdout=out)
    assert "2027 年度考核周期：新建（草稿）" in out.getvalue()
    assert "values：新增 8，修改 0，删除 0，不变 0" in out.getvalue()
    assert "未写入任何数据" in out.getvalue()
    assert not Cycle.objects.exists() and not ImportRecord.objects.exists()

    out = io.StringIO()
    call_command("import_workbook", str(source), "--yes", stdout=out)
    assert "32 rows written" in out.getvalue()

    exported = tmp_path / "export.xlsx"
    call_command("export_workbook", "2027", "--out", str(exported), stdout=io.StringIO())
    assert sheets_read(exported.read_bytes())["values"][0] == [
        "unit",
        "indicator",
        "period",
        "value",
    ]

    with pytest.raises(CommandError, match="没有 2030 年度"):
        call_command("export_workbook", "2030", "--out", str(exported))


def test_the_import_command_prints_every_problem_and_fails(small_sheets, tmp_path):
    small_sheets["values"][0][0] = "ZJ99"
    small_sheets["values"][4][3] = 250
    source = tmp_path / "bad.xlsx"
    source.write_bytes(xlsx(small_sheets))
    errors = io.StringIO()

    with pytest.raises(CommandError, match="2 处问题"):
        call_command("import_workbook", str(source), stderr=errors)

    assert errors.getvalue().splitlines() == [
        "工作表 values 第 2 行 A 列：未知的单位代码“ZJ99”",
        "工作表 values 第 6 行 D 列：分值应在 0 到 200 之间，实为 250",
    ]
    assert not Cycle.objects.exists()


def test_demo_district_survives_export_and_import_into_a_fresh_year(tmp_path):
    from scoring.demo import demo_district_load

    demo_district_load()
    first = tmp_path / "demo2025.xlsx"
    call_command("export_workbook", "2025", "--out", str(first), stdout=io.StringIO())
    sheets = sheets_read(first.read_bytes())
    assert len(sheets["votes"]) > 100 and len(sheets["values"]) > 1000
    sheets["settings"][1] = ["year", 2031]
    fresh = tmp_path / "demo2031.xlsx"
    fresh.write_bytes(
        xlsx(
            {name: rows[1:] for name, rows in sheets.items()},
            headers={name: rows[0] for name, rows in sheets.items()},
        )
    )

    call_command("import_workbook", str(fresh), "--yes", stdout=io.StringIO())

    again = sheets_read(export_bytes(2031))
    again["settings"][1] = ["year", 2025]
    assert again == sheets_read(first.read_bytes())
    assert IndicatorValue.objects.filter(indicator__cycle__year=2031).count() == (
        IndicatorValue.objects.filter(indicator__cycle__year=2025).count()
    )


def _queries_to_import(units: int, year: int) -> int:
    sheets = small_cycle_sheets()
    sheets["settings"][0] = ["year", year]
    for number in range(units):
        code = f"ZJ{number + 10:02d}"
        sheets["units"].append([code, f"第{number}街道", "ZJ"])
        sheets["officials"].append([f"{code}-01", "王伟", code, "principal"])
        sheets["values"] += [[code, "A2.1", period, 150] for period in ("Q1", "Q2", "Q3")]
        sheets["votes"].append([code, "A2.3", "Y", "LD", 3, 2, 1, 0])
    with CaptureQueriesContext(connection) as queries:
        import_bytes(xlsx(sheets))
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_rows():
    """Codes are looked up once per sheet, rows are written in batches: 3 or 60 units alike."""
    _queries_to_import(1, 2026)  # warms the caches (content types) a first import fills
    few = _queries_to_import(3, 2027)
    # New units recompute the other cycles taking input too: 2026 alone for each import.
    Cycle.objects.filter(year=2027).update(state=Cycle.State.CLOSED)
    many = _queries_to_import(60, 2028)
    # 57 more units bring 342 more rows; SQLite alone splits a long insert into two batches.
    assert few <= many <= few + 2


@pytest.mark.parametrize(
    "value, cell",
    [
        (Decimal("1E+1"), 10),
        (Decimal("0.2500"), 0.25),
        (Decimal("987.65"), 987.65),
        (Decimal("1234567890123456.7891"), "1234567890123456.7891"),
        (None, None),
    ],
)
def test_decimals_are_written_as_plain_numbers_or_as_text_that_keeps_every_digit(value, cell):
    from scoring.services.workbook import cell_number

    assert cell_number(value) == cell and type(cell_number(value)) is type(cell)


def test_an_import_computes_the_results_of_the_cycle(small_sheets):
    import_bytes(xlsx(small_sheets))
    cycle = Cycle.objects.get(year=2027)
    assert UnitResult.objects.filter(cycle=cycle, unit__code="ZJ01", period="Q1").exists()
    small_sheets["values"] = [["ZJ02", "A2.1", "Q2", 150]]
    import_bytes(xlsx(small_sheets), file_name="second.xlsx")
    result = UnitResult.objects.get(cycle=cycle, unit__code="ZJ02", period="Q2")
    assert result.total > 0


def test_a_long_file_name_is_cut_to_fit_the_history(small_sheets):
    # 200 characters: the import record takes 255, the history's reason 100.
    import_bytes(xlsx(small_sheets), file_name="w" * 195 + ".xlsx")
    reasons = {
        *IndicatorValue.history.values_list("history_change_reason", flat=True),
        *Cycle.history.values_list("history_change_reason", flat=True),
    }
    assert reasons == {"导入 " + "w" * 97}


def test_a_reimport_keeps_the_review_of_values_it_leaves_as_they_were(small_sheets, admin_user):
    import_bytes(xlsx(small_sheets))
    verified_at = timezone.now()
    IndicatorValue.objects.update(verified_by=admin_user, verified_at=verified_at)
    small_sheets["values"][0][3] = 9
    import_bytes(xlsx(small_sheets), file_name="second.xlsx")
    changed = IndicatorValue.objects.get(unit__code="ZJ01", indicator__code="A1.1", period="Q1")
    assert (changed.value, changed.verified_by, changed.verified_at) == (Decimal(9), None, None)
    kept = IndicatorValue.objects.exclude(pk=changed.pk)
    assert kept.count() == len(small_sheets["values"]) - 1
    assert set(kept.values_list("verified_by", "verified_at")) == {(admin_user.pk, verified_at)}
    # The history says so too: each value kept verified was created by the import, then
    # verified again, as verifying on the page writes it; the changed one was only created.
    for value in IndicatorValue.objects.all():
        latest = value.history.filter(history_change_reason__startswith="导入 second.xlsx")
        rows = [
            (row.history_type, row.history_change_reason, row.verified_by_id, row.value)
            for row in latest.order_by("history_id")
        ]
        created = ("+", "导入 second.xlsx", None, value.value)
        if value == changed:
            assert rows == [created]
        else:
            assert rows == [created, ("~", "导入 second.xlsx：审核", admin_user.pk, value.value)]


def test_giving_back_the_review_writes_its_history_in_one_statement(small_sheets, admin_user):
    import_bytes(xlsx(small_sheets))
    IndicatorValue.objects.update(verified_by=admin_user, verified_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        import_bytes(xlsx(small_sheets), file_name="again.xlsx")
    table = IndicatorValue.history.model._meta.db_table
    verifications = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("INSERT INTO")
        and table in query["sql"]
        and "：审核" in query["sql"]
    ]
    assert len(verifications) == 1
    given_back = IndicatorValue.history.filter(history_change_reason="导入 again.xlsx：审核")
    assert given_back.count() == len(small_sheets["values"])


def test_periods_are_read_as_clerks_write_them(small_sheets):
    small_sheets["values"][0][2] = "一季度"
    small_sheets["values"][5][2] = "年度"
    small_sheets["values"][7][2] = "第二季度"
    small_sheets["adjustments"][0][1] = "第一季度"
    import_bytes(xlsx(small_sheets))
    periods = set(IndicatorValue.objects.values_list("unit__code", "indicator__code", "period"))
    assert {("ZJ01", "A1.1", "Q1"), ("ZJ01", "A2.2", "Y"), ("ZJ02", "V1", "Q2")} <= periods
    assert Adjustment.objects.get().period == "Q1"
