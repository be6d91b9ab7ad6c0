from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from cadre import roles
from cadre.models import Unit, UnitCategory
from scoring.models import Indicator, IndicatorValue, RaterGroup, Vote
from scoring.services.cycles import cycle_quarter_close


@pytest.fixture
def scorer(db):
    user = get_user_model().objects.create_user("stats", password="Kaohe@2026")
    user.groups.add(roles.role_groups_ensure()[roles.SCORER])
    return user


@pytest.fixture
def district(cycle, make_indicator, scorer):
    """Two categories, three units, the scorer's four indicators and one of someone else."""
    cycle.state = cycle.State.OPEN
    cycle.save()
    towns = UnitCategory.objects.create(code="ZJ", name="镇街", sort_order=1)
    offices = UnitCategory.objects.create(code="JJ", name="经济部门", sort_order=2)
    units = {
        "ZJ01": Unit.objects.create(code="ZJ01", name="城关街道", category=towns, sort_order=1),
        "ZJ02": Unit.objects.create(code="ZJ02", name="=东城街道", category=towns, sort_order=2),
        "JJ01": Unit.objects.create(code="JJ01", name="区发改局", category=offices, sort_order=1),
    }
    area = make_indicator("A", 1000, method="")
    indicators = {
        "GDP": make_indicator("GDP", 20, parent=area),
        "SAFE": make_indicator(
            "SAFE", 10, method="deduction", parent=area, per_incident=Decimal("2")
        ),
        "VETO": make_indicator("VETO", 0, method="veto", parent=area),
        "TAX": make_indicator("TAX", 30, method="completion", parent=area, target=Decimal(100)),
        "EDU": make_indicator("EDU", 40, parent=area),
    }
    indicators["TAX"].categories.add(towns)
    for code in ("GDP", "SAFE", "VETO", "TAX"):
        indicators[code].owners.add(scorer)
    IndicatorValue.objects.create(
        indicator=indicators["GDP"], unit=units["ZJ01"], period="Q1", value=Decimal("15")
    )
    return {"cycle": cycle, "units": units, "indicators": indicators}


@pytest.fixture
def xlsx(tmp_path):
    """Write rows to a real .xlsx with openpyxl; return it as an uploaded file."""

    def make(rows, name="sheet.xlsx", title="Sheet1"):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = title
        for row in rows:
            sheet.append(row)
        path = Path(tmp_path) / name
        workbook.save(path)
        return SimpleUploadedFile(name, path.read_bytes())

    return make


@pytest.fixture
def tally(district, scorer, make_indicator):
    """The district's comprehensive evaluation: MZ 民主测评 (annual, the scorer's), ZP 镇街评议
    (quarterly, towns only, the scorer's) and DJ 党建测评 (annual, someone else's); rater groups
    LD 区领导 and FW 服务对象; ZJ01's leaders gave MZ 30/10/0/0 for the year."""
    cycle, units = district["cycle"], district["units"]
    area = Indicator.objects.get(cycle=cycle, code="A")
    evaluations = {
        "MZ": make_indicator("MZ", 50, method="evaluation", parent=area, frequency="annual"),
        "ZP": make_indicator("ZP", 20, method="evaluation", parent=area),
        "DJ": make_indicator("DJ", 10, method="evaluation", parent=area, frequency="annual"),
    }
    for code, name in (("MZ", "民主测评"), ("ZP", "镇街评议"), ("DJ", "党建测评")):
        Indicator.objects.filter(pk=evaluations[code].pk).update(name=name)
        evaluations[code].name = name
    evaluations["ZP"].categories.add(units["ZJ01"].category)
    for code in ("MZ", "ZP"):
        evaluations[code].owners.add(scorer)
    groups = {
        code: RaterGroup.objects.create(cycle=cycle, code=code, name=name, weight=Decimal("0.5"))
        for code, name in (("LD", "区领导"), ("FW", "服务对象"))
    }
    Vote.objects.create(
        indicator=evaluations["MZ"],
        unit=units["ZJ01"],
        period="Y",
        rater_group=groups["LD"],
        excellent=30,
        competent=10,
    )
    return {**district, "evaluations": evaluations, "groups": groups}


def quarter_closed(cycle, quarter, by):
    """Close the quarter of the district's cycle, its tree made to add up first (a quarter is
    closed only on a sound tree) by a leaf of nobody's for the rest of the 1000."""
    area = Indicator.objects.get(cycle=cycle, code="A")
    counted = area.children.exclude(method__in=["bonus", "veto"])
    rest = area.max_points - sum(leaf.max_points for leaf in counted)
    Indicator.objects.create(
        cycle=cycle, code="REST", name="其余指标", parent=area, max_points=rest, method="direct"
    )
    return cycle_quarter_close(cycle=cycle, quarter=quarter, by=by)
