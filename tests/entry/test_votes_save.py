"""votes_save: versions as values have them, blank rows that store nothing."""

import pytest

from scoring.models import RaterGroup, Vote
from scoring.services.evaluations import VoteCounts, votes_save
from tests.entry.conftest import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(open_cycle):
    """The cycle's two rater groups: 区领导 (made by open_cycle) and 服务对象."""
    users = RaterGroup.objects.create(cycle=open_cycle, code="FW", name="服务对象", weight=1)
    return open_cycle.rater_groups.get(code="LD"), users


@pytest.fixture
def save(open_cycle, unit, make_indicator, scorer):
    evaluation = make_indicator("E1", 50, method="evaluation")

    def save_counts(*rows, by=scorer):
        """Save rows of (group, version, excellent, competent, basic, incompetent)."""
        counts = [VoteCounts(group, *numbers, version=version) for group, version, *numbers in rows]
        return votes_save(
            cycle=open_cycle,
            indicator=evaluation,
            unit=unit,
            period="Q1",
            counts=counts,
            by=by,
            source="填报页面",
        )

    return save_counts


def stored(group):
    vote = Vote.objects.get(rater_group=group)
    return (vote.excellent, vote.competent, vote.basic, vote.incompetent, vote.version)


def test_a_row_changed_by_someone_else_since_it_was_loaded_is_refused_the_others_saved(
    save, groups
):
    leaders, users = groups
    other = user_with_role("lisi", first_name="李四")
    save((leaders, 0, 30, 10, 0, 0), by=other)
    # Loaded before 李四's save, both rows empty (version 0).
    report = save((leaders, 0, 0, 0, 5, 0), (users, 0, 1, 2, 3, 4))
    assert (report.created, report.updated, report.refused) == (1, 0, 1)
    conflict = report.conflicts[leaders.pk]
    assert (conflict.version, conflict.by) == (1, "李四")
    assert stored(leaders) == (30, 10, 0, 0, 1)
    assert stored(users) == (1, 2, 3, 4, 1)
    # Changed again after version 1 was loaded: version 1 is refused, version 2 saves.
    save((leaders, 1, 31, 10, 0, 0), by=other)
    assert save((leaders, 1, 0, 0, 5, 0)).conflicts[leaders.pk].version == 2
    assert save((leaders, 2, 0, 0, 5, 0)).updated == 1
    assert stored(leaders) == (0, 0, 5, 0, 3)


def test_a_stale_row_typed_as_stored_now_is_no_conflict(save, groups):
    leaders, _users = groups
    save((leaders, 0, 30, 10, 0, 0))
    report = save((leaders, 0, 30, 10, 0, 0))
    assert (report.unchanged, report.refused) == (1, 0)


def test_a_row_left_blank_stores_nothing_and_cannot_clear_a_stored_one(save, groups):
    leaders, users = groups
    report = save((leaders, 0, None, None, None, None), (users, 0, 5, None, None, None))
    assert report.created == 1
    assert not Vote.objects.filter(rater_group=leaders).exists()
    # A count left blank beside others is 0.
    assert stored(users) == (5, 0, 0, 0, 1)
    report = save((users, 1, None, None, None, None))
    assert report.errors == {users.pk: "已填报的票数不能清空；该群体未投票请填 0"}
    assert stored(users) == (5, 0, 0, 0, 1)
