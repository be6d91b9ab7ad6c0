"""A background verification (审核) whose worker died: shown as interrupted once quiet past
SCORING_BACKGROUND_STALE_AFTER, saying what it verified; it no longer stops another
verification of the period, and is resumed or ended on the verify page."""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cadre import roles
from scoring.models import IndicatorValue, VerificationRun
from scoring.services import verification
from tests.background_work import (
    WorkerKilled,
    queued,
    quiet_for,
    worker_dies_during,
    worker_runs,
    worker_takes,
)
from tests.entry.conftest import user_with_role, values_made

pytestmark = pytest.mark.django_db


@pytest.fixture
def unverified(open_cycle, scorer, district, settings):
    """Four units × two indicators of unverified Q1 values, too many to verify in a request;
    return the indicators."""
    settings.SCORING_VERIFY_BACKGROUND_VALUES = 5
    units, indicators = district(cycle=open_cycle, owner=scorer, units=4, indicators=2)
    values_made(units, indicators)
    return indicators


def _page_url(cycle) -> str:
    return f"/entry/verify/?cycle={cycle.year}&period=Q1"


def _verify_all(client, cycle, indicators):
    return client.post(
        _page_url(cycle), {"indicator": [indicator.pk for indicator in indicators]}, follow=True
    )


def _verified() -> int:
    return IndicatorValue.objects.filter(verified_at__isnull=False).count()


def _between_batches(monkeypatch, then) -> None:
    """Verify in batches of two ids, and call `then` as the second batch begins: its values
    are verified, and not yet committed."""
    monkeypatch.setattr(verification, "VERIFY_BATCH_IDS", 2)
    saved = verification.background_work_save
    progress = []

    def save(*, work, fields):
        if fields == ["verified"]:
            progress.append(work.verified)
            if len(progress) == 2:
                then()
        saved(work=work, fields=fields)

    monkeypatch.setattr(verification, "background_work_save", save)


def _killed_after_first_batch(run, monkeypatch) -> None:
    def die():
        raise WorkerKilled

    with monkeypatch.context() as patched:
        _between_batches(patched, die)
        worker_dies_during(worker_takes(run))


@pytest.fixture
def left(client, admin_user, open_cycle, unverified, queue, monkeypatch):
    """A run whose worker died after the first batch of two values."""
    client.force_login(admin_user)
    _verify_all(client, open_cycle, unverified)
    run = VerificationRun.objects.get()
    _killed_after_first_batch(run, monkeypatch)
    run.refresh_from_db()
    assert (run.status, run.verified, _verified()) == ("running", 2, 2)
    assert queued(run).status == "RUNNING"
    return run


def test_a_run_its_killed_worker_left_shows_interrupted_with_what_it_verified(
    client, open_cycle, left
):
    quiet_for(left, minutes=4)
    page = client.get(_page_url(open_cycle)).content.decode()
    assert "已审核 2 / 8 项。" in page and '<meta http-equiv="refresh" content="3">' in page
    assert "后台审核已中断" not in page

    quiet_for(left, minutes=6)
    page = client.get(_page_url(open_cycle)).content.decode()
    left.refresh_from_db()
    when = timezone.localtime(left.requested_at).strftime("%Y-%m-%d %H:%M")
    assert "<h2>后台审核已中断</h2>" in page
    assert f"kaoheban 于 {when} 提交的后台审核没有完成：已审核 2 / 8 项。" in page
    assert "应是处理它的后台进程被停止或重启了" in page
    assert "已审核的 2 项保持已审核，其余 6 项仍未审核。" in page
    assert f'action="/entry/verify/runs/{left.pk}/resume/"' in page and "继续审核" in page
    assert f'action="/entry/verify/runs/{left.pk}/discard/"' in page
    assert '<meta http-equiv="refresh"' not in page
    assert _verified() == 2


def test_an_interrupted_run_stops_no_other_verification_of_its_period(
    client, open_cycle, unverified, left
):
    quiet_for(left, minutes=6)
    page = _verify_all(client, open_cycle, unverified).content.decode()
    assert "本期间已有一次审核正在后台进行" not in page
    assert "6 项数据较多，正在后台审核，进度见下方。" in page
    left.refresh_from_db()
    assert left.status == "interrupted"
    assert VerificationRun.objects.filter(status="queued").count() == 1


def test_a_run_under_way_still_stops_a_second_one(client, open_cycle, unverified, left):
    quiet_for(left, minutes=1)
    page = _verify_all(client, open_cycle, unverified).content.decode()
    assert "本期间已有一次审核正在后台进行，请等它完成后再提交。" in page
    assert VerificationRun.objects.count() == 1
    resumed = client.post(f"/entry/verify/runs/{left.pk}/resume/", follow=True)
    assert "本期间已有一次审核正在后台进行，请等它完成后再提交。" in resumed.content.decode()
    ended = client.post(f"/entry/verify/runs/{left.pk}/discard/", follow=True)
    assert "这次后台审核没有中断，不能放弃。" in ended.content.decode()
    left.refresh_from_db()
    assert (left.status, left.attempt) == ("running", 0)


def test_an_interrupted_run_resumed_verifies_the_rest(client, open_cycle, left):
    quiet_for(left, minutes=6)

    page = client.post(f"/entry/verify/runs/{left.pk}/resume/", follow=True).content.decode()

    assert "后台审核已继续，还有 6 项待审核，进度见下方。" in page
    left.refresh_from_db()
    assert (left.status, left.attempt) == ("queued", 2)
    worker_runs(worker_takes(left))
    left.refresh_from_db()
    assert (left.status, left.verified, _verified()) == ("done", 8, 8)
    assert "已完成：已审核 8 项。" in client.get(_page_url(open_cycle)).content.decode()


