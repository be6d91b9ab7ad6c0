"""A re-import of a cycle's own export changes nothing the file does not say."""

import pytest
from django.contrib.auth import get_user_model

from cadre.models import Unit, UnitCategory
from scoring.models import Adjustment, Indicator
from tests.workbook.conftest import export_bytes, import_bytes, sheets_read, xlsx

pytestmark = pytest.mark.django_db


def test_formula_like_text_survives_export_import_export(small_sheets):
    import_bytes(xlsx(small_sheets))
    Unit.objects.filter(code="ZJ01").update(name="=1+1")
    Indicator.objects.filter(code="A1.1").update(name="=SUM(A1:A9)")
    Adjustment.objects.update(reason='=HYPERLINK("http://x","点击")', approved_by="-区委")
    first = export_bytes(2027)
    assert sheets_read(first)["units"][1][1] == "'=1+1"
    import_bytes(first)
    assert sheets_read(export_bytes(2027)) == sheets_read(first)
    assert Unit.objects.get(code="ZJ01").name == "=1+1"
    assert Indicator.objects.get(code="A1.1").name == "=SUM(A1:A9)"
    assert Adjustment.objects.get().approved_by == "-区委"


def test_a_reimport_keeps_the_scorers_and_the_order_of_units(small_sheets):
    import_bytes(xlsx(small_sheets))
    scorer = get_user_model().objects.create_user("scorer", password="pw-long-enough")
    Indicator.objects.get(code="A1.1").owners.add(scorer)
    Unit.objects.filter(code="ZJ01").update(sort_order=30)
    UnitCategory.objects.filter(code="JJ").update(sort_order=0)
    import_bytes(export_bytes(2027))
    assert list(scorer.owned_indicators.values_list("code", flat=True)) == ["A1.1"]
    assert Unit.objects.get(code="ZJ01").sort_order == 30
    assert UnitCategory.objects.get(code="JJ").sort_order == 0
