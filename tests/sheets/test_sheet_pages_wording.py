"""The import pages' words: the history's heading and uploader, the preview's period as the
page says it, singular and plural in English, counts grouped the reader's way."""

import re

import pytest

from scoring.models import Cycle, ImportRecord

INDEX = "/entry/sheets/"
MESSAGE = re.compile(r'<li class="msg-(\w+)">(.*?)</li>')


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def record_made(district, scorer, **fields):
    return ImportRecord.objects.create(
        kind=ImportRecord.Kind.SCORER_SHEET,
        cycle=district["cycle"],
        file_name="统计局.xlsx",
        size=1,
        sha256="0" * 64,
        uploaded_by=scorer,
        **fields,
    )


def test_the_history_is_headed_as_such_and_names_who_uploaded(english, district, scorer):
    record_made(district, scorer, status=ImportRecord.Status.FAILED, problem_count=2)
    english.force_login(scorer)
    page = english.get(INDEX).content.decode()
    assert "<h2>Import history</h2>" in page
    assert "<th>Uploaded by</th>" in page and "Imported by" not in page
    english.cookies["django_language"] = "zh-hans"
    page = english.get(INDEX).content.decode()
    assert "<h2>导入记录</h2>" in page and "<th>上传人</th>" in page


def test_the_history_groups_changed_rows_by_thousands_in_english(english, district, scorer):
    record_made(district, scorer, status=ImportRecord.Status.IMPORTED, rows_changed=12345)
    english.force_login(scorer)
    assert '<td class="num">12,345</td>' in english.get(INDEX).content.decode()
    english.cookies["django_language"] = "zh-hans"
    assert '<td class="num">12345</td>' in english.get(INDEX).content.decode()


@pytest.mark.parametrize(
    ("state", "notice"),
    [
        (Cycle.State.CLOSED, "2026年度考核 is closed and takes no more imports."),
        (Cycle.State.PUBLISHED, "2026年度考核 is published and takes no more imports."),
    ],
)
def test_a_locked_cycle_refuses_imports_in_its_own_words(english, district, scorer, state, notice):
    Cycle.objects.filter(pk=district["cycle"].pk).update(state=state)
    english.force_login(scorer)
    assert notice in english.get(INDEX).content.decode()


def test_the_preview_names_the_period_as_the_page_does(client, district, scorer, xlsx):
    client.force_login(scorer)
    upload = xlsx([["unit", "GDP"], ["ZJ01", 19]])
    page = client.post(INDEX, {"period": "Q1", "file": upload}, follow=True).content.decode()
    changes = page[page.index('<table class="data import-changes">') :]
    assert "<td>第一季度</td>" in changes and "<td>Q1</td>" not in changes
    assert "2026年度考核 · 第一季度 ·" in page


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        ([["ZJ01", 19]], "1 value updated."),
        ([["ZJ01", 19], ["JJ01", 18]], "2 values updated."),
    ],
)
def test_a_confirmed_import_says_value_or_values_in_english(
    english, district, scorer, xlsx, rows, said
):
    english.force_login(scorer)
    upload = xlsx([["unit", "GDP"], *rows], name="q1.xlsx")
    english.post(INDEX, {"period": "Q1", "file": upload})
    record = ImportRecord.objects.get()
    response = english.post(f"/entry/sheets/imports/{record.pk}/confirm/", follow=True)
    assert MESSAGE.findall(response.content.decode()) == [
        ("success", f"Imported “q1.xlsx”: {said}")
    ]


def test_the_preview_groups_its_counts_by_thousands_in_english(english, district, scorer):
    unit, indicator = district["units"]["ZJ01"], district["indicators"]["GDP"]
    changes = [[unit.pk, indicator.pk, "Q1", None, "1"]] * 2234
    record = record_made(district, scorer, rows_changed=2234, changes=changes)
    english.force_login(scorer)
    page = english.get(f"/entry/sheets/imports/{record.pk}/").content.decode()
    assert "Preview: 2,234 values will change" in page
    assert "1,234 more changes not shown." in page
    english.cookies["django_language"] = "zh-hans"
    page = english.get(f"/entry/sheets/imports/{record.pk}/").content.decode()
    assert "预览：将变更 2234 个数值" in page and "另有 1234 条变更未显示。" in page


@pytest.mark.parametrize(
    ("status", "fields", "said"),
    [
        ("failed", {"problem_count": 1}, "Found 1 problem; nothing was imported."),
        ("failed", {"problem_count": 1500}, "Found 1,500 problems; nothing was imported."),
        ("discarded", {"rows_changed": 1}, "Discarded: 1 change was not written"),
        ("discarded", {"rows_changed": 4000}, "Discarded: 4,000 changes were not written"),
    ],
)
def test_a_finished_import_counts_in_english(english, district, scorer, status, fields, said):
    record = record_made(district, scorer, status=status, **fields)
    english.force_login(scorer)
    assert said in english.get(f"/entry/sheets/imports/{record.pk}/").content.decode()


def test_the_progress_of_a_big_file_reads_grouped_in_english(english, district, scorer):
    record = record_made(district, scorer, status="processing", total_rows=14400)
    ImportRecord.objects.filter(pk=record.pk).update(processed_rows=1200)
    english.force_login(scorer)
    page = english.get(f"/entry/sheets/imports/{record.pk}/").content.decode()
    assert '<span class="done">1,200</span> / 14,400' in page
    assert 'max="14400" value="1200"' in page
    progress = english.get(f"/entry/sheets/imports/{record.pk}/progress/").json()
    assert (progress["processed_rows"], progress["processed_text"]) == (1200, "1,200")
