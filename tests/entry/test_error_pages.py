"""The pages a clerk sees when a form cannot be taken, with DEBUG off as in production: an
expired page (CSRF failure: logged out, or logged in again elsewhere) and a request the server
refuses (400). Both say in Chinese that nothing was saved and how to go on, not Django's
"CSRF verification failed" or "Bad Request (400)"."""

import pytest
from django.test import Client

from tests.entry.conftest import grid_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False


@pytest.fixture
def scorers_grid(open_cycle, scorer, district):
    """The scorer's grid of the first quarter (two towns, two indicators): its URL and a post
    of two typed cells."""
    (town1, town2), (x1, _x2) = district(cycle=open_cycle, owner=scorer, units=2, indicators=2)
    url = f"/entry/?cycle={open_cycle.year}&period=Q1"
    return url, grid_post(open_cycle, "Q1", {(town1, x1, 0): "7", (town2, x1, 0): "8"})


def test_a_save_from_an_expired_page_says_it_expired_and_nothing_was_saved(
    production, scorer, scorers_grid
):
    url, typed = scorers_grid
    client = Client(enforce_csrf_checks=True)
    client.force_login(scorer)
    response = client.post(url, typed)
    page = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in page
    assert "刚才提交的内容没有保存" in page
    assert "输入过但未保存的单元格会自动恢复" in page
    # The way back is a fresh copy of the grid, with a token that is valid again.
    assert f'<a href="{url.replace("&", "&amp;")}">重新打开刚才的页面</a>' in page
    assert "CSRF" not in page
    assert 'class="topbar"' in page  # the site's own page, with its top bar


def test_a_request_the_server_refuses_says_nothing_was_saved(
    production, settings, scorer, scorers_grid
):
    url, typed = scorers_grid
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    client = Client()
    client.force_login(scorer)
    response = client.post(url, typed)
    page = response.content.decode()
    assert response.status_code == 400
    assert "请求无法处理" in page
    assert "没有保存任何数据" in page
    assert f'<a href="{url.replace("&", "&amp;")}">重新打开刚才的页面</a>' in page
    assert "Bad Request" not in page


def test_the_400_page_of_an_unknown_host_offers_no_way_back_to_an_unresolved_address(production):
    response = Client().get("/entry/", HTTP_HOST="evil.example")
    page = response.content.decode()
    assert response.status_code == 400
    assert "请求无法处理" in page
    assert "重新打开刚才的页面</a>" not in page
