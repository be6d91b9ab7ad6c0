"""A unit's history: filtered by indicator, a page at a time in a fixed number of queries (read
a page at a time from the database, each change still showing the figure before it), naming
people by their names."""

import re

import pytest

from cadre.models import UnitCategory
from scoring.models import Adjustment, RaterGroup, Vote
from scoring.services.values import CellInput, values_save
from tests.entry.conftest import user_with_role

pytestmark = pytest.mark.django_db

ROW = re.compile(r"<tr>\s*<td>\d{4}-")
CELLS = re.compile(r"<tr>\s*<td>[\d: -]+</td>(.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(?:<span[^>]*>)?(.*?)(?:</span>)?</td>", re.S)


def history_url(unit, cycle, **query):
    extra = "".join(f"&{name}={value}" for name, value in query.items())
    return f"/entry/units/{unit.code}/history/?cycle={cycle.year}{extra}"


def entered(cycle, unit, indicators, by, text="5"):
    values_save(
        cycle=cycle,
        cells=[CellInput(unit=unit, indicator=i, period="Q1", raw=text) for i in indicators],
        by=by,
        source="填报页面",
    )


def test_the_history_is_filtered_by_indicator_from_a_form_at_the_top(
    client, open_cycle, admin_user, unit, make_indicator
):
    first, second = make_indicator("X01", 10), make_indicator("X02", 10)
    entered(open_cycle, unit, [first, second], admin_user)
    Adjustment.objects.create(
        cycle=open_cycle, unit=unit, period="Q1", points=2, reason="抗洪", approved_by="区委"
    )
    client.force_login(admin_user)
    page = client.get(history_url(unit, open_cycle)).content.decode()
    assert len(ROW.findall(page)) == 3
    assert '<option value="">全部指标</option>' in page
    assert f'<option value="{second.pk}">X02 X02</option>' in page
    page = client.get(history_url(unit, open_cycle, indicator=second.pk)).content.decode()
    # An adjustment belongs to no indicator: left out too.
    assert len(ROW.findall(page)) == 1
    assert "X02 X02 · 第一季度" in page and "X01 X01 · 第一季度" not in page
    assert f'<option value="{second.pk}" selected>X02 X02</option>' in page
    # An indicator that is no id, or none of the cycle's, lists nothing.
    for picked in ("abc", "999999", "²", "9" * 5000):
        page = client.get(history_url(unit, open_cycle, indicator=picked)).content.decode()
        assert "暂无变更记录" in page


def test_the_filter_offers_only_the_indicators_the_unit_is_scored_on(
    client, open_cycle, admin_user, unit, make_indicator
):
    agencies = UnitCategory.objects.create(code="BM", name="部门")
    for_everyone, for_towns, for_agencies = (
        make_indicator("X01", 10),
        make_indicator("X02", 10),
        make_indicator("X03", 10),
    )
    for_towns.categories.add(unit.category)
    for_agencies.categories.add(agencies)
    client.force_login(admin_user)
    page = client.get(history_url(unit, open_cycle)).content.decode()
    assert f'<option value="{for_everyone.pk}">' in page
    assert f'<option value="{for_towns.pk}">' in page
    assert f'<option value="{for_agencies.pk}">' not in page


@pytest.mark.parametrize("changes", [3, 130])
def test_the_history_is_shown_a_page_at_a_time_in_the_same_queries_for_few_or_many(
    client, open_cycle, admin_user, unit, make_indicator, changes, django_assert_max_num_queries
):
    indicators = [make_indicator(f"X{n:03d}", 10) for n in range(changes)]
    entered(open_cycle, unit, indicators, admin_user)
    client.force_login(admin_user)
    with django_assert_max_num_queries(9):
        page = client.get(history_url(unit, open_cycle)).content.decode()
    assert len(ROW.findall(page)) == min(changes, 50)
    with django_assert_max_num_queries(10):
        page = client.get(history_url(unit, open_cycle, indicator=indicators[0].pk, page=1))
    assert len(ROW.findall(page.content.decode())) == 1


def test_the_pager_keeps_the_filter_and_walks_the_pages(
    client, open_cycle, admin_user, unit, make_indicator
):
    indicator = make_indicator("X01", 100)
    for text in range(1, 61):
        entered(open_cycle, unit, [indicator], admin_user, text=str(text))
    client.force_login(admin_user)
    url = history_url(unit, open_cycle, indicator=indicator.pk)
    page = client.get(url).content.decode()
    assert len(ROW.findall(page)) == 50
    assert "第 1 / 2 页" in page
    next_page = f'href="?cycle={open_cycle.year}&amp;indicator={indicator.pk}&amp;page=2"'
    assert next_page in page
    page = client.get(f"{url}&page=2").content.decode()
    assert len(ROW.findall(page)) == 10
    # Newest first: the last page holds the first values entered.
    assert '<td class="num">1</td>' in page


def test_the_history_names_people_by_their_full_name_else_their_login(
    client, open_cycle, admin_user, unit, make_indicator
):
    named = user_with_role("zhangsan", first_name="张三")
    first, second = make_indicator("X01", 10), make_indicator("X02", 10)
    entered(open_cycle, unit, [first], named)
    entered(open_cycle, unit, [second], admin_user)
    client.force_login(admin_user)
    page = client.get(history_url(unit, open_cycle)).content.decode()
    assert "<td>张三</td>" in page and "zhangsan" not in page
    assert f"<td>{admin_user.username}</td>" in page


def shown_rows(page) -> list[list[str]]:
    """The rows a history page lists, newest first: project, old, new, operation (the first
    four columns after the time)."""
    rows = CELLS.findall(page.content.decode())
    return [[cell.strip() for cell in CELL.findall(row)][:4] for row in rows]


@pytest.mark.parametrize("entries", [3, 60])
def test_each_change_shows_the_figure_before_it_even_when_that_is_on_the_next_page(
    client,
    open_cycle,
    admin_user,
    unit,
    make_indicator,
    entries,
    django_assert_max_num_queries,
):
    indicator = make_indicator("X01", 100)
    for text in range(1, entries + 1):
        entered(open_cycle, unit, [indicator], admin_user, text=str(text))
    evaluation = make_indicator("MZ", 10, method="evaluation")
    vote = Vote.objects.create(
        indicator=evaluation,
        unit=unit,
        period="Q1",
        rater_group=RaterGroup.objects.get(cycle=open_cycle),
        excellent=3,
    )
    vote.competent = 2
    vote.save()
    Adjustment.objects.create(
        cycle=open_cycle, unit=unit, period="Q1", points=2, reason="抗洪", approved_by="区委"
    )
    what = "X01 X01 · 第一季度"
    changes = [
        ["柔性考核调整 · 第一季度", "", "+2.00 (抗洪; 区委)", "已创建"],
        ["MZ MZ · 第一季度 · 区领导", "3/0/0/0", "3/2/0/0", "已修改"],
        ["MZ MZ · 第一季度 · 区领导", "", "3/0/0/0", "已创建"],
        *([what, str(text - 1), str(text), "已修改"] for text in range(entries, 1, -1)),
        [what, "", "1", "已创建"],
    ]
    client.force_login(admin_user)
    for number in (1, 2):
        with django_assert_max_num_queries(8):
            page = client.get(history_url(unit, open_cycle, page=number))
        # The second page of a short history is its last, the first.
        start = 50 if number == 2 and len(changes) > 50 else 0
        assert shown_rows(page) == changes[start : start + 50]
