"""What importing an interchange workbook would do, before it does it.

The preview compares the workbook's clean contents with what is stored: the cycle created or
replaced, its settings, the master data (categories, units, officials: shared by every year)
created or changed field by field, and per sheet the rows added, changed and removed. The
values, votes and adjustments the import would overwrite or remove are listed one by one, with
when and by whom the stored one was saved: in an open cycle they may be entries made since the
file was exported. A digest of the stored state the preview was built on lets the confirmation
refuse to write over a database that changed since.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from cadre.models import Official, Unit, UnitCategory
from scoring.models import (
    Adjustment,
    Cycle,
    ImportRecord,
    Indicator,
    IndicatorValue,
    Period,
    RaterGroup,
    Responsibility,
    Vote,
)
from scoring.services.cells import CellProblem, cell_safe, decimal_plain
from scoring.services.tree import indicator_fields
from scoring.services.workbook import (
    ADJUSTMENTS,
    BATCH,
    CATEGORIES,
    INDICATORS,
    OFFICIALS,
    RATER_GROUPS,
    RESPONSIBILITIES,
    SETTING_FIELDS,
    UNITS,
    VALUES,
    VOTES,
    Contents,
    cell_number,
    workbook_contents_read,
)

# The indicator fields a workbook carries, compared one by one (code, parent and categories
# aside).
INDICATOR_FIELDS = tuple(indicator_fields(row={"name": "", "max_points": None}))
# The longest list of master data rows a preview names one by one; the rest are counted.
NAMED_ROWS = 200


@dataclass
class Stored:
    """What is stored of a workbook's cycle and of the master data its file names, keyed by
    codes as the workbook is: the side the preview compares the file with."""

    cycle: Cycle | None
    categories: dict[str, tuple] = field(default_factory=dict)
    units: dict[str, tuple] = field(default_factory=dict)
    officials: dict[str, tuple] = field(default_factory=dict)
    indicators: dict[str, tuple] = field(default_factory=dict)
    responsibilities: set[tuple[str, str]] = field(default_factory=set)
    rater_groups: dict[str, tuple] = field(default_factory=dict)
    # Each entry with when and by whom it was saved (not part of the digest).
    values: dict[tuple, tuple[Decimal, datetime, str]] = field(default_factory=dict)
    votes: dict[tuple, tuple[tuple, datetime, str]] = field(default_factory=dict)
    adjustments: dict[tuple, list[tuple[datetime, str]]] = field(default_factory=dict)
    unit_names: dict[str, str] = field(default_factory=dict)
    # Read once: asking Django for it per entry took a third of a province's preview.
    time_zone: tzinfo = field(default_factory=timezone.get_current_timezone)

    def digest(self) -> str:
        """Return a fingerprint of the stored contents (not of when they were saved)."""
        digest = hashlib.sha256()
        cycle = self.cycle
        settings = cycle and [
            (cycle.pk, cycle.state),
            *(getattr(cycle, name) for names in SETTING_FIELDS.values() for name in names),
        ]
        parts: list[Iterable] = [
            [settings],
            sorted(self.categories.items()),
            sorted(self.units.items()),
            sorted(self.officials.items()),
            sorted(self.indicators.items()),
            sorted(self.responsibilities),
            sorted(self.rater_groups.items()),
            sorted((key, entry[0]) for key, entry in self.values.items()),
            sorted((key, entry[0]) for key, entry in self.votes.items()),
            sorted((key, len(saved)) for key, saved in self.adjustments.items()),
        ]
        for part in parts:
            for item in part:
                digest.update(repr(item).encode())
            digest.update(b"|")
        return digest.hexdigest()


def workbook_stored_load(*, contents: Contents, cycle: Cycle | None) -> Stored:
    """Read what is stored of the cycle and of the master data the contents name, one query
    per table."""
    stored = Stored(cycle=cycle)
    named = {code for code, _name in contents.categories}
    stored.categories = {
        code: (name,)
        for code, name in UnitCategory.objects.values_list("code", "name")
        if code in named
    }
    named = {code for code, _name, _category in contents.units}
    for code, name, category in Unit.objects.values_list("code", "name", "category__code"):
        stored.unit_names[code] = name
        if code in named:
            stored.units[code] = (name, category)
    named = {code for code, *_rest in contents.officials}
    stored.officials = {
        code: rest
        for code, *rest in Official.objects.values_list("code", "name", "unit__code", "role")
        if code in named
    }
    if cycle is None:
        return stored
    categories = defaultdict(list)
    for indicator, category in Indicator.categories.through.objects.filter(
        indicator__cycle=cycle
    ).values_list("indicator__code", "unitcategory__code"):
        categories[indicator].append(category)
    for code, parent, *fields in Indicator.objects.filter(cycle=cycle).values_list(
        "code", "parent__code", *INDICATOR_FIELDS
    ):
        stored.indicators[code] = _indicator_key(parent, fields, categories[code])
    stored.responsibilities = set(
        Responsibility.objects.filter(indicator__cycle=cycle).values_list(
            "official__code", "indicator__code"
        )
    )
    stored.rater_groups = {
        group.code: (
            group.name,
            group.weight,
            tuple(sorted(category.code for category in group.categories.all())),
            tuple(sorted(indicator.code for indicator in group.indicators.all())),
        )
        for group in RaterGroup.objects.filter(cycle=cycle).prefetch_related(
            "categories", "indicators"
        )
    }
    values = IndicatorValue.objects.filter(indicator__cycle=cycle).values_list(
        "unit__code", "indicator__code", "period", "value", "updated_at", "entered_by__username"
    )
    for unit, indicator, period, value, saved_at, by in values.iterator(chunk_size=BATCH):
        stored.values[unit, indicator, period] = (value, saved_at, by or "")
    votes = Vote.objects.filter(indicator__cycle=cycle).values_list(
        "unit__code", "indicator__code", "period", "rater_group__code", *Vote.KINDS, "updated_at"
    )
    for unit, indicator, period, group, *counts, saved_at in votes.iterator(chunk_size=BATCH):
        stored.votes[unit, indicator, period, group] = (tuple(counts), saved_at, "")
    adjustments = Adjustment.objects.filter(cycle=cycle).values_list(
        "unit__code",
        "period",
        "points",
        "reason",
        "approved_by",
        "created_at",
        "created_by__username",
    )
    for *key, saved_at, by in adjustments.order_by("pk"):
        stored.adjustments.setdefault(tuple(key), []).append((saved_at, by or ""))
    return stored


def _indicator_key(parent: str | None, fields: Iterable, categories: Iterable[str]) -> tuple:
    return (parent or None, *fields, tuple(sorted(categories)))


@dataclass
class WorkbookCheck:
    """A workbook read and checked: its contents and problems, and when it has none, the
    preview of what its import would do and the stored entries it would overwrite or remove
    (rows of the `changes` an ImportRecord keeps; see ENTRY_COLUMNS)."""

    contents: Contents
    cycle: Cycle | None
    problems: list[CellProblem]
    preview: dict = field(default_factory=dict)
    entries: list[list] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not self.problems and preview_unchanged(preview=self.preview)


def workbook_check(*, data: bytes, progress: Callable[[int], None] | None = None) -> WorkbookCheck:
    """Read and check a workbook, and when it is clean, preview what importing it would do.
    Writes nothing."""
    contents, cycle, problems = workbook_contents_read(data=data, progress=progress)
    check = WorkbookCheck(contents=contents, cycle=cycle, problems=problems)
    if not problems:
        stored = workbook_stored_load(contents=contents, cycle=cycle)
        check.preview, check.entries = _preview_build(contents, stored)
    return check


def preview_unchanged(*, preview: dict) -> bool:
    """Whether the previewed import would change nothing at all."""
    return (
        preview["cycle"]["exists"]
        and not preview["settings"]
        and not any(part["created"] or part["changed"] for part in preview["master"])
        and not any(
            line["added"] or line["changed"] or line["removed"] for line in preview["sheets"]
        )
    )


# The columns of an entry the import overwrites or removes, as kept in ImportRecord.changes.
ENTRY_COLUMNS = (
    "sheet",
    "unit",
    "unit_name",
    "indicator",
    "period",
    "detail",
    "old",
    "new",
    "saved_at",
    "saved_by",
)


def _preview_build(contents: Contents, stored: Stored) -> tuple[dict, list[list]]:
    entries: list[list] = []
    sheets = [
        _indicators_compare(contents, stored),
        _counted(RESPONSIBILITIES.name, set(contents.responsibilities), stored.responsibilities, 0),
        _rater_groups_compare(contents, stored),
        _values_compare(contents, stored, entries),
        _votes_compare(contents, stored, entries),
        _adjustments_compare(contents, stored, entries),
    ]
    cycle = stored.cycle
    preview = {
        "year": contents.year,
        "cycle": {
            "exists": cycle is not None,
            "state": cycle.state if cycle else Cycle.State.DRAFT,
            "name": contents.settings.get("name", cycle.name if cycle else ""),
        },
        "settings": _settings_compare(contents, cycle),
        "master": [
            _master_compare(CATEGORIES.name, ("name",), contents.categories, stored.categories),
            _master_compare(UNITS.name, ("name", "category"), contents.units, stored.units),
            _master_compare(
                OFFICIALS.name, ("name", "unit", "role"), contents.officials, stored.officials
            ),
        ],
        "sheets": sheets,
        "entry_summary": _entries_summary(entries),
        "digest": stored.digest(),
    }
    return preview, entries


def _settings_compare(contents: Contents, cycle: Cycle | None) -> list[list[str]]:
    """Each setting the file changes, as the workbook writes it: [key, old, new]."""
    current = cycle or Cycle()
    changed = []
    for key, names in SETTING_FIELDS.items():
        if not all(name in contents.settings for name in names):
            continue
        old = [getattr(current, name) for name in names]
        new = [contents.settings[name] for name in names]
        if old != new:
            changed.append([key, _setting_text(old), _setting_text(new)])
    return changed


def _setting_text(values: list) -> str:
    return ",".join(value if isinstance(value, str) else decimal_plain(value) for value in values)


def _master_compare(sheet: str, fields: tuple[str, ...], rows: list[tuple], stored: dict) -> dict:
    """The rows of a master data sheet that create a code or change a stored one, field by
    field (old → new); the sheets' order of rows kept."""
    created, changed = [], []
    for code, *values in rows:
        old = stored.get(code)
        if old is None:
            created.append([code, values[0]])
            continue
        fields_changed = [
            [name, before, after]
            for name, before, after in zip(fields, old, values, strict=True)
            if before != after
        ]
        if fields_changed:
            changed.append([code, values[0], fields_changed])
    return {"sheet": sheet, "created": created, "changed": changed}


