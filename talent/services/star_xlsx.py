"""The star tree as a workbook: the certification report out, the tree and its levels in."""

import io
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from cadre.numbers import whole_number
from cadre.upload_limits import upload_check_in_request
from cadre.validators import code_problem
from cadre.words import listed
from scoring.services.cells import (
    Column,
    cell_prose,
    cell_safe,
    cell_text,
    cell_unescape,
    sheet_columns_find,
    sheet_rows_read,
)
from scoring.services.uploads import UploadRefused, unreadable_workbook_message
from talent.models import StarLevel, StarNode, StarTree
from talent.services.star import star_node_reason, star_parent_problem, star_tree_certify

logger = logging.getLogger(__name__)

SHEET = gettext_lazy("星级认证")
# Each column by its English key and its header, which the report writes in the page's
# language; on import the key and the header in any language are accepted.
COLUMNS = {
    "code": gettext_lazy("代码"),
    "name": gettext_lazy("名称"),
    "level": gettext_lazy("层级"),
    "parent": gettext_lazy("上级"),
    "stars": gettext_lazy("记录星级"),
}
REPORT_COLUMNS = {
    **COLUMNS,
    "ten_star": gettext_lazy("认证十星"),
    "children_total": gettext_lazy("下级数"),
    "children_ten_star": gettext_lazy("十星下级数"),
    "reason": gettext_lazy("认证依据"),
}


def _in_every_language(text) -> list[str]:
    """Return the lazily translated text in each of the site's languages."""
    spelled = []
    for language, _name in settings.LANGUAGES:
        with override(language):
            spelled.append(str(text))
    return spelled


def _sheet_columns() -> list[Column]:
    return [Column(key, tuple(_in_every_language(header))) for key, header in COLUMNS.items()]


def _level_words() -> dict[str, str]:
    """Return each level by the words a sheet may name it with, in lower case: its stored value
    and its label in every language, so that a report exported in either language imports
    back in either."""
    words = {}
    for level in StarLevel:
        for word in (level.value, *_in_every_language(level.label)):
            words[cell_text(word).lower()] = level.value
    return words


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("是") if value else _("否")


