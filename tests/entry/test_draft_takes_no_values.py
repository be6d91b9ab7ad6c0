"""A draft cycle takes no values from scorers: its tree and settings may still change under
them. The 考核办 and the system may load values into it."""

import pytest

from scoring.models import IndicatorValue
from scoring.services.cycles import cycle_open
from scoring.services.values import SOURCE_ENTRY, CellInput, CycleLockedError, values_save

pytestmark = pytest.mark.django_db

DRAFT_REFUSED = "2026年度考核：草稿状态的周期还不能填报，请待考核办开放填报。"


@pytest.fixture
def draft(cycle, scorer, district):
    units, indicators = district(cycle=cycle, owner=scorer, units=2, indicators=1)
    return cycle, units[0], indicators[0]


def cell(unit, indicator):
    return [CellInput(unit=unit, indicator=indicator, period="Q1", raw="8", version=0)]


def test_a_scorer_cannot_save_into_a_draft_cycle(draft, scorer):
    cycle, unit, indicator = draft
    with pytest.raises(CycleLockedError, match=f"^{DRAFT_REFUSED}$"):
        values_save(cycle=cycle, cells=cell(unit, indicator), by=scorer, source=SOURCE_ENTRY)
    assert not IndicatorValue.objects.exists()


def test_the_admin_and_the_system_may_load_values_into_a_draft(draft, admin_user):
    cycle, unit, indicator = draft
    values_save(cycle=cycle, cells=cell(unit, indicator), by=admin_user, source=SOURCE_ENTRY)
    IndicatorValue.objects.all().delete()
    values_save(cycle=cycle, cells=cell(unit, indicator), by=None, source="test")
    assert IndicatorValue.objects.count() == 1


def test_once_opened_the_scorer_saves(draft, scorer, admin_user):
    cycle, unit, indicator = draft
    indicator.max_points = 1000
    indicator.save()
    cycle_open(cycle=cycle, by=admin_user)
    cycle.refresh_from_db()
    values_save(cycle=cycle, cells=cell(unit, indicator), by=scorer, source=SOURCE_ENTRY)
    assert IndicatorValue.objects.count() == 1


def test_a_scorers_votes_and_sheets_are_refused_in_a_draft_too(
    draft, scorer, make_indicator, tmp_path
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from scoring.services.evaluations import VoteCounts, votes_save
    from scoring.services.sheets import sheet_import_start

    cycle, unit, indicator = draft
    evaluation = make_indicator("E1", 50, method="evaluation")
    evaluation.owners.add(scorer)
    group = cycle.rater_groups.create(code="LD", name="区领导", weight=1)
    counts = [VoteCounts(rater_group=group, excellent=3, competent=1, basic=0, incompetent=0)]
    with pytest.raises(CycleLockedError, match=f"^{DRAFT_REFUSED}$"):
        votes_save(
            cycle=cycle,
            indicator=evaluation,
            unit=unit,
            period="Y",
            counts=counts,
            by=scorer,
            source=SOURCE_ENTRY,
        )
    workbook = Workbook()
    workbook.active.append(["单位代码", indicator.code])
    workbook.active.append([unit.code, 8])
    data = io.BytesIO()
    workbook.save(data)
    upload = SimpleUploadedFile("draft.xlsx", data.getvalue())
    record = sheet_import_start(cycle=cycle, user=scorer, period="Q1", upload=upload)
    assert record.status == "failed"
    assert DRAFT_REFUSED in str(record.errors)
    assert not IndicatorValue.objects.exists()
