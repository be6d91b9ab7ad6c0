"""English for the msgids the dashboard's fixes add, until locale/ carries them.

`english_with_new_msgids(monkeypatch)` activates English with these entries added to the live
catalogue (an entry locale/ already has wins), so that a test reads a page or a line as it
reads once the translations are in; the entries are removed again after the test.
"""

from django.utils import translation
from django.utils.translation import trans_real

CONTEXT = "\x04"  # gettext's separator between a context and its msgid

NEW_ENGLISH = {
    # scoring/dashboard/forms.py
    "%(code)s %(name)s（满分 %(max)s）": "%(code)s %(name)s (max %(max)s)",
    ("请选择2至5个单位进行对比，当前选择了%(count)d个。", 0): (
        "Choose 2 to 5 units to compare; %(count)d is chosen."
    ),
    ("请选择2至5个单位进行对比，当前选择了%(count)d个。", 1): (
        "Choose 2 to 5 units to compare; %(count)d are chosen."
    ),
    # scoring/services/explain.py
    "完成率 %(ratio)s = %(value)s": "Completion %(ratio)s = %(value)s",
    ("第 %(place)s 名 / 共 %(ranked)s 个单位：%(formula)s = %(points)s", 0): (
        "Place %(place)s of %(ranked)s unit: %(formula)s = %(points)s"
    ),
    ("第 %(place)s 名 / 共 %(ranked)s 个单位：%(formula)s = %(points)s", 1): (
        "Place %(place)s of %(ranked)s units: %(formula)s = %(points)s"
    ),
    ("第 %(place)s 名 / 共 %(ranked)s 个单位，得满分 = %(points)s", 0): (
        "Place %(place)s of %(ranked)s unit, full points = %(points)s"
    ),
    ("第 %(place)s 名 / 共 %(ranked)s 个单位，得满分 = %(points)s", 1): (
        "Place %(place)s of %(ranked)s units, full points = %(points)s"
    ),
    ("扣分 %(count)s 次 × %(each)s = %(lost)s，%(max)s − %(lost)s = %(points)s", 0): (
        "%(count)s incident × %(each)s = %(lost)s, %(max)s − %(lost)s = %(points)s"
    ),
    ("扣分 %(count)s 次 × %(each)s = %(lost)s，%(max)s − %(lost)s = %(points)s", 1): (
        "%(count)s incidents × %(each)s = %(lost)s, %(max)s − %(lost)s = %(points)s"
    ),
    ("扣分 %(count)s 次 × %(each)s = %(lost)s，超过满分 %(max)s，得 0.00", 0): (
        "%(count)s incident × %(each)s = %(lost)s, more than the maximum %(max)s, scores 0.00"
    ),
    ("扣分 %(count)s 次 × %(each)s = %(lost)s，超过满分 %(max)s，得 0.00", 1): (
        "%(count)s incidents × %(each)s = %(lost)s, more than the maximum %(max)s, scores 0.00"
    ),
    f"between items of a list{CONTEXT}、": ", ",
    # templates/dashboard/
    "%(cycle)s（%(state)s）": "%(cycle)s (%(state)s)",
    ("共 %(counter)s 个单位：", 0): "%(counter)s unit in all:",
    ("共 %(counter)s 个单位：", 1): "%(counter)s units in all:",
    "%(name)s（%(total)s）": "%(name)s (%(total)s)",
    "%(kind)s：%(title)s": "%(kind)s: %(title)s",
    f"civil-service rank{CONTEXT}职级": "Civil-service rank",
    "%(user)s 填报于 %(time)s": "Entered by %(user)s at %(time)s",
    "填报于 %(time)s": "Entered at %(time)s",
    "临时结果": "Provisional",
}


def english_with_new_msgids(monkeypatch) -> None:
    """Activate English, its catalogue holding NEW_ENGLISH where locale/ has no entry yet."""
    catalog = trans_real.translation("en")._catalog
    for key, text in NEW_ENGLISH.items():
        if key not in catalog:
            monkeypatch.setitem(catalog._catalogs[0], key, text)
    translation.activate("en")
