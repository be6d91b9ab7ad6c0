"""The English of the talent pages' msgids that locale/en does not hold yet.

Tests that read an English page add these to the English catalog for their duration
(`english_catalog`), so that they check what an English reader will see once the translations
are in locale/en/LC_MESSAGES/django.po. A plural entry gives its singular and plural forms;
a key "context\x04msgid" is a pgettext entry, as gettext stores it.
"""

from django.utils.translation import trans_real

ENGLISH = {
    "星级认证": "Star certification",
    "否": "No",
    "另有 %(count)s 个问题未列出。": (
        "And %(count)s more problem.",
        "And %(count)s more problems.",
    ),
    "%(counted)s，%(pct)s%% ≥ %(need)s%%": "%(counted)s, %(pct)s%% ≥ %(need)s%%",
    "%(counted)s，%(pct)s%% < %(need)s%%": "%(counted)s, %(pct)s%% < %(need)s%%",
    "%(total)s 个党支部中 %(ten)s 个十星": (
        "%(ten)s of %(total)s party branch ten-star",
        "%(ten)s of %(total)s party branches ten-star",
    ),
    "%(total)s 个党员中 %(ten)s 个十星": (
        "%(ten)s of %(total)s party member ten-star",
        "%(ten)s of %(total)s party members ten-star",
    ),
    "%(total)s 个文明户中 %(ten)s 个十星": (
        "%(ten)s of %(total)s household ten-star",
        "%(ten)s of %(total)s households ten-star",
    ),
    "上级“%(parent)s”不存在或不是社区党委。": (
        "The parent “%(parent)s” does not exist or is not a community party committee."
    ),
    "上级“%(parent)s”不存在或不是党支部。": (
        "The parent “%(parent)s” does not exist or is not a party branch."
    ),
    "上级“%(parent)s”不存在或不是党员。": (
        "The parent “%(parent)s” does not exist or is not a party member."
    ),
    "<strong>%(level)s %(name)s</strong>：十星 — %(reason)s": (
        "<strong>%(level)s %(name)s</strong>: ten-star — %(reason)s"
    ),
    "<strong>%(level)s %(name)s</strong>：不是十星 — %(reason)s": (
        "<strong>%(level)s %(name)s</strong>: not ten-star — %(reason)s"
    ),
    "%(count)s 个评分无效，本次评分均未保存；请修改标出的评分后重新保存。": (
        "%(count)s score is invalid, so none were saved; correct the marked score and save again.",
        "%(count)s scores are invalid, so none were saved; correct the marked scores and save "
        "again.",
    ),
    "已保存 %(count)s 个评分。": ("%(count)s score saved.", "%(count)s scores saved."),
    "已导入 %(count)s 行并重新认证。": (
        "%(count)s row imported and the tree certified again.",
        "%(count)s rows imported and the tree certified again.",
    ),
    "number of winners\x04获奖": "Winners",
    "talent status\x04状态": "Status",
}


def english_catalog_add(monkeypatch) -> None:
    """Add ENGLISH to the English catalog until the test ends."""
    catalog = trans_real.translation("en")._catalog._catalogs[0]
    for msgid, english in ENGLISH.items():
        if isinstance(english, tuple):
            for form, text in enumerate(english):
                monkeypatch.setitem(catalog, (msgid, form), text)
        else:
            monkeypatch.setitem(catalog, msgid, english)
