"""An import whose values changed between its preview and its confirmation: what is already as
the file says is no conflict, and what is not is named with who changed it, without blaming
the file."""

from decimal import Decimal

import pytest

from scoring.models import ImportRecord, IndicatorValue
from scoring.services.sheets import ImportRefused, sheet_import_commit
from scoring.services.verification import values_verify_request
from tests.sheets.records import import_start


@pytest.fixture
def scorer_client(client, scorer):
    client.force_login(scorer)
    return client


def _file(xlsx, figure):
    return xlsx([["unit", "GDP"], ["ZJ01", figure], ["JJ01", 12.5]], name=f"gdp-{figure}.xlsx")


def test_values_already_as_the_file_says_are_no_conflict(district, scorer, xlsx):
    first = import_start(district, scorer, _file(xlsx, 18))
    again = import_start(district, scorer, _file(xlsx, 18))
    assert sheet_import_commit(record=first, by=scorer) == 2
    history = IndicatorValue.history.count()
    # The same file a second time: nothing left to change, and nothing refused.
    assert sheet_import_commit(record=again, by=scorer) == 0
    again.refresh_from_db()
    assert (again.status, again.errors) == ("imported", [])
    assert IndicatorValue.history.count() == history


def test_an_import_out_of_date_names_each_value_and_who_changed_it(
    district, scorer, xlsx, scorer_client
):
    first = import_start(district, scorer, _file(xlsx, 18))
    other = import_start(district, scorer, _file(xlsx, 19))
    sheet_import_commit(record=other, by=scorer)
    with pytest.raises(ImportRefused, match="预览之后有 1 个数值已被修改"):
        sheet_import_commit(record=first, by=scorer)
    first.refresh_from_db()
    assert first.status == "failed"
    # JJ01's 12.5 is stored as the file says: only ZJ01's figure is in the way.
    assert [error["changed"] for error in first.errors] == [
        {
            "unit": "城关街道（ZJ01）",
            "indicator": "GDP GDP",
            "period": "第一季度",
            "then": "15",
            "now": "19",
            "file": "18",
            "by": f"stats，导入记录 #{other.pk}",
        }
    ]
    assert IndicatorValue.objects.get(unit__code="ZJ01").value == Decimal(19)

    page = scorer_client.get(f"/entry/sheets/imports/{first.pk}/").content.decode()
    assert "预览之后数据已有变动，这次导入没有写入任何数据" in page
    assert "发现 1 个问题" not in page and "请修改文件" not in page
    assert "已过期" in page and "有错误" not in page
    assert "<td>城关街道（ZJ01）</td>" in page and f"stats，导入记录 #{other.pk}" in page


def test_who_changed_a_value_is_named_though_it_was_verified_since(
    district, scorer, admin_user, xlsx
):
    first = import_start(district, scorer, _file(xlsx, 18))
    other = import_start(district, scorer, _file(xlsx, 19))
    sheet_import_commit(record=other, by=scorer)
    values_verify_request(
        cycle=district["cycle"],
        period="Q1",
        indicator_ids=list(IndicatorValue.objects.values_list("indicator_id", flat=True)),
        by=admin_user,
    )
    with pytest.raises(ImportRefused):
        sheet_import_commit(record=first, by=scorer)
    first.refresh_from_db()
    assert [error["changed"]["by"] for error in first.errors] == [f"stats，导入记录 #{other.pk}"]


def test_an_upload_names_a_pending_import_of_the_same_period(district, scorer, admin_user, xlsx):
    first = import_start(district, scorer, _file(xlsx, 18))
    warning = (
        f"上传的“gdp-18.xlsx”（导入记录 #{first.pk}）也是这一期间的数据，还没有确认："
        "请只确认其中一次，放弃另一次。"
    )

    def warned(record) -> bool:
        return any(warning in notice for notice in record.notices)

    assert warned(import_start(district, scorer, _file(xlsx, 19)))
    # Another period, another scorer's upload, an import no longer pending: nothing to warn of.
    assert not warned(import_start(district, scorer, _file(xlsx, 19), period="Q2"))
    assert not warned(import_start(district, admin_user, _file(xlsx, 17)))
    # A file refused for its errors has nothing to confirm.
    refused = import_start(district, scorer, xlsx([["unit", "GDP"], ["ZJ01", 16], ["JJ01", "abc"]]))
    assert refused.status == ImportRecord.Status.FAILED
    assert not any("请只确认其中一次" in notice for notice in refused.notices)
    ImportRecord.objects.filter(pk=first.pk).update(status=ImportRecord.Status.DISCARDED)
    assert not warned(import_start(district, scorer, _file(xlsx, 20)))
