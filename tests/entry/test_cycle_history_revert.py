"""A cycle's admin history is for reading: no version is restored over the cycle's state
machine and settings."""

from decimal import Decimal

import pytest

from scoring.models import Cycle
from scoring.services.cycles import cycle_open

from .conftest import user_with_role

pytestmark = pytest.mark.django_db

REFUSED = "考核周期的历史版本只能查看，不能恢复"


def version_form(cycle) -> dict:
    """What the version's form posts: every field as the draft version had it, no inline rows."""
    data = {
        field: str(getattr(cycle, field))
        for field in [
            "year",
            "weight_q1",
            "weight_q2",
            "weight_q3",
            "weight_q4",
            "bonus_cap",
            "excellent_share",
            "excellent_min",
            "good_min",
            "fair_min",
            "alpha_principal",
            "alpha_member",
            "vote_excellent",
            "vote_competent",
            "vote_basic",
            "vote_incompetent",
            "star_share",
        ]
    }
    data["name"] = cycle.name
    for prefix in ("rater_groups",):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_restoring_an_old_version_of_a_cycle_is_refused(client, cycle, admin_user, make_indicator):
    make_indicator("A1", 1000)
    cycle_open(cycle=cycle, by=admin_user)
    Cycle.objects.filter(pk=cycle.pk).update(excellent_share=Decimal("0.2"))
    draft = cycle.history.earliest()
    client.force_login(user_with_role("boss", is_staff=True, is_superuser=True))
    url = f"/admin/scoring/cycle/{cycle.pk}/history/{draft.history_id}/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = client.post(url, version_form(draft.instance), follow=True)
    assert REFUSED in response.content.decode()
    cycle.refresh_from_db()
    assert (cycle.state, cycle.excellent_share) == (Cycle.State.OPEN, Decimal("0.2"))
