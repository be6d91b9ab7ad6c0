"""Reading an import's record as the tests compare it: changes by codes, problems by place."""

from cadre import roles
from cadre.models import Unit
from scoring.models import Indicator, RaterGroup, Vote
from scoring.services.evaluations import VoteCounts, votes_save
from scoring.services.sheets import sheet_import_start
from scoring.services.values import SOURCE_ENTRY
from tests.entry.conftest import user_with_role


def import_start(district, scorer, upload, period="Q1"):
    return sheet_import_start(cycle=district["cycle"], user=scorer, period=period, upload=upload)


def record_changes(record, district) -> dict:
    """(unit code, indicator code, period) → (old, new) of each previewed change."""
    units = {unit.pk: code for code, unit in district["units"].items()}
    indicators = {indicator.pk: code for code, indicator in district["indicators"].items()}
    return {
        (units[unit], indicators[indicator], period): (old, new)
        for unit, indicator, period, old, new in record.changes
    }


def record_problems(record, *, with_sheet=False) -> list[tuple]:
    """(row, column, message) of each problem, the sheet first when asked."""
    return [
        ((error["sheet"],) if with_sheet else ())
        + (error["row"], error["column"], error["message"])
        for error in record.errors
    ]


def vote_record_changes(record) -> dict:
    """(unit, indicator, period, rater group codes) → (old, new counts) of each previewed row."""
    units = dict(Unit.objects.values_list("pk", "code"))
    indicators = dict(Indicator.objects.values_list("pk", "code"))
    groups = dict(RaterGroup.objects.values_list("pk", "code"))
    return {
        (units[unit], indicators[indicator], period, groups[group]): (
            old and tuple(old),
            tuple(new),
        )
        for unit, indicator, period, group, old, new, _version in record.changes
    }


def votes_stored() -> dict:
    """(unit, indicator, period, rater group codes) → the four counts of each stored row."""
    return {
        (unit, indicator, period, group): tuple(counts)
        for unit, indicator, period, group, *counts in Vote.objects.values_list(
            "unit__code", "indicator__code", "period", "rater_group__code", *Vote.KINDS
        )
    }


def votes_typed_by_lisi(tally, counts) -> None:
    """李四 of the 考核办 saves ZJ01's 区领导 counts of MZ for the year on the votes page."""
    votes_save(
        cycle=tally["cycle"],
        indicator=tally["evaluations"]["MZ"],
        unit=tally["units"]["ZJ01"],
        period="Y",
        counts=[VoteCounts(tally["groups"]["LD"], *counts)],
        by=user_with_role("lisi", roles.ADMIN, first_name="李四"),
        source=SOURCE_ENTRY,
    )
