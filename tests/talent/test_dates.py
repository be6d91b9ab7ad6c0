"""Dates on the talent pages: ISO in every date input whatever the language, none in the future."""

from datetime import timedelta

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from talent.admin import TalentResource
from talent.models import Talent
from talent.services.registry import talent_register, talent_status_change

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


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


def test_a_talent_registered_with_a_status_dated_in_the_future_is_refused(programme):
    talent = Talent(name="李娜", programme=programme, year=2026, status_date=tomorrow())
    with pytest.raises(ValidationError) as error:
        talent_register(talent=talent)
    assert error.value.message_dict == {
        "status_date": [f"状态日期 {tomorrow().isoformat()} 晚于今天：只能登记已经发生的状态。"]
    }
    assert not Talent.objects.exists()


@pytest.mark.parametrize("url", ["/talent/registry/new/", "/admin/talent/talent/add/"])
def test_the_registry_page_and_the_admin_refuse_a_status_dated_in_the_future(
    site_admin, programme, url
):
    form = {"name": "李娜", "programme": programme.pk, "year": "2026", "status": "arrived"}
    # The admin's (empty) list of status changes.
    form |= {"status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0"}
    page = site_admin.post(url, form | {"status_date": tomorrow().isoformat()})
    assert page.status_code == 200
    assert "晚于今天：只能登记已经发生的状态。" in page.content.decode()
    assert not Talent.objects.exists()
    today = timezone.localdate().isoformat()
    assert site_admin.post(url, form | {"status_date": today}).status_code == 302
    assert Talent.objects.get().status_changes.get().date == timezone.localdate()


def test_an_imported_talent_with_a_status_dated_in_the_future_is_refused(admin_user, programme):
    rows = tablib.Dataset(
        ("", "李娜", "SSBS", 2026, "arrived", tomorrow().isoformat()),
        headers=["id", "name", "programme", "year", "status", "status_date"],
    )
    result = TalentResource().import_data(rows, dry_run=False, user=admin_user)
    assert "晚于今天" in result.invalid_rows[0].error_dict["status_date"][0]
    assert not Talent.objects.exists()
