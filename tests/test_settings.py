import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template import loader
from django.test import Client

from cadre import navigation

ROOT = Path(__file__).resolve().parents[1]


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_SECURE_SSL", "of"),
        ("DJANGO_DEBUG", "ture"),
        ("SCORING_UPLOAD_MAX_BYTES", "20MB"),
        ("DATABASE_CONN_MAX_AGE", "1 minute"),
        ("DJANGO_PROXY_COUNT", "-1"),
    ],
)
def test_a_mistyped_setting_stops_the_start_naming_the_variable_and_its_value(variable, value):
    result = manage("check", **{"DJANGO_SECRET_KEY": "k" * 50, variable: value})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {variable}='{value}' is" in result.stderr


def test_an_empty_switch_in_the_environment_file_keeps_its_default():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)",
        DJANGO_SECRET_KEY="k" * 50,
        DJANGO_SECURE_SSL="",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "True"


def test_deploy_check_reports_nothing_in_production():
    result = manage("check", "--deploy", DJANGO_SECRET_KEY="k" * 20 + "-Zq8#pL2$vR9!mW4&xT7^" * 2)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_log_lines_carry_the_time_the_level_and_the_logger():
    result = manage(
        "shell",
        "-c",
        "import logging; logging.getLogger('kaohe.check').warning('hello')",
        DJANGO_SECRET_KEY="k" * 50,
    )
    assert result.returncode == 0, result.stderr
    line = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING kaohe\.check hello$"
    assert re.search(line, result.stderr, re.MULTILINE), result.stderr


def test_a_server_error_page_needs_no_request_no_database_and_speaks_both_languages():
    page = loader.get_template("500.html").render()  # without the db mark: no query allowed
    assert "服务器出错了" in page and "Server error" in page
    assert page.index("<h1>服务器出错了") < page.index("<h1>Server error")  # Chinese first


@pytest.mark.django_db
def test_an_error_in_a_view_answers_the_500_page(settings, monkeypatch):
    settings.DEBUG = False

    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(navigation, "user_sections", broken)
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.create_user("someone"))
    response = client.get("/")
    assert response.status_code == 500
    assert "服务器出错了" in response.content.decode()
    assert "Server Error (500)" not in response.content.decode()


@pytest.mark.django_db
def test_a_refused_page_is_one_log_line_and_a_server_error_keeps_its_traceback(
    settings, monkeypatch, caplog
):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.create_user("someone"))
    assert client.get("/entry/cycles/").status_code == 403

    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(navigation, "user_sections", broken)
    assert client.get("/").status_code == 500
    refusal, error = [r for r in caplog.records if r.name == "django.request"]
    assert refusal.getMessage() == "Forbidden (Permission denied): /entry/cycles/"
    assert refusal.exc_info is None
    assert error.levelname == "ERROR" and "RuntimeError: boom" in caplog.text


@pytest.mark.django_db
def test_a_request_for_a_host_not_allowed_is_one_warning_line(settings, caplog):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["kaohe.example.gov.cn"]
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="10.0.0.7")
    assert response.status_code == 400
    (refusal,) = [r for r in caplog.records if r.name.startswith("django.security")]
    assert refusal.levelname == "WARNING" and refusal.exc_info is None
    assert "You may need to add '10.0.0.7' to ALLOWED_HOSTS." in refusal.getMessage()


def test_sessions_end_with_the_browser_and_last_ten_hours_at_most():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE == 10 * 60 * 60