def star_report_xlsx(*, tree: StarTree) -> bytes:
    """Return the tree with every node's result and reason as an .xlsx (one query), all in the
    current language: sheet name, headers, levels, yes/no and reasons."""
    nodes = list(StarNode.objects.filter(tree=tree).order_by("code"))
    codes = {node.pk: node.code for node in nodes}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(SHEET))
    sheet.append([str(header) for header in REPORT_COLUMNS.values()])
    for node in nodes:
        sheet.append(
            [
                cell_safe(node.code),
                cell_safe(node.name),
                node.get_level_display(),
                cell_safe(codes.get(node.parent_id, "")),
                node.stars,
                _yes_no(node.is_ten_star),
                node.children_total,
                node.children_ten_star,
                star_node_reason(node=node, share=tree.share),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class StarRow:
    line: int
    code: str
    name: str
    level: str
    parent: str
    stars: int | None  # None when the cell is not a star level: the file is refused


@dataclass(frozen=True, order=True)
class StarProblem:
    """A problem of the file, ordered as a clerk reads the sheet: by row, then by column."""

    line: int
    column: int
    message: str = field(compare=False)


def _file_problem(message: str) -> StarProblem:
    return StarProblem(line=0, column=0, message=message)


def _cell_error(sheet: str, line: int, key: str, header: str, text: str) -> StarProblem:
    message = _("工作表“%(sheet)s”第 %(line)s 行“%(column)s”列：%(text)s") % {
        "sheet": sheet,
        "line": line,
        "column": header,
        "text": text,
    }
    return StarProblem(line=line, column=list(COLUMNS).index(key), message=message)


def _rows_parse(
    sheet_name: str, table: list[list]
) -> tuple[list[StarRow], list[StarProblem], dict[str, str]]:
    """Return the sheet's rows with a valid code and level, the problems of every row and each
    column's header as the file writes it (what the problems name). The rows are written only
    when there is no problem."""
    if not table:
        return [], [_file_problem(_("工作表“%(sheet)s”是空的。") % {"sheet": sheet_name})], {}
    columns = _sheet_columns()
    found, missing_columns = sheet_rows_read(sheet=sheet_name, rows=table, columns=columns)
    positions = sheet_columns_find(sheet=sheet_name, header=table[0], columns=columns)[0]
    if missing_columns:
        # Said in one line with each column's key and Chinese header (its first language's);
        # the problems give neither alone.
        missing = [
            f"{key}（{column.headers[0]}）"
            for key, column in zip(COLUMNS, columns, strict=True)
            if key not in positions
        ]
        return (
            [],
            [
                _file_problem(
                    _("工作表“%(sheet)s”缺少列：%(columns)s。")
                    % {"sheet": sheet_name, "columns": listed(missing)}
                )
            ],
            {},
        )
    headers = {key: cell_text(table[0][index]) for key, index in positions.items()}
    levels = _level_words()
    rows, errors = [], []

    def error(line, key, text):
        errors.append(_cell_error(sheet_name, line, key, headers[key], text))

    for row in found:
        line = row.number
        # A cell the report wrote with an apostrophe (a name like a formula) reads back as
        # it was.
        raws = {key: cell_unescape(raw) for key, raw in row.cells.items()}
        cells = {key: cell_text(raw) for key, raw in raws.items()}
        # A name keeps its full-width punctuation, which belongs to Chinese writing.
        cells["name"] = cell_prose(raws["name"])
        level = levels.get(cells["level"].lower())
        stars = whole_number(cells["stars"])
        code_refusal = _("代码不能为空。") if not cells["code"] else code_problem(cells["code"])
        if code_refusal:
            error(line, "code", code_refusal)
        if not cells["name"]:
            error(line, "name", _("名称不能为空。"))
        if level is None:
            error(line, "level", _("“%(text)s”不是有效层级。") % {"text": cells["level"]})
        if stars is None or stars > 10:
            error(line, "stars", _("“%(text)s”不是 0 至 10 的整数。") % {"text": cells["stars"]})
        # A row with a valid code and level is checked against the tree too (a parent missing,
        # a code repeated), whatever else is wrong in it: every problem is said at once. The
        # rows are written only when no problem is left.
        if code_refusal or level is None:
            continue
        rows.append(StarRow(line, cells["code"], cells["name"], level, cells["parent"], stars))
    return rows, errors, headers


def _tree_problems(sheet_name, rows, existing, headers) -> list[StarProblem]:
    problems, seen = [], {}
    levels = {code: level for code, (_pk, level) in existing.items()}
    levels.update({row.code: row.level for row in rows})

    def problem(row, key, text):
        problems.append(_cell_error(sheet_name, row.line, key, headers[key], text))

    for row in rows:
        if row.code in seen:
            problem(
                row,
                "code",
                _("代码 %(code)s 与第 %(first)s 行重复。")
                % {"code": row.code, "first": seen[row.code]},
            )
        seen.setdefault(row.code, row.line)
        if row.code in existing and existing[row.code][1] != row.level:
            problem(row, "level", _("已有节点 %(code)s 的层级不能修改。") % {"code": row.code})
        refusal = star_parent_problem(
            level=row.level, parent=row.parent, parent_level=levels.get(row.parent)
        )
        if refusal:
            problem(row, "parent", refusal)
    return problems


@transaction.atomic
def star_tree_import(*, tree: StarTree, upload) -> int:
    """Add or update the tree's nodes from the first sheet of an .xlsx, then certify the tree.

    Nodes are matched by code; nodes absent from the file stay as they are. Every problem is
    reported at once, naming sheet, row and column, in the sheet's order, and nothing is
    written while any remain; a file the scorer's sheet upload would refuse (size, zip bomb,
    rows) is refused unread.
    Return the number of rows imported.
    """
    _upload_check(upload)
    try:
        workbook = CalamineWorkbook.from_filelike(upload)
        sheet_name = workbook.sheet_names[0]
        table = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as error:  # noqa: BLE001 - any unreadable file gets the same message
        logger.warning("Star tree workbook unreadable: %s", error)
        raise ValidationError(unreadable_workbook_message()) from error
    existing = {
        code: (pk, level)
        for pk, code, level in StarNode.objects.filter(tree=tree).values_list("pk", "code", "level")
    }
    rows, errors, headers = _rows_parse(sheet_name, table)
    errors += _tree_problems(sheet_name, rows, existing, headers)
    if errors:
        raise ValidationError([problem.message for problem in sorted(errors)])
    ids = {code: pk for code, (pk, _level) in existing.items()}
    # StarLevel lists the levels top-down, so every parent is written before its children.
    for level in StarLevel:
        batch = [row for row in rows if row.level == level]
        nodes = [
            StarNode(
                pk=ids.get(row.code),
                tree=tree,
                code=row.code,
                name=row.name,
                level=row.level,
                parent_id=ids.get(row.parent),
                stars=row.stars,
            )
            for row in batch
        ]
        StarNode.objects.bulk_update(
            [node for node in nodes if node.pk], ["name", "parent", "stars"], batch_size=1000
        )
        created = StarNode.objects.bulk_create([node for node in nodes if not node.pk])
        ids.update({node.code: node.pk for node in created})
    star_tree_certify(tree=tree)
    return len(rows)


def _upload_check(upload) -> None:
    """Refuse, before calamine reads it, a file the scorer's sheet upload would refuse: not an
    .xlsx, too big, a zip bomb or too many rows (scoring.services.uploads)."""
    size = getattr(upload, "size", None)
    if size is None:  # a file object of a script or a test, not an upload
        size = upload.seek(0, io.SEEK_END)
    name = getattr(upload, "name", None) or "upload.xlsx"
    try:
        upload_check_in_request(name=name, file=upload, size=size)
    except UploadRefused as refusal:
        raise ValidationError(str(refusal)) from None
