"""The cycles page: one form per action, and a question before an irreversible one."""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from scoring.models import Cycle, IndicatorValue
from scoring.services.compute import results_compute
from scoring.services.cycles import (
    cycle_close,
    cycle_publish,
    cycle_quarter_close,
    cycle_quarter_publish,
    cycle_reopen,
)

pytestmark = pytest.mark.django_db


class _Forms(HTMLParser):
    """Collect each form's data-confirm text, its submit buttons' actions and input names."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "url": attrs.get("action"),
                    "confirm": attrs.get("data-confirm"),
                    "actions": [],
                    "inputs": [],
                }
            )
        elif tag == "button" and self.forms:
            self.forms[-1]["actions"].append(attrs.get("value"))
        elif tag == "input" and self.forms and attrs.get("type") != "hidden":
            self.forms[-1]["inputs"].append(attrs.get("name"))


def _cycle_forms(client, *, quarters=False):
    """The forms of the cycles' moves, or with `quarters` of their quarters' moves."""
    parser = _Forms()
    parser.feed(client.get("/entry/cycles/").content.decode())
    return [
        form
        for form in parser.forms
        if any(form["actions"]) and ("/quarters/" in (form["url"] or "")) == quarters
    ]


def test_the_reopen_reason_is_alone_with_the_reopen_button_so_enter_cannot_publish(
    client, open_cycle, admin_user
):
    cycle_close(cycle=open_cycle, by=admin_user)
    client.force_login(admin_user)
    forms = _cycle_forms(client)
    with_reason = [form for form in forms if "reason" in form["inputs"]]
    assert [form["actions"] for form in with_reason] == [["reopen"]]
    assert ["publish"] in [form["actions"] for form in forms]


def test_closing_and_publishing_ask_first_and_publishing_names_what_is_left(
    client, open_cycle, admin_user, unit, make_indicator
):
    indicator = make_indicator("A1", 600, frequency="annual")
    make_indicator("A2", 400, frequency="annual")
    IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Y", value=Decimal(500))
    results_compute(cycle=open_cycle)
    client.force_login(admin_user)
    close = next(form for form in _cycle_forms(client) if form["actions"] == ["close"])
    assert close["confirm"] == (
        "关闭 2026年度考核 后，任何途径都不能再修改它的数据；重新开放须说明理由并留痕。确定关闭？"
    )
    client.post(f"/entry/cycles/{open_cycle.pk}/move/", {"action": "close"})
    publish = next(form for form in _cycle_forms(client) if form["actions"] == ["publish"])
    assert publish["confirm"] == (
        "发布后，各单位即可查看 2026年度考核 的结果，每位干部的年度考核结果同时记入其成长纪实。"
        "仍有 1 项指标缺报、1 项数据未审核。确定发布？"
    )
    # Reopening a closed cycle hides nothing from the units: it needs only its reason.
    reopen = next(form for form in _cycle_forms(client) if form["actions"] == ["reopen"])
    assert reopen["confirm"] is None
    client.post(f"/entry/cycles/{open_cycle.pk}/move/", {"action": "publish"})
    reopen = next(form for form in _cycle_forms(client) if form["actions"] == ["reopen"])
    assert reopen["confirm"] == (
        "重新开放 2026年度考核 后，各单位在再次发布之前看不到它的全年结果和未单独发布的季度结果；"
        "干部成长纪实中的年度考核结果在再次发布时改写。确定重新开放？"
    )


def test_a_closed_cycles_unverified_count_is_the_one_taken_at_its_close_until_reopened(
    client, open_cycle, admin_user, unit, make_indicator
):
    indicator = make_indicator("A1", 1000, frequency="annual")
    IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Y", value=Decimal(5))
    cycle = cycle_close(cycle=open_cycle, by=admin_user)
    assert cycle.unverified_at_close == 1
    # Nothing in the application changes a closed cycle's values: the pages read the count
    # kept at its close instead of counting every value again (2 million in a province).
    IndicatorValue.objects.update(verified_at=timezone.now())
    client.force_login(admin_user)
    publish = next(form for form in _cycle_forms(client) if form["actions"] == ["publish"])
    assert "1 项数据未审核" in publish["confirm"]
    cycle_reopen(cycle=cycle, by=admin_user, reason="更正")
    [(listed, _published)] = client.get("/entry/cycles/").context["cycles"]
    assert (listed.state, listed.unverified) == ("open", 0)


def test_closing_a_year_before_the_previous_one_says_its_flags_wait_for_that_one(
    client, open_cycle, admin_user
):
    previous = Cycle.objects.create(year=2025, name="2025年度考核", state=Cycle.State.OPEN)
    client.force_login(admin_user)
    confirms = [form["confirm"] for form in _cycle_forms(client) if form["actions"] == ["close"]]
    assert confirms == [
        "关闭 2026年度考核 后，任何途径都不能再修改它的数据；重新开放须说明理由并留痕。"
        "2025年度考核 尚未关闭：本年度的“重点调整”标记（连续两年排在本类别后两名）要等它关闭或"
        "发布后才能确定，届时自动补上。确定关闭？",
        "关闭 2025年度考核 后，任何途径都不能再修改它的数据；重新开放须说明理由并留痕。确定关闭？",
    ]
    cycle_close(cycle=previous, by=admin_user)
    [close] = [form for form in _cycle_forms(client) if form["actions"] == ["close"]]
    assert close["confirm"] == (
        "关闭 2026年度考核 后，任何途径都不能再修改它的数据；重新开放须说明理由并留痕。确定关闭？"
    )


def _latest_publication(client) -> str:
    html = client.get("/entry/cycles/").content.decode()
    cell = re.search(r'<td class="latest-publication">(.*?)</td>', html).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()


def test_the_latest_publication_names_a_quarter_published_on_its_own_or_the_whole_cycle(
    client, open_cycle, admin_user, make_indicator
):
    make_indicator("A1", 600)
    make_indicator("A2", 400)
    client.force_login(admin_user)
    assert _latest_publication(client) == "—"
    cycle = cycle_quarter_close(cycle=open_cycle, quarter="Q1", by=admin_user)
    snapshot = cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin_user)
    when = timezone.localtime(snapshot.published_at).strftime("%Y-%m-%d %H:%M")
    assert _latest_publication(client) == f"第一季度 {when}"
    latest = cycle_publish(cycle=cycle_close(cycle=snapshot.cycle, by=admin_user), by=admin_user)
    when = timezone.localtime(latest.published_at).strftime("%Y-%m-%d %H:%M")
    assert _latest_publication(client) == f"整个周期 {when}"