def test_an_interrupted_run_ended_keeps_what_it_verified(client, open_cycle, left):
    quiet_for(left, minutes=6)

    page = client.post(f"/entry/verify/runs/{left.pk}/discard/", follow=True).content.decode()

    assert "已放弃这次后台审核；已审核的 2 项保持已审核。" in page
    assert "未完成：已审核 2 / 8 项。 后台任务中断后，由 kaoheban 放弃。" in page
    assert _verified() == 2
    again = client.post(f"/entry/verify/runs/{left.pk}/resume/", follow=True)
    assert "这次后台审核没有中断，不能继续。" in again.content.decode()


def test_a_slow_worker_whose_run_was_resumed_meanwhile_verifies_nothing(
    client, admin_user, open_cycle, unverified, queue
):
    client.force_login(admin_user)
    _verify_all(client, open_cycle, unverified)
    slow = worker_takes(VerificationRun.objects.get())
    run = VerificationRun.objects.get()
    quiet_for(run, minutes=6)
    client.post(f"/entry/verify/runs/{run.pk}/resume/")

    assert slow.task.call(**slow.args_kwargs["kwargs"]) == 0, "it stopped"

    run.refresh_from_db()
    assert (run.status, run.attempt, _verified()) == ("queued", 2, 0)
    worker_runs(worker_takes(run))
    run.refresh_from_db()
    assert (run.status, run.verified, _verified()) == ("done", 8, 8)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections write at once")
@pytest.mark.django_db(transaction=True)
def test_a_slow_worker_whose_run_was_marked_interrupted_undoes_its_batch_and_stops(
    client, admin_user, open_cycle, unverified, queue, monkeypatch
):
    """The operator's background_recover, from another connection, takes the run for
    interrupted while the slow worker verifies its second batch: that batch is undone with the
    progress it may no longer write."""
    client.force_login(admin_user)
    _verify_all(client, open_cycle, unverified)
    run = VerificationRun.objects.get()
    printed = io.StringIO()

    def recovered_by_the_operator():
        try:
            quiet_for(run, minutes=6)
            call_command("background_recover", stdout=printed)
        finally:
            connection.close()

    def recovered_meanwhile():
        operator = threading.Thread(target=recovered_by_the_operator)
        operator.start()
        operator.join(60)

    _between_batches(monkeypatch, recovered_meanwhile)
    slow = worker_takes(run)
    assert slow.task.call(**slow.args_kwargs["kwargs"]) == 0, "it stopped"

    assert "标记为中断：1 项" in printed.getvalue()
    run.refresh_from_db()
    assert (run.status, run.verified, _verified()) == ("interrupted", 2, 2)
    client.post(f"/entry/verify/runs/{run.pk}/resume/")
    worker_runs(worker_takes(run))
    run.refresh_from_db()
    assert (run.status, run.verified, _verified()) == ("done", 8, 8)


@pytest.mark.parametrize("indicators", [2, 12])
def test_the_verify_page_with_an_interrupted_run_reads_a_fixed_number_of_queries(
    client, admin_user, open_cycle, scorer, district, indicators, django_assert_max_num_queries
):
    units, made = district(cycle=open_cycle, owner=scorer, units=3, indicators=indicators)
    values_made(units, made)
    VerificationRun.objects.create(
        cycle=open_cycle,
        period="Q1",
        indicator_ids=[i.pk for i in made],
        requested_by=admin_user,
        status=VerificationRun.Status.INTERRUPTED,
        total=3 * indicators,
    )
    client.force_login(admin_user)
    # session, user, role, cycles, unverified indicators, the count, the latest run, its
    # interruption (in a savepoint where rows can be locked), verified indicators
    with django_assert_max_num_queries(11):
        page = client.get(_page_url(open_cycle)).content.decode()
    assert "<h2>后台审核已中断</h2>" in page


def test_the_admin_list_of_runs_shows_a_run_its_killed_worker_left_as_interrupted(
    client, admin_user, left
):
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    quiet_for(left, minutes=4)
    assert '<td class="field-shown_status">审核中</td>' in _admin_runs(client)

    quiet_for(left, minutes=6)

    assert '<td class="field-shown_status">已中断</td>' in _admin_runs(client)
    assert VerificationRun.objects.get().status == "running", "the list marks nothing"


def _admin_runs(client) -> str:
    return client.get("/admin/scoring/verificationrun/").content.decode()


def test_a_resumed_run_names_who_resumed_it_for_the_values_verified_after(
    client, admin_user, open_cycle, left
):
    quiet_for(left, minutes=6)
    colleague = user_with_role("kaoheban2", roles.ADMIN)
    client.force_login(colleague)

    client.post(f"/entry/verify/runs/{left.pk}/resume/")
    worker_runs(worker_takes(left))

    verifiers = IndicatorValue.objects.values_list("verified_by__username", flat=True)
    assert sorted(verifiers) == ["kaoheban"] * 2 + ["kaoheban2"] * 6
    left.refresh_from_db()
    assert (left.requested_by, left.resumed_by, left.status) == (admin_user, colleague, "done")
    page = client.get(_page_url(open_cycle)).content.decode()
    resumed = timezone.localtime(left.resumed_at).strftime("%Y-%m-%d %H:%M")
    assert "最近一次后台审核（kaoheban，" in page
    assert f"kaoheban2 于 {resumed} 继续了这次审核：此后审核的数据记为 kaoheban2 审核。" in page
