import os
import subprocess
import sys
from pathlib import Path

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


def test_deploy_check_reports_nothing_in_production():
    result = manage("check", "--deploy", DJANGO_SECRET_KEY="k" * 20 + "-Zq8#pL2$vR9!mW4&xT7^" * 2)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
