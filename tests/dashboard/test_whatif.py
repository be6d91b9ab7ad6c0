"""The what-if sandbox runs the real scoring service and changes nothing real."""

from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest

from scoring.models import Indicator, IndicatorValue, UnitResult
from scoring.services.compute import results_compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(stored_year, town_units):
    """Real values for every unit, and results computed by the service from them."""
    UnitResult.objects.all().delete()
    for index, unit in enumerate(town_units):
        for indicator in Indicator.objects.filter(method="direct"):
            for period in ("Q1", "Q2", "Q3", "Q4"):
                IndicatorValue.objects.create(
                    indicator=indicator, unit=unit, period=period, value=Decimal(240 - index * 10)
                )
    results_compute(cycle=stored_year)
    return stored_year


def test_a_changed_value_moves_the_unit_in_the_sandbox_only(leader_client, computed, town_units):
    last = town_units[-1]
    before = list(UnitResult.objects.order_by("pk").values_list("pk", "total", "rank", "grade"))
    response = leader_client.get(
        "/dashboard/whatif/?cycle=2025&period=Q2&category=ZJ&run=1"
        "&weight_q1=0.25&weight_q2=0.25&weight_q3=0.25&weight_q4=0.25"
        f"&unit={last.code}&value_indicator=A1.1&value_period=Q2&value=250"
    )
    rows = {row.unit: row for row in response.context["rows"]}
    assert rows[last].sandbox.total > rows[last].real.total
    assert rows[last].rank_change > 0
    assert (
        list(UnitResult.objects.order_by("pk").values_list("pk", "total", "rank", "grade"))
        == before
    )
    assert IndicatorValue.objects.get(unit=last, indicator__code="A1.1", period="Q2").value == 190


WHATIF = (
    "/dashboard/whatif/?cycle=2025&period=Q2&category=ZJ&run=1"
    "&weight_q1=0.25&weight_q2=0.25&weight_q3=0.25&weight_q4=0.25"
)


@pytest.mark.parametrize(
    ("period", "value", "problem"),
    [
        ("Q2", "1000", "分值应在 0 到 250 之间，实为 1000"),
        ("Q2", "-50", "分值应在 0 到 250 之间，实为 -50"),
        ("Y", "100", "季度指标只在 Q1–Q4 填报，不在全年"),
    ],
)
def test_the_sandbox_refuses_a_value_entry_would_refuse_and_says_why(
    leader_client, computed, town_units, period, value, problem
):
    unit = town_units[0]
    response = leader_client.get(
        f"{WHATIF}&unit={unit.code}&value_indicator=A1.1&value_period={period}&value={value}"
    )
    assert response.context["rows"] is None
    assert f"{unit.name} A1.1：{problem}" in response.content.decode()


def test_a_veto_of_5_is_refused_in_the_sandbox(leader_client, computed, town_units):
    Indicator.objects.create(
        cycle=computed, code="V1", name="否决", max_points=0, method="veto", sort_order=99
    )
    unit = town_units[0]
    response = leader_client.get(
        f"{WHATIF}&unit={unit.code}&value_indicator=V1&value_period=Q2&value=5"
    )
    assert response.context["rows"] is None
    assert "一票否决指标只能填 0 或 1，实为 5" in response.content.decode()


def test_the_sandbox_checks_a_value_against_the_maximum_it_changes(
    leader_client, computed, town_units
):
    response = leader_client.get(
        f"{WHATIF}&indicator=A1.1&max_points=300"
        f"&unit={town_units[0].code}&value_indicator=A1.1&value_period=Q2&value=280"
    )
    assert response.context["rows"] is not None


class BrowserForm(HTMLParser):
    """What a browser sends from the page's what-if form as it stands: every input's value,
    every select's selected option (or its first)."""

    def __init__(self):
        super().__init__()
        self.fields, self.options, self.select, self.inside = {}, {}, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "whatif-form" in attrs.get("class", ""):
            self.inside = True
        elif not self.inside:
            return
        elif tag == "input":
            self.fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select:
            self.options.setdefault(self.select, attrs.get("value", ""))
            if "selected" in attrs:
                self.options[self.select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False

    @classmethod
    def defaults(cls, html: str) -> dict[str, str]:
        parser = cls()
        parser.feed(html)
        return {**parser.fields, **parser.options}


@pytest.mark.parametrize(
    "changed",
    [
        {"indicator": "A1.1", "max_points": "300"},
        {"weight_q1": "0.4", "weight_q2": "0.2", "weight_q3": "0.2", "weight_q4": "0.2"},
    ],
    ids=["points", "weights"],
)
def test_changing_only_points_or_weights_runs_the_sandbox(leader_client, computed, changed):
    page = "/dashboard/whatif/?cycle=2025&period=Q2&category=ZJ"
    sent = {**BrowserForm.defaults(leader_client.get(page).content.decode()), **changed}
    assert sent["value_period"] == ""
    response = leader_client.get(page, {**sent, "run": "1"})
    assert response.context["form"].errors == {}
    assert response.context["rows"] is not None
    assert "调整单位数据时" not in response.content.decode()


@pytest.mark.parametrize(
    "given",
    [{"unit": "ZJ0001"}, {"value_period": "Q2"}, {"value_indicator": "A1.1", "value": "5"}],
)
def test_a_unit_change_given_in_part_is_refused(leader_client, computed, given):
    response = leader_client.get(f"{WHATIF}&{urlencode(given)}")
    assert response.context["rows"] is None
    assert "调整单位数据时，单位、指标、期间和新的数值都要填写。" in response.content.decode()


def test_weights_and_maximum_points_are_shown_as_people_write_them(leader_client, computed):
    html = leader_client.get("/dashboard/whatif/?cycle=2025&period=Q2").content.decode()
    assert 'name="weight_q1" value="0.25"' in html
    assert ">A1.1 创新发展指标（满分 250）</option>" in html
    leader_client.cookies["django_language"] = "en"
    html = leader_client.get("/dashboard/whatif/?cycle=2025&period=Q2").content.decode()
    assert ">A1.1 创新发展指标 (max 250)</option>" in html
