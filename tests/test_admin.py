import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from scoring.tasks import sheet_import_prepare_task

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


ADMIN_LISTS = [
    "cadre/unit",
    "cadre/official",
    "scoring/indicator",
    "scoring/indicatorvalue",
    "scoring/cycle",
    "scoring/unitresult",
    "scoring/vote",
    "scoring/adjustment",
]


def test_every_list_renders_the_demo_in_fixed_queries(admin_client, django_assert_max_num_queries):
    call_command("load_demo")
    for model in ADMIN_LISTS:
        with django_assert_max_num_queries(12):
            response = admin_client.get(f"/admin/{model}/")
        assert response.status_code == 200, model


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
