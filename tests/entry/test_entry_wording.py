"""The entry pages' words in both languages: states said in the sentence's own words, the
punctuation of the reader's language, counts grouped the reader's way."""

from decimal import Decimal

import pytest

from scoring.models import Cycle, IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("state", "banner"),
    [
        (Cycle.State.CLOSED, "This cycle is closed: values can be read, not changed."),
        (Cycle.State.PUBLISHED, "This cycle is published: values can be read, not changed."),
    ],
)
def test_a_locked_grid_says_the_state_in_the_sentence(english, open_cycle, scorer, state, banner):
    Cycle.objects.filter(pk=open_cycle.pk).update(state=state)
    english.force_login(scorer)
    page = english.get(f"/entry/?cycle={open_cycle.year}&period=Q1").content.decode()
    assert f'<p class="locked-banner" role="status">{banner}</p>' in page


@pytest.mark.parametrize(
    ("state", "banner"),
    [(Cycle.State.CLOSED, "本周期已关闭，"), (Cycle.State.PUBLISHED, "本周期已发布，")],
)
def test_a_locked_grid_says_the_state_in_chinese(client, open_cycle, scorer, state, banner):
    Cycle.objects.filter(pk=open_cycle.pk).update(state=state)
    client.force_login(scorer)
    page = client.get(f"/entry/?cycle={open_cycle.year}&period=Q1").content.decode()
    assert f"{banner}数据只能查看，不能修改。" in page


def test_the_cycle_picker_puts_the_state_in_the_readers_parentheses(english, open_cycle, scorer):
    english.force_login(scorer)
    page = english.get(f"/entry/?cycle={open_cycle.year}").content.decode()
    assert f'<option value="{open_cycle.year}" selected>2026年度考核 (Open)</option>' in page
    english.cookies["django_language"] = "zh-hans"
    page = english.get(f"/entry/?cycle={open_cycle.year}").content.decode()
    assert f'<option value="{open_cycle.year}" selected>2026年度考核（填报中）</option>' in page


def test_the_cycles_page_groups_counts_of_values_by_thousands_in_english(
    english, open_cycle, admin_user, scorer, district
):
    units, indicators = district(cycle=open_cycle, owner=scorer, units=40, indicators=30)
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=i, unit=u, period="Q1", value=Decimal(5))
        for u in units
        for i in indicators
    )
    english.force_login(admin_user)
    page = english.get("/entry/cycles/").content.decode()
    assert '<td class="num">1,200</td>' in page
    english.cookies["django_language"] = "zh-hans"
    page = english.get("/entry/cycles/").content.decode()
    assert '<td class="num">1200</td>' in page