def _counted(sheet: str, file: dict | set, stored: dict | set, changed: int | None = None) -> dict:
    """The rows of a sheet added, changed, removed and left as they are, by key; a row is
    changed where file and store map its key to different things (unless told)."""
    added = sum(1 for key in file if key not in stored)
    removed = sum(1 for key in stored if key not in file)
    if changed is None:
        changed = sum(1 for key in file if key in stored and stored[key] != file[key])
    return {
        "sheet": sheet,
        "added": added,
        "changed": changed,
        "removed": removed,
        "unchanged": len(file) - added - changed,
    }


def _indicators_compare(contents: Contents, stored: Stored) -> dict:
    file = {
        row["code"]: _indicator_key(
            row["parent"], indicator_fields(row=row).values(), row["categories"]
        )
        for row in contents.indicators
    }
    return _counted(INDICATORS.name, file, stored.indicators)


def _rater_groups_compare(contents: Contents, stored: Stored) -> dict:
    categories, indicators = contents.rater_group_categories, contents.rater_group_indicators
    file = {
        code: (
            name,
            weight,
            tuple(sorted(categories.get(code, ()))),
            tuple(sorted(indicators.get(code, ()))),
        )
        for code, name, weight in contents.rater_groups
    }
    return _counted(RATER_GROUPS.name, file, stored.rater_groups)


