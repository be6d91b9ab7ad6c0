"""A cycle opens and publishes only with a sound indicator tree (the 1000-point rule), and the
cycles page shows what is wrong with each cycle's tree."""

import pytest
from django.core.exceptions import ValidationError

from scoring.models import Cycle, Indicator
from scoring.services.cycles import cycle_close, cycle_open, cycle_publish

pytestmark = pytest.mark.django_db

OPEN_REFUSED = "2026年度考核 的指标体系还有问题，不能开放填报："
PUBLISH_REFUSED = "2026年度考核 的指标体系还有问题，不能发布结果；请重新开放并修正后再关闭、发布："
CHILDREN_OFF = "A1 的下级分值合计 550.00，与其分值 500.00 不符。"
AREAS_OFF = "一级指标分值合计 950.00，应为 1000。"


@pytest.fixture
def broken_tree(cycle, make_indicator):
    """A1 (500) whose children add up to 550; the areas add up to 950."""
    area = make_indicator("A1", 500, method="")
    make_indicator("A1.1", 300, parent=area)
    make_indicator("A1.2", 250, parent=area)
    make_indicator("A2", 450)
    return cycle


def test_opening_is_refused_while_the_tree_is_broken_and_names_every_problem(
    broken_tree, admin_user
):
    with pytest.raises(ValidationError) as refused:
        cycle_open(cycle=broken_tree, by=admin_user)
    assert refused.value.messages == [f"{OPEN_REFUSED}{CHILDREN_OFF} {AREAS_OFF}"]
    broken_tree.refresh_from_db()
    assert broken_tree.state == Cycle.State.DRAFT


def test_an_empty_tree_is_not_opened(cycle, admin_user):
    with pytest.raises(ValidationError) as refused:
        cycle_open(cycle=cycle, by=admin_user)
    assert refused.value.messages == [
        f"{OPEN_REFUSED}还没有任何指标：请先在后台“考核指标”中建立或导入指标体系。"
    ]
    assert Cycle.objects.get(pk=cycle.pk).state == Cycle.State.DRAFT


def test_a_tree_with_nothing_counted_in_the_thousand_is_not_opened(
    cycle, make_indicator, admin_user
):
    """Its areas add up to 1000, but only a bonus hangs below: no unit could earn a point."""
    area = make_indicator("A1", 1000, method="")
    make_indicator("A1.1", 20, method="bonus", parent=area)
    with pytest.raises(ValidationError) as refused:
        cycle_open(cycle=cycle, by=admin_user)
    assert refused.value.messages == [
        f"{OPEN_REFUSED}没有计入千分的末级指标（加分、一票否决指标之外），无法计算总分。"
    ]


def test_a_mended_tree_opens(broken_tree, admin_user):
    Indicator.objects.filter(code="A1.2").update(max_points=200)
    Indicator.objects.filter(code="A2").update(max_points=500)
    cycle_open(cycle=broken_tree, by=admin_user)
    broken_tree.refresh_from_db()
    assert broken_tree.state == Cycle.State.OPEN


def test_publishing_is_refused_when_the_tree_broke_while_open(cycle, make_indicator, admin_user):
    make_indicator("A1", 1000, frequency="annual")
    cycle_open(cycle=cycle, by=admin_user)
    make_indicator("A2", 50, frequency="annual")
    cycle_close(cycle=cycle, by=admin_user)
    with pytest.raises(ValidationError) as refused:
        cycle_publish(cycle=cycle, by=admin_user)
    assert refused.value.messages == [f"{PUBLISH_REFUSED}一级指标分值合计 1050.00，应为 1000。"]
    cycle.refresh_from_db()
    assert cycle.state == Cycle.State.CLOSED
    assert not cycle.snapshots.exists()


def test_the_cycles_page_lists_the_tree_problems_and_says_why_opening_failed(
    client, broken_tree, admin_user
):
    client.force_login(admin_user)
    page = client.get("/entry/cycles/").content.decode()
    assert "指标体系有 2 处问题" in page
    assert f"<li>{CHILDREN_OFF}</li><li>{AREAS_OFF}</li>" in page
    response = client.post(f"/entry/cycles/{broken_tree.pk}/move/", {"action": "open"}, follow=True)
    assert f"{OPEN_REFUSED}{CHILDREN_OFF} {AREAS_OFF}" in response.content.decode()


def test_a_sound_tree_shows_no_problem(client, cycle, make_indicator, admin_user):
    make_indicator("A1", 1000)
    client.force_login(admin_user)
    assert "处问题" not in client.get("/entry/cycles/").content.decode()
