"""A NUL character, which PostgreSQL refuses in any text it is sent, in a search or in a unit
code of a URL answers an empty result or 404, never 500 (run on PostgreSQL to mean anything)."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from cadre.models import Official

pytestmark = pytest.mark.django_db


def test_a_nul_in_the_officials_search_finds_nobody(leader_client, stored_year, town_units):
    Official.objects.create(code="O1", name="张强", unit=town_units[0], position="书记")
    for query in ("%00", "张%00", "%00张"):
        response = leader_client.get(f"/dashboard/officials/?q={query}")
        assert response.status_code == 200, query
        assert list(response.context["page"]) == []


def test_a_nul_in_the_officials_search_exports_nobody(leader_client, stored_year, town_units):
    Official.objects.create(code="O1", name="张强", unit=town_units[0], position="书记")
    response = leader_client.get("/dashboard/officials/export/?cycle=2025&q=张%00")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    assert "张强" not in {cell for row in sheet.iter_rows(values_only=True) for cell in row}


@pytest.mark.parametrize("url", ["/dashboard/unit/{code}/", "/entry/units/{code}/history/"])
@pytest.mark.parametrize("code", ["%00", "ZJ%0001"])
def test_a_nul_in_a_unit_code_of_a_url_is_not_found(leader_client, stored_year, url, code):
    assert leader_client.get(url.format(code=code)).status_code == 404
