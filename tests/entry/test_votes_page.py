"""The votes page: read-only in a locked cycle, counts of a sane size."""

import pytest
from django.core.exceptions import ValidationError

from scoring.models import Cycle, Vote
from scoring.services.evaluations import VoteCounts, votes_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def votes_url(client, open_cycle, scorer, unit, make_indicator):
    evaluation = make_indicator("E1", 50, method="evaluation")
    evaluation.owners.add(scorer)
    client.force_login(scorer)
    return f"/entry/votes/?cycle={open_cycle.pk}&period=Q1&indicator={evaluation.pk}&unit={unit.pk}"


def test_a_locked_cycles_votes_are_shown_read_only(client, open_cycle, votes_url):
    Cycle.objects.filter(pk=open_cycle.pk).update(state=Cycle.State.CLOSED)
    page = client.get(votes_url).content.decode()
    assert page.count('type="number"') == 4
    assert page.count(" disabled") == 4


def test_a_vote_count_beyond_100000_is_refused(client, open_cycle, votes_url):
    group = open_cycle.rater_groups.get()
    form = {f"g{group.pk}-{name}": 0 for name in ("competent", "basic", "incompetent")}
    response = client.post(votes_url, {**form, f"g{group.pk}-excellent": "99999999999"})
    assert response.status_code == 200
    assert "100000" in response.content.decode()
    assert not Vote.objects.exists()


def test_the_service_refuses_a_vote_count_beyond_100000(open_cycle, scorer, unit, make_indicator):
    evaluation = make_indicator("E1", 50, method="evaluation")
    group = open_cycle.rater_groups.get()
    counts = [VoteCounts(rater_group=group, excellent=100_001, competent=0, basic=0, incompetent=0)]
    with pytest.raises(ValidationError, match="票数每项最多 100000"):
        votes_save(
            cycle=open_cycle,
            indicator=evaluation,
            unit=unit,
            period="Q1",
            counts=counts,
            by=scorer,
            source="填报页面",
        )
