"""The entry grid's "still empty" counter groups its digits as the page's language does.

Django's intcomma writes 6,224 in English and 6224 in Chinese (zh_Hans has no thousands
separator); the counter says the same when the page is first served and after every keystroke.
"""

import re

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.management import call_command
from django.utils import translation

from scoring.demo import DEMO_PASSWORD
from scoring.models import Cycle
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A count of four digits or more, as each language writes it.
WRITTEN = {"en": re.compile(r"\d{1,3}(,\d{3})+"), "zh-hans": re.compile(r"\d{4,}")}
SERVED_STATUS = re.compile(
    r'<strong id="missing-count">([^<]*)</strong> / ([^<]*)</span>', flags=re.S
)


def written(number, language):
    with translation.override(language):
        return intcomma(number)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_counter_of_empty_cells_groups_digits_like_the_rest_of_the_page(
    page, login, live_server, language
):
    call_command("load_demo", verbosity=0)
    cycle = Cycle.objects.get(year=2026)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    login("admin", DEMO_PASSWORD)
    url = f"/entry/?cycle={cycle.year}&period=Q4"

    # As served, before any script runs.
    served = SERVED_STATUS.search(page.request.get(url).text())
    page.goto(url)
    inputs = page.locator("td.cell input")
    total = inputs.count()
    assert total >= 1000
    empty = inputs.evaluate_all("cells => cells.filter(c => c.value.trim() === '').length")
    assert empty >= 1000
    assert served.groups() == (written(empty, language), written(total, language))
    assert WRITTEN[language].fullmatch(served.group(1))

    # As the script keeps it.
    missing = page.locator("#missing-count")
    status = missing.locator("xpath=..")
    assert missing.inner_text() == written(empty, language)
    assert status.inner_text().endswith(f"{written(empty, language)} / {written(total, language)}")

    first, second = inputs.nth(0), inputs.nth(1)
    first.click()
    page.keyboard.type("1")
    assert missing.inner_text() == written(empty - 1, language)
    second.click()
    page.keyboard.type("1")
    assert missing.inner_text() == written(empty - 2, language)
    assert WRITTEN[language].fullmatch(missing.inner_text())
    # The top of the grid, where the counter is (the whole page is thousands of cells long).
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"entry-counter-{language}.png"))

    first.fill("")
    assert missing.inner_text() == written(empty - 1, language)
    assert status.inner_text().endswith(
        f"{written(empty - 1, language)} / {written(total, language)}"
    )
