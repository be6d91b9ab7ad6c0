import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Sum

from cadre.models import Official, Unit, UnitCategory
from scoring.demo import DEMO_PASSWORD
from scoring.models import (
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    ResultSnapshot,
    UnitResult,
    Vote,
)
from scoring.services.tree import indicator_tree_problems
from scoring.services.values import SOURCE_DEMO, SOURCE_ENTRY, CellInput, values_save
from scoring.services.vote_sheets import vote_template_build

pytestmark = pytest.mark.django_db


def counts():
    return [
        model.objects.count()
        for model in (
            UnitCategory,
            Unit,
            Official,
            Cycle,
            Indicator,
            IndicatorValue,
            Vote,
            Adjustment,
        )
    ]


@pytest.fixture
def guarded(settings):
    """load_demo as on a real installation: the test settings' waiver off."""
    settings.DEMO_LOAD_BESIDE_OTHER_DATA = False


def test_load_demo_builds_a_district_and_is_idempotent(guarded, capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first
    assert first[:4] == [4, 40, first[2], 2]
    assert 3 * 40 <= first[2] <= 5 * 40
    output = capsys.readouterr().out
    for username in ("admin", "scorer", "leader", "liaison"):
        assert username in output
    # 2025 was published through the cycle service, once: its moves and its snapshot.
    published = Cycle.objects.get(year=2025)
    assert published.state == Cycle.State.PUBLISHED
    snapshot = ResultSnapshot.objects.get()
    assert (snapshot.cycle, snapshot.published_by.username) == (published, "admin")
    assert len(snapshot.results) == UnitResult.objects.filter(cycle=published).count() > 0
    states = list(published.history.order_by("history_date").values_list("state", flat=True))
    assert states == ["open", "closed", "published"]


def test_demo_tree_adds_up_and_uses_every_method():
    call_command("load_demo")
    for cycle in Cycle.objects.all():
        assert indicator_tree_problems(cycle=cycle) == []
        areas = cycle.indicators.filter(parent=None).exclude(method__in=["bonus", "veto"])
        assert areas.aggregate(total=Sum("max_points"))["total"] == Decimal(1000)
        methods = set(cycle.indicators.exclude(method="").values_list("method", flat=True))
        assert methods == set(Indicator.Method.values)
        assert 80 <= cycle.indicators.exclude(method="").count() <= 110


def test_demo_has_a_veto_and_adjustments():
    call_command("load_demo")
    assert IndicatorValue.objects.filter(indicator__method="veto", value=1).count() == 2
    assert Adjustment.objects.filter(cycle__year=2026).exists()


def test_every_vote_row_the_demo_offers_is_one_it_fills():
    """双向互评 is voted on by the departments (for the towns) and the towns (for the
    departments), the other evaluation indicators by the district leaders and service users:
    the votes template, which offers what the votes page does, offers exactly those rows."""
    call_command("load_demo")
    cycle = Cycle.objects.get(year=2025)
    admin = get_user_model().objects.get(username="admin")
    sheet = vote_template_build(cycle=cycle, period="Y", user=admin).active
    offered = {(row[0], row[2], row[4]) for row in sheet.iter_rows(min_row=3, values_only=True)}
    filled = Vote.objects.filter(indicator__cycle=cycle, period="Y").values_list(
        "unit__code", "indicator__code", "rater_group__code"
    )
    assert offered == set(filled)
    assert {group for _unit, indicator, group in offered if indicator == "A7.2.1"} == {"BM", "ZJ"}


def test_demo_values_votes_and_adjustments_start_their_history_once_as_demo_data():
    call_command("load_demo")
    for model in (IndicatorValue, Vote, Adjustment):
        records = model.history.values_list("history_type", "history_change_reason")
        assert records.count() == model.objects.count()
        assert set(records.distinct()) == {("+", SOURCE_DEMO)}
    call_command("load_demo")
    assert IndicatorValue.history.count() == IndicatorValue.objects.count()
    assert Adjustment.history.count() == Adjustment.objects.count()


def test_the_first_change_of_a_demo_value_shows_the_demo_figure_as_old(client):
    call_command("load_demo")
    demo = IndicatorValue.objects.filter(
        indicator__cycle__year=2026, indicator__method=Indicator.Method.DIRECT, unit__code="ZJ01"
    ).first()
    admin = get_user_model().objects.get(username="admin")
    cell = CellInput(unit=demo.unit, indicator=demo.indicator, period=demo.period, raw="0.5")
    values_save(cycle=demo.indicator.cycle, cells=[cell], by=admin, source=SOURCE_ENTRY)
    client.force_login(admin)
    url = f"/entry/units/ZJ01/history/?cycle={demo.indicator.cycle.year}"
    page = client.get(url).content.decode()
    changed = next(row for row in page.split("<tr>") if "填报页面" in row)
    assert f'<span class="old">{demo.value.normalize():f}</span>' in changed
    assert "演示数据" in page


def test_a_second_load_resets_no_password_and_no_flag(guarded):
    call_command("load_demo", stdout=io.StringIO())
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("Changed!2026-secret")
    admin.is_superuser = False
    admin.save()
    call_command("load_demo", stdout=io.StringIO())
    admin.refresh_from_db()
    assert admin.check_password("Changed!2026-secret")
    assert not admin.check_password(DEMO_PASSWORD)
    assert admin.is_superuser is False


def test_an_existing_account_of_a_demo_name_is_left_as_it_is(guarded):
    get_user_model().objects.create_user("scorer", password="Own!2026-secret")
    call_command("load_demo", stdout=io.StringIO())
    scorer = get_user_model().objects.get(username="scorer")
    assert scorer.check_password("Own!2026-secret")
    assert not scorer.is_staff and not scorer.groups.exists()


@pytest.mark.parametrize("other", ["unit", "category", "user", "cycle"])
def test_a_database_with_other_data_is_refused_unless_asked(guarded, other):
    category = UnitCategory.objects.create(code="ZJ", name="镇街")
    if other == "unit":
        Unit.objects.create(code="XQ01", name="新区街道", category=category)
    elif other == "category":
        UnitCategory.objects.create(code="QT", name="其他")
    elif other == "user":
        get_user_model().objects.create_superuser("wang", password="Real!2026-secret")
    else:
        Cycle.objects.create(year=2024)
    before = counts()
    with pytest.raises(CommandError, match="--allow-other-data"):
        call_command("load_demo", stdout=io.StringIO())
    assert counts() == before
    assert not get_user_model().objects.filter(username="admin").exists()
    call_command("load_demo", allow_other_data=True, stdout=io.StringIO())
    assert Unit.objects.filter(code="ZJ01").exists()
