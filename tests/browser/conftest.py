"""Playwright driving Debian's Chromium against the live test server.

`playwright install` cannot download browsers here, so the tests use /usr/bin/chromium
(apt-get install chromium) and are skipped with a reason where it is missing.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is intended.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TABLET = {"width": 768, "height": 1024}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def open_page(browser, live_server):
    """Open a page in a browser asking for the language, at the viewport's size; further
    options (is_mobile, device_scale_factor…) make it a phone's."""
    contexts = []

    def open_(language="en-US", viewport=TABLET, **options):
        context = browser.new_context(
            base_url=live_server.url, locale=language, viewport=viewport, **options
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_
    for context in contexts:
        context.close()


def log_in(page, username, password):
    """Log in through the login form, as a person would."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def login(page):
    return lambda username, password: log_in(page, username, password)


@pytest.fixture
def screenshot(page):
    """Save a screenshot under test-artifacts/ for a person to look at."""

    def take(name):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def demo_district():
    """The demo district: 2026 open with Q1–Q3 computed, 2025 published, officials with their
    growth records."""
    call_command("load_demo", verbosity=0)


@pytest.fixture
def leader_in(page, login, live_server):
    """Log the demo leader in, reading the pages in a language ("en", "zh-hans")."""

    def open_as_leader(language):
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        login("leader", "Kaohe@2026")

    return open_as_leader
