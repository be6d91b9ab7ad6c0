"""The cycle's admin page with its rater groups (双向考核): each row offers the categories and
the cycle's evaluation indicators and shows what its group rates, in the same queries for 2
groups as for 8."""

from decimal import Decimal

import pytest

from cadre.models import UnitCategory
from scoring.models import Cycle, Indicator, RaterGroup

pytestmark = pytest.mark.django_db

RATED = ("categories", "indicators")


@pytest.fixture
def rated(cycle, make_indicator):
    """Three categories; the cycle's evaluation indicators MZ and HP beside a direct one, and
    last year's MZ, which no group of this cycle may rate."""
    categories = [
        UnitCategory.objects.create(code=code, name=name, sort_order=n)
        for n, (code, name) in enumerate((("ZJ", "镇街"), ("JJ", "经济部门"), ("SH", "社会部门")))
    ]
    evaluations = [make_indicator(code, 20, method="evaluation") for code in ("MZ", "HP")]
    make_indicator("GDP", 20)
    last_year = Cycle.objects.create(year=cycle.year - 1)
    Indicator.objects.create(
        cycle=last_year, code="MZ", name="MZ", max_points=20, method="evaluation"
    )
    return categories, evaluations


def _groups_add(cycle, rated, numbers):
    """A group per number, rating one category and one indicator, in turn."""
    categories, evaluations = rated
    for number in numbers:
        group = RaterGroup.objects.create(
            cycle=cycle, code=f"G{number}", name=f"群体{number}", weight=Decimal("0.1")
        )
        group.categories.set([categories[number % len(categories)]])
        group.indicators.set([evaluations[number % len(evaluations)]])


def _rows_shown(page):
    """Each rater group row, the blank one to add included: its code, the codes of the
    categories and indicators checked, and the names of those offered."""
    formset = page.context["inline_admin_formsets"][0].formset
    return [
        (
            form.initial.get("code"),
            {name: {rated.code for rated in form.initial.get(name, [])} for name in RATED},
            {name: [label for _value, label in form.fields[name].choices] for name in RATED},
        )
        for form in [*formset.forms, formset.empty_form]
    ]


def test_the_cycle_page_reads_what_its_rater_groups_rate_in_the_same_queries_for_2_or_8(
    admin_client, cycle, rated, django_assert_max_num_queries
):
    url = f"/admin/scoring/cycle/{cycle.pk}/change/"
    _groups_add(cycle, rated, range(2))
    with django_assert_max_num_queries(30) as few:
        assert admin_client.get(url).status_code == 200
    _groups_add(cycle, rated, range(2, 8))
    with django_assert_max_num_queries(len(few)):
        rows = _rows_shown(admin_client.get(url))
    # Every category, and this cycle's evaluation indicators only: not GDP, not last year's MZ.
    offered = {"categories": ["镇街", "经济部门", "社会部门"], "indicators": ["HP HP", "MZ MZ"]}
    assert rows == [
        *(
            (
                f"G{number}",
                {
                    "categories": {("ZJ", "JJ", "SH")[number % 3]},
                    "indicators": {("MZ", "HP")[number % 2]},
                },
                offered,
            )
            for number in range(8)
        ),
        (None, {"categories": set(), "indicators": set()}, offered),
    ]
