"""English for the entry and import pages' new and changed msgids, for tests that read them.

locale/en does not carry these entries yet. `english_catalog_use` compiles them (with
msgfmt, as compilemessages does) into a catalog placed after the project's own in
LOCALE_PATHS: whatever locale/en translates wins, so once the entries are added there the
tests read the project's wording.
"""

import subprocess
from pathlib import Path

from django.conf import settings as django_settings

# (context, msgid, plural msgid or None, English: a string, or (singular, plural)).
ENGLISH = [
    (None, "没有改动，未保存任何数据。", None, "Nothing changed; nothing was saved."),
    (None, "请至少勾选一项指标。", None, "Select at least one indicator."),
    (
        None,
        "所选指标没有待审核的数据。",
        None,
        "The selected indicators have no values to verify.",
    ),
    (
        None,
        "已保存 %(saved)s 项（新增 %(created)s，修改 %(updated)s）。",
        "已保存 %(saved)s 项（新增 %(created)s，修改 %(updated)s）。",
        (
            "Saved %(saved)s value (%(created)s new, %(updated)s changed).",
            "Saved %(saved)s values (%(created)s new, %(updated)s changed).",
        ),
    ),
    (
        None,
        "%(count)s 项未保存，请查看标红的单元格。",
        "%(count)s 项未保存，请查看标红的单元格。",
        (
            "%(count)s value was not saved: see the cell marked in red.",
            "%(count)s values were not saved: see the cells marked in red.",
        ),
    ),
    (
        None,
        "已保存 %(count)s 个测评群体的票数。",
        "已保存 %(count)s 个测评群体的票数。",
        (
            "Saved the votes of %(count)s rater group.",
            "Saved the votes of %(count)s rater groups.",
        ),
    ),
    (
        None,
        "已审核 %(count)s 项数据。",
        "已审核 %(count)s 项数据。",
        ("Verified %(count)s value.", "Verified %(count)s values."),
    ),
    (
        None,
        "已导入“%(name)s”：%(count)s 个数值已更新。",
        "已导入“%(name)s”：%(count)s 个数值已更新。",
        (
            "Imported “%(name)s”: %(count)s value updated.",
            "Imported “%(name)s”: %(count)s values updated.",
        ),
    ),
    (None, "%(cycle)s（%(state)s）", None, "%(cycle)s (%(state)s)"),
    (
        None,
        "本周期已关闭，数据只能查看，不能修改。",
        None,
        "This cycle is closed: values can be read, not changed.",
    ),
    (
        None,
        "本周期已发布，数据只能查看，不能修改。",
        None,
        "This cycle is published: values can be read, not changed.",
    ),
    (
        None,
        "%(cycle)s已关闭，不再接受导入。",
        None,
        "%(cycle)s is closed and takes no more imports.",
    ),
    (
        None,
        "%(cycle)s已发布，不再接受导入。",
        None,
        "%(cycle)s is published and takes no more imports.",
    ),
    (
        None,
        "%(cycle)s已关闭，这次导入不能再确认，可以放弃。",
        None,
        "%(cycle)s is closed: this import can no longer be confirmed, only discarded.",
    ),
    (
        None,
        "%(cycle)s已发布，这次导入不能再确认，可以放弃。",
        None,
        "%(cycle)s is published: this import can no longer be confirmed, only discarded.",
    ),
    ("heading of the list of past imports", "导入记录", None, "Import history"),
    (None, "上传人", None, "Uploaded by"),
    (
        None,
        "本周期还有 %(number)s 项数据未审核。",
        "本周期还有 %(number)s 项数据未审核。",
        (
            "%(number)s value of this cycle is not verified yet.",
            "%(number)s values of this cycle are not verified yet.",
        ),
    ),
    (
        None,
        "发现 %(number)s 个问题，没有导入任何数据。请修改文件后重新上传。",
        "发现 %(number)s 个问题，没有导入任何数据。请修改文件后重新上传。",
        (
            "Found %(number)s problem; nothing was imported. Fix the file and upload it again.",
            "Found %(number)s problems; nothing was imported. Fix the file and upload it again.",
        ),
    ),
    (
        None,
        "另有 %(number)s 个问题未列出。",
        "另有 %(number)s 个问题未列出。",
        ("%(number)s more problem not listed.", "%(number)s more problems not listed."),
    ),
    (
        None,
        "预览：将变更 %(number)s 个数值",
        "预览：将变更 %(number)s 个数值",
        ("Preview: %(number)s value will change", "Preview: %(number)s values will change"),
    ),
    (
        None,
        "已放弃，%(number)s 个变更没有写入",
        "已放弃，%(number)s 个变更没有写入",
        (
            "Discarded: %(number)s change was not written",
            "Discarded: %(number)s changes were not written",
        ),
    ),
    (
        None,
        "%(when)s 已导入 %(number)s 个数值",
        "%(when)s 已导入 %(number)s 个数值",
        ("%(number)s value imported on %(when)s", "%(number)s values imported on %(when)s"),
    ),
    (
        None,
        "另有 %(number)s 条变更未显示。",
        "另有 %(number)s 条变更未显示。",
        ("%(number)s more change not shown.", "%(number)s more changes not shown."),
    ),
]

HEADER = (
    'msgid ""\nmsgstr ""\n"Language: en\\n"\n"MIME-Version: 1.0\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n"Content-Transfer-Encoding: 8bit\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def english_po() -> str:
    """Return the entries of ENGLISH as the text of a .po file."""
    entries = [HEADER]
    for context, msgid, plural, english in ENGLISH:
        lines = ["#, python-format"] if "%(" in msgid else []
        if context:
            lines.append(f"msgctxt {_quoted(context)}")
        lines.append(f"msgid {_quoted(msgid)}")
        if plural:
            lines.append(f"msgid_plural {_quoted(plural)}")
            lines += [f"msgstr[{n}] {_quoted(form)}" for n, form in enumerate(english)]
        else:
            lines.append(f"msgstr {_quoted(english)}")
        entries.append("\n".join(lines) + "\n")
    return "\n".join(entries)


def english_catalog_use(*, settings, folder: Path) -> None:
    """Compile ENGLISH under `folder` and put it after the project's catalogs (pytest-django's
    `settings` fixture, so Django forgets the catalogs it loaded, now and after the test)."""
    messages = folder / "en" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "django.po").write_text(english_po(), encoding="utf-8")
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(messages / "django.mo"), "django.po"],
        cwd=messages,
        check=True,
    )
    settings.LOCALE_PATHS = [*django_settings.LOCALE_PATHS, str(folder)]


def in_english(client) -> None:
    """Make the client's next requests ask for English, as the language switch does."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
