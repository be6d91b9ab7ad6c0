"""The year's assessment result in each official's growth record (干部成长纪实).

Publishing a cycle tells the units their annual results; for the officials who carry a
personal score, that result is also an entry of their career record, written here rather than
typed by hand from the ranking. The entry is part of the official's file, so it is written in
the file's language (the site's default), whatever the language of the page it was published
from.
"""

from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import override

from cadre.history import history_deferred
from cadre.models import GrowthRecord
from scoring.models import Cycle, Grade, OfficialScore, Period, UnitResult
from scoring.services.explain import own_part_shown
from scoring.services.history import history_record
from scoring.services.sql import rows_insert
from scoring.services.values import SOURCE_PUBLISHED

# What an entry reads of its leadership team's result and of the official's score.
TEAM_FIELDS = ["unit__name", "category__name", "rank", "grade", "vetoed"]
SCORE_FIELDS = ["official", "unit", "unit_total", "own_part", "alpha", "score"]
# The columns of a new entry, in the order they are written.
CREATED_COLUMNS = ["official_id", "cycle_id", "date", "kind", "title", "detail"]


@transaction.atomic
def growth_records_assessment_write(*, cycle: Cycle, by) -> int:
    """Write each scored official's annual result of the cycle into their growth record: the
    leadership team's grade and place in its category, and the personal score with how it was
    made, dated the day of publication. Publishing again after a correction rewrites the
    entries (one per official and cycle), with history; return how many were written or
    rewritten. A fixed number of queries, however many officials."""
    # Only the columns the entries read, and the new entries written with one COPY (below):
    # whole results and scores, and bulk_create, took a province's publication (5,000 results,
    # 20,000 entries) 1.2–1.7 s more of Python.
    teams = (
        UnitResult.objects.filter(cycle=cycle, period=Period.YEAR)
        .select_related("unit", "category")
        .only(*TEAM_FIELDS)
    )
    team_by_unit = {team.unit_id: team for team in teams}
    category_sizes = Counter(team.category_id for team in team_by_unit.values())
    scores = OfficialScore.objects.filter(
        cycle=cycle, period=Period.YEAR, unit_id__in=team_by_unit.keys()
    ).only(*SCORE_FIELDS)
    existing = {
        record.official_id: record
        for record in GrowthRecord.objects.filter(cycle=cycle).only("official", "title", "detail")
    }
    today = timezone.localdate()
    day = connection.ops.adapt_datefield_value(today)
    kind = GrowthRecord.Kind.ASSESSMENT.value
    created, changed = [], []
    with override(settings.LANGUAGE_CODE):
        for score in scores:
            team = team_by_unit[score.unit_id]
            title, detail = _assessment_text(
                cycle=cycle, team=team, size=category_sizes[team.category_id], score=score
            )
            record = existing.get(score.official_id)
            if record is None:
                created.append((score.official_id, cycle.pk, day, kind, title, detail))
            elif (record.title, record.detail) != (title, detail):
                record.date, record.title, record.detail = today, title, detail
                changed.append(record)
    # Their history is written below, as for the entries rewritten.
    with connection.cursor() as cursor:
        rows_insert(cursor, GrowthRecord, CREATED_COLUMNS, created)
    with history_deferred():
        GrowthRecord.objects.bulk_update(changed, ["date", "title", "detail"])
    history_record(
        queryset=GrowthRecord.objects.filter(cycle=cycle), reason=SOURCE_PUBLISHED, by=by
    )
    return len(created) + len(changed)


def _assessment_text(
    *, cycle: Cycle, team: UnitResult, size: int, score: OfficialScore
) -> tuple[str, str]:
    grade = Grade(team.grade).label
    vetoed = "，一票否决" if team.vetoed else ""
    title = (
        f"{cycle}：{team.unit.name}领导班子{grade}（{team.category.name}第{team.rank}名/"
        f"共{size}个{vetoed}），个人得分{score.score}"
    )
    own_share = 1 - score.alpha
    detail = (
        f"个人得分 = 班子总分 {score.unit_total} × {score.alpha.normalize()} + "
        f"个人指标得分 {own_part_shown(score=score)} × {own_share.normalize()} = {score.score}"
    )
    return title[: GrowthRecord._meta.get_field("title").max_length], detail
