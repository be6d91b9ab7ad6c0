"""The main pages can be used with a screen reader: every field is named, every button says
what it does, every table has header cells, no two elements share an id (a label or a
description would name the wrong one), and the page says which language it speaks."""

import io
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client

from talent.models import StarTree

UNNAMED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageReading(HTMLParser):
    """What a screen reader would miss on one page: fields without a label or aria-label,
    buttons without text, tables without header cells, ids used twice; and the page's lang
    attribute."""

    def __init__(self):
        super().__init__()
        self.lang = None
        self.label_targets = set()
        self.fields = []  # (description, id, inside a label, named by an aria attribute)
        self.labels_open = 0
        self.buttons_unnamed = []
        self.button = None  # [description, text so far] of the button being read
        self.tables = []  # [description, has a header cell] per table, innermost last
        self.tables_without_headers = []
        self.ids = Counter()

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if attrs.get("id"):
            self.ids[attrs["id"]] += 1
        description = f"<{tag} name={attrs.get('name', '')!r} id={attrs.get('id', '')!r}>"
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "label":
            self.labels_open += 1
            if attrs.get("for"):
                self.label_targets.add(attrs["for"])
        elif tag in {"input", "select", "textarea"}:
            if tag == "input" and attrs.get("type", "text") in UNNAMED_INPUT_TYPES:
                return
            named = bool(attrs.get("aria-label", "").strip() or attrs.get("aria-labelledby"))
            self.fields.append((description, attrs.get("id"), self.labels_open > 0, named))
        elif tag == "button":
            self.button = [description, attrs.get("aria-label", "") + attrs.get("title", "")]
        elif tag == "table":
            self.tables.append([description, False])
        elif tag == "th" and self.tables:
            self.tables[-1][1] = True

    def handle_endtag(self, tag):
        if tag == "label":
            self.labels_open -= 1
        elif tag == "button" and self.button:
            if not self.button[1].strip():
                self.buttons_unnamed.append(self.button[0])
            self.button = None
        elif tag == "table" and self.tables:
            description, has_headers = self.tables.pop()
            if not has_headers:
                self.tables_without_headers.append(description)

    def handle_data(self, data):
        if self.button:
            self.button[1] += data

    def problems(self):
        unlabelled = [
            description
            for description, field_id, inside_label, named in self.fields
            if not (inside_label or named or (field_id and field_id in self.label_targets))
        ]
        return (
            [f"field without a label: {d}" for d in unlabelled]
            + [f"button without text: {d}" for d in self.buttons_unnamed]
            + [f"table without header cells: {d}" for d in self.tables_without_headers]
            + [f"id used {count} times: {id_!r}" for id_, count in self.ids.items() if count > 1]
        )


def page_problems(client, url, language):
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200, url
    reading = PageReading()
    reading.feed(response.content.decode())
    problems = [f"{url}: {problem}" for problem in reading.problems()]
    if reading.lang != language:
        problems.append(f"{url}: <html lang={reading.lang!r}>, the page speaks {language}")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_main_pages_name_every_field_button_and_table_for_a_screen_reader(language):
    call_command("load_demo", stdout=io.StringIO())
    client = Client()
    problems = page_problems(client, "/accounts/login/", language)
    client.login(username="admin", password="Kaohe@2026")
    for url in [
        "/dashboard/",
        "/dashboard/unit/ZJ01/",
        "/dashboard/distance/",
        "/dashboard/compare/",
        "/dashboard/whatif/",
        "/dashboard/officials/",
        "/dashboard/official/ZJ01-01/",
        "/entry/",
        "/entry/votes/",
        "/entry/sheets/",
        "/entry/workbook/",
        "/entry/cycles/",
        "/entry/adjustments/",
        "/entry/verify/",
        "/entry/units/ZJ01/history/",
        "/talent/",
        "/talent/registry/",
        "/talent/registry/new/",
        "/talent/awards/",
        "/talent/subsidies/",
        "/talent/subsidies/new/",
        f"/talent/star/{StarTree.objects.first().pk}/",
    ]:
        problems += page_problems(client, url, language)
    assert problems == []


def test_a_count_outside_any_label_is_found():
    reading = PageReading()
    reading.feed(
        '<html lang="zh-hans"><table><tr><td><input name="g1-excellent" id="id_g1">'
        '</td></tr></table><label>单位 <select name="unit"></select></label>'
        '<label for="id_q">期间</label><input id="id_q" name="q"><button></button>'
        '<p id="id_q"></p></html>'
    )
    assert reading.problems() == [
        "field without a label: <input name='g1-excellent' id='id_g1'>",
        "button without text: <button name='' id=''>",
        "table without header cells: <table name='' id=''>",
        "id used 2 times: 'id_q'",
    ]