def _entry(
    stored: Stored, sheet: str, place: tuple, detail: str, old: str, new: str | None, saved
) -> list:
    unit, indicator, period = place
    saved_at, saved_by = saved
    return [
        sheet,
        unit,
        stored.unit_names.get(unit, ""),
        indicator,
        period,
        detail,
        old,
        new,
        saved_at.astimezone(stored.time_zone).isoformat(),
        saved_by,
    ]


def _entries_compare(
    stored: Stored, sheet: str, file: dict, in_store: dict, entries: list[list], *, text, detail
) -> dict:
    """Count a sheet's entries (values or votes, keyed by unit, indicator, period and what
    `detail` takes from the rest of the key) against the stored ones, (stored thing, saved at,
    saved by) by key; list each stored entry the file overwrites or removes."""
    changed = 0
    for key, new in file.items():
        old = in_store.get(key)
        if old is not None and old[0] != new:
            changed += 1
            entries.append(
                _entry(stored, sheet, key[:3], detail(key), text(old[0]), text(new), old[1:])
            )
    for key, old in in_store.items():
        if key not in file:
            entries.append(_entry(stored, sheet, key[:3], detail(key), text(old[0]), None, old[1:]))
    return _counted(sheet, file, in_store, changed)


def _values_compare(contents: Contents, stored: Stored, entries: list[list]) -> dict:
    file = {(unit, indicator, period): value for unit, indicator, period, value in contents.values}
    return _entries_compare(
        stored, VALUES.name, file, stored.values, entries, text=decimal_plain, detail=lambda key: ""
    )


def _votes_text(counts: tuple) -> str:
    return " / ".join(map(str, counts))


def _votes_compare(contents: Contents, stored: Stored, entries: list[list]) -> dict:
    file = {tuple(row[:4]): tuple(row[4:]) for row in contents.votes}
    return _entries_compare(
        stored, VOTES.name, file, stored.votes, entries, text=_votes_text, detail=lambda key: key[3]
    )


