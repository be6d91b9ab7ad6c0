"""Dates on the talent pages: ISO in every date input whatever the language, none in the future."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from talent.services.registry import talent_status_change

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_date_inputs_show_today_in_iso_in_every_language(
    client, admin_user, make_talent, fund, language
):
    client.force_login(admin_user)
    today = timezone.localdate().isoformat()
    for url in [
        reverse("talent:talent", args=[make_talent().pk]),
        reverse("talent:subsidy_create"),
    ]:
        page = client.get(url, headers={"accept-language": language}).content.decode()
        assert 'type="date" name="' in page
        assert f'value="{today}"' in page, url


def test_a_status_change_dated_in_the_future_is_refused(make_talent):
    talent = make_talent()
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError, match="晚于今天"):
        talent_status_change(talent=talent, status="applied", on=tomorrow)
    talent.refresh_from_db()
    assert talent.status == "talks"
