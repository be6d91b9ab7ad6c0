import io
from datetime import UTC, datetime

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from import_export.formats.base_formats import XLSX
from import_export.mixins import BaseExportMixin

from cadre.models import UnitCategory
from scoring.models import Cycle, ResultSnapshot, VerificationRun
from scoring.tasks import sheet_import_prepare_task
from talent.models import AwardRound, Nomination, ReviewScore, StarTree

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("boss", password="pw-long-enough")
    client.force_login(user)
    return client


def test_login_page_speaks_chinese(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()
    assert "千分制干部综合考核 · 后台管理" in response.content.decode()


def test_login_page_speaks_english_on_request(client):
    response = client.get("/admin/login/", headers={"accept-language": "en"})
    assert "Log in" in response.content.decode()


# Apps whose admin lists a clerk pages through; the framework's own (users, tasks) are Django's.
PROJECT_APPS = {"cadre", "scoring", "talent"}
# No list needs more: session, user, counts, filters' choices, the page's rows.
ADMIN_LIST_QUERIES_MAX = 12


def project_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PROJECT_APPS
    ]


def demo_rows_topped_up() -> None:
    """Give every model with an admin list at least two rows: with one row, a page of one row
    and a full page are the same page and the comparison proves nothing."""
    call_command("load_demo")
    experts = get_user_model().objects.filter(username__startswith="expert")
    ReviewScore.objects.bulk_create(
        ReviewScore(nomination=nomination, reviewer=expert, score=80)
        for nomination in Nomination.objects.all()
        for expert in experts
    )
    AwardRound.objects.create(name="上一届评选", year=2024)
    StarTree.objects.create(name="另一棵星级树", year=2025)
    cycle = Cycle.objects.get(year=2025)
    ResultSnapshot.objects.create(cycle=cycle, published_by=experts.first())
    VerificationRun.objects.bulk_create(
        VerificationRun(cycle=cycle, period=period, requested_by=experts.first(), total=30_000)
        for period in ("Q1", "Q2")
    )


def test_every_admin_list_runs_the_same_queries_for_one_row_and_a_full_page(
    admin_client, django_assert_max_num_queries, monkeypatch
):
    demo_rows_topped_up()
    queries = {}
    for model, model_admin in project_admins():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert model.objects.count() >= 2, url
        counts = []
        # A related object read per row shows as one more query per row on the full page.
        for rows_per_page in (1, admin.ModelAdmin.list_per_page):
            monkeypatch.setattr(model_admin, "list_per_page", rows_per_page)
            with django_assert_max_num_queries(ADMIN_LIST_QUERIES_MAX) as page:
                assert admin_client.get(url).status_code == 200, url
            counts.append(len(page.captured_queries))
        queries[url] = counts
    assert {url: counts for url, counts in queries.items() if counts[0] != counts[1]} == {}


# 17:30 in UTC is 01:30 the next morning in Shanghai.
SHANGHAI_NEXT_MORNING = datetime(2026, 11, 21, 17, 30, tzinfo=UTC)


def test_every_admin_list_can_be_exported(admin_client):
    without_export = [
        model.__name__
        for model, model_admin in project_admins()
        if not isinstance(model_admin, BaseExportMixin)
    ]
    assert without_export == []
    AwardRound.objects.create(name='=HYPERLINK("http://x")', year=2026)
    form = {"format": "0", "resource": "0", "awardroundresource_name": "on"}
    response = admin_client.post("/admin/talent/awardround/export/", form)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet["A"]] == ["name", '\'=HYPERLINK("http://x")']


def test_every_admin_export_is_dated_with_the_districts_day(admin_client, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: SHANGHAI_NEXT_MORNING)
    for model, model_admin in project_admins():
        name = model_admin.get_export_filename(None, model.objects.none(), XLSX())
        assert name == f"{model.__name__}-2026-11-22.xlsx"

    UnitCategory.objects.create(code="ZJ", name="镇街")
    form = {"format": "0", "resource": "0", "unitcategoryresource_code": "on"}
    response = admin_client.post("/admin/cadre/unitcategory/export/", form)
    assert response["Content-Disposition"] == 'attachment; filename="UnitCategory-2026-11-22.xlsx"'


def test_tree_problems_are_shown_to_the_admin(admin_client, make_indicator):
    area = make_indicator("A1", 900, method="")
    make_indicator("A1.1", 900, parent=area)
    response = admin_client.get(
        reverse("admin:scoring_cycle_change", args=[area.cycle.pk]), follow=True
    )
    assert "一级指标分值合计 900.00，应为 1000。" in response.content.decode()


def test_the_background_tasks_admin_speaks_chinese(admin_client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sheet_import_prepare_task.enqueue(record_id=1)
    index = admin_client.get("/admin/").content.decode()
    assert "后台任务" in index and "Tasks Database Backend" not in index
    tasks = admin_client.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    assert "状态" in tasks and "排队时间" in tasks and "等待运行" in tasks


def test_an_operator_reads_the_background_verifications_and_changes_none(admin_client, cycle):
    VerificationRun.objects.create(
        cycle=cycle,
        period="Q3",
        requested_by=get_user_model().objects.get(),
        status=VerificationRun.Status.INTERRUPTED,
        total=30_000,
        verified=20_000,
        message="本期间已关闭",
    )
    listed = admin_client.get("/admin/scoring/verificationrun/").content.decode()
    for shown in ("2026年度考核", "第三季度", "boss", "已中断", "30000", "20000", "本期间已关闭"):
        assert shown in listed, shown
    for column in ("提交时间", "待审核条数", "已审核条数", "最近进展时间", "结束时间", "说明"):
        assert column in listed, column
    assert "/admin/scoring/verificationrun/add/" not in listed
    run = VerificationRun.objects.get()
    page = admin_client.get(f"/admin/scoring/verificationrun/{run.pk}/change/").content.decode()
    assert "本期间已关闭" in page and 'name="_save"' not in page
    deleted = admin_client.post(f"/admin/scoring/verificationrun/{run.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403 and VerificationRun.objects.exists()


def test_the_import_libraries_garbled_chinese_is_corrected():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Some rows failed to validate") == "部分行未通过校验"