def _adjustments_compare(contents: Contents, stored: Stored, entries: list[list]) -> dict:
    """Adjustments have no key but all they say: one that differs in anything is another
    adjustment, the stored one removed and the file's added."""
    file = Counter(contents.adjustments)
    in_store = Counter({key: len(saved) for key, saved in stored.adjustments.items()})
    for key, count in (in_store - file).items():
        unit, period, points, reason, _approved_by = key
        for saved in stored.adjustments[key][-count:]:
            entries.append(
                _entry(
                    stored,
                    ADJUSTMENTS.name,
                    (unit, "", period),
                    reason,
                    decimal_plain(points),
                    None,
                    saved,
                )
            )
    added, removed = (file - in_store).total(), (in_store - file).total()
    return {
        "sheet": ADJUSTMENTS.name,
        "added": added,
        "changed": 0,
        "removed": removed,
        "unchanged": file.total() - added,
    }


def _entries_summary(entries: list[list]) -> list[list]:
    """Per sheet and indicator, how many stored entries the import overwrites and removes."""
    counts: dict[tuple[str, str], list[int]] = {}
    for sheet, _unit, _name, indicator, *_rest, new, _at, _by in entries:
        line = counts.setdefault((sheet, indicator), [0, 0])
        line[0 if new is not None else 1] += 1
    return [[sheet, indicator, *line] for (sheet, indicator), line in counts.items()]


def workbook_preview_lines(*, preview: dict, entries: list[list], named: int = 20) -> list[str]:
    """Return the preview as lines of text (the import command prints them): the cycle, its
    settings, the master data, the counts per sheet and the first `named` stored entries
    the import would overwrite or remove."""
    cycle = preview["cycle"]
    state = Cycle.State(cycle["state"]).label
    if cycle["exists"]:
        head = _("%(year)s 年度考核周期（%(state)s）：整体替换") % {
            "year": preview["year"],
            "state": state,
        }
    else:
        head = _("%(year)s 年度考核周期：新建（草稿）") % {"year": preview["year"]}
    lines = [head]
    lines += [
        _("  设置 %(key)s：%(old)s → %(new)s") % {"key": key, "old": old, "new": new}
        for key, old, new in preview["settings"]
    ]
    for part in preview["master"]:
        if not (part["created"] or part["changed"]):
            continue
        lines.append(
            _("%(sheet)s：新建 %(created)s 个，修改 %(changed)s 个（所有年度共用）")
            % {
                "sheet": part["sheet"],
                "created": len(part["created"]),
                "changed": len(part["changed"]),
            }
        )
        for code, name, fields in part["changed"][:named]:
            changes = pgettext("between clauses", "；").join(
                f"{key} {old} → {new}" for key, old, new in fields
            )
            lines.append(f"  {code} {name}：{changes}")
    for line in preview["sheets"]:
        lines.append(
            _("%(sheet)s：新增 %(added)s，修改 %(changed)s，删除 %(removed)s，不变 %(unchanged)s")
            % line
        )
    if entries:
        lines.append(_("将覆盖或删除系统中已有的 %(count)s 条数据：") % {"count": len(entries)})
        for sheet, unit, _name, indicator, period, detail, old, new, saved_at, by in entries[
            :named
        ]:
            where = " ".join(part for part in (sheet, unit, indicator, period, detail) if part)
            after = new if new is not None else _("删除")
            lines.append(
                f"  {where}：{old} → {after}（{saved_at[:16].replace('T', ' ')} {by}）".rstrip()
            )
        if len(entries) > named:
            lines.append(_("  另有 %(count)s 条未列出。") % {"count": len(entries) - named})
    return lines


def workbook_entries_workbook(*, record: ImportRecord) -> Workbook:
    """Return every stored entry a previewed workbook import overwrites or removes, as a
    worksheet: the page lists the first ones only."""
    entries = ImportRecord.objects.values_list("changes", flat=True).get(pk=record.pk)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("将覆盖或删除的数据"))
    sheet.append(
        [
            _("工作表"),
            _("单位代码"),
            _("单位名称"),
            _("指标代码"),
            _("期间"),
            _("测评群体或事由"),
            _("原值"),
            _("新值"),
            _("保存时间"),
            _("保存人"),
        ]
    )
    for sheet_name, unit, name, indicator, period, detail, old, new, saved_at, by in entries:
        sheet.append(
            [
                sheet_name,
                *(cell_safe(text) for text in (unit, name, indicator)),
                str(Period(period).label),
                cell_safe(detail),
                _entry_cell(old),
                _entry_cell(new) if new is not None else _("删除"),
                saved_at[:19].replace("T", " "),
                cell_safe(by),
            ]
        )
    return workbook


def _entry_cell(text: str):
    """A figure as a number Excel sums, vote counts ("20 / 5 / 1 / 0") as they read."""
    try:
        return cell_number(Decimal(text))
    except ArithmeticError:
        return text
