"""`{% listing %}` reads items that are more than text, such as links, as one list in the
page's language, each item escaped as any template's output."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

LINKS = Template(
    '{% load words %}{% listing unit in units %}<a href="/u/{{ unit.code }}/">{{ unit.name }}</a>'
    "{% endlisting %}"
)
UNITS = [{"code": "ZJ01", "name": "城关街道"}, {"code": "ZJ02", "name": "东城<街道>"}]


def test_links_are_read_as_a_chinese_list():
    with translation.override("zh-hans"):
        rendered = LINKS.render(Context({"units": UNITS}))
    assert rendered == ('<a href="/u/ZJ01/">城关街道</a>、<a href="/u/ZJ02/">东城&lt;街道&gt;</a>')


def test_links_are_read_as_an_english_list():
    with translation.override("en"):
        rendered = LINKS.render(Context({"units": UNITS[:1] * 2}))
    assert rendered == '<a href="/u/ZJ01/">城关街道</a>, <a href="/u/ZJ01/">城关街道</a>'


def test_no_items_give_nothing_and_the_name_is_not_left_behind():
    rendered = Template(
        "{% load words %}{% listing unit in units %}{{ unit }}{% endlisting %}[{{ unit }}]"
    ).render(Context({"units": [], "unit": "外面"}))
    assert rendered == "[外面]"


def test_a_listing_without_in_is_refused():
    with pytest.raises(TemplateSyntaxError, match="listing item in items"):
        Template("{% load words %}{% listing units %}{% endlisting %}")
