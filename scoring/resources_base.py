"""What every django-import-export resource of the project shares."""

import operator
from copy import copy
from datetime import datetime, time
from decimal import InvalidOperation
from functools import cached_property, partial

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import override
from import_export import resources, widgets
from import_export.instance_loaders import ModelInstanceLoader
from import_export.resources import Diff
from import_export.results import Error, InvalidRow, Result
from openpyxl.cell.cell import ERROR_CODES

from cadre.cells import FORMULA_UNCOMPUTED
from cadre.fields import CodeField
from cadre.validators import code_normalise
from cadre.words import listed
from scoring.services.cells import (
    CellError,
    cell_bool,
    cell_prose,
    cell_safe,
    cell_text,
    cell_unescape,
    choice_values_by_name,
    excel_error_message,
    header_key,
)
from scoring.services.history import history_record
from scoring.services.values import source_import

# What a failed formula's cell holds as the import reads it.
EXCEL_ERROR_VALUES = frozenset((*ERROR_CODES, FORMULA_UNCOMPUTED))


class YesNoWidget(widgets.BooleanWidget):
    """A yes/no cell as clerks write it (yes/no, true/false, 1/0, 是/否); anything else is an
    error on its cell, where the library's own widget takes it silently for "no"."""

    def clean(self, value, row=None, **kwargs):
        if cell_text(value) == "":
            return None
        try:
            return cell_bool(value)
        except CellError as error:
            raise ValueError(str(error)) from None


class CodeTextWidget(widgets.CharWidget):
    """A code cell read as codes are stored (code_normalise): ＺＪ０１ in a file is the row
    coded ZJ01, matched to it and written so, not a second row beside it."""

    def clean(self, value, row=None, **kwargs):
        return code_normalise(super().clean(value, row, **kwargs))


class ProseWidget(widgets.CharWidget):
    """A text cell (a name, a position) without the spaces around it that Excel hides: " 镇街"
    is stored, shown and matched as 镇街."""

    def clean(self, value, row=None, **kwargs):
        cleaned = super().clean(value, row, **kwargs)
        return cell_prose(cleaned) if isinstance(cleaned, str) else cleaned


class ChoiceWidget(ProseWidget):
    """A choice cell by its stored value or by the label the forms show, in any language,
    in any case (principal, 主要负责人, Principal; direct, 直接赋分); anything else is an error
    on its cell naming every choice. Exported as the stored value."""

    def __init__(self, *, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = [(value, label) for value, label in choices if value != ""]

    @cached_property
    def _value_by_name(self) -> dict[str, str]:
        return choice_values_by_name(self.choices)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if text == "":
            return super().clean(value, row, **kwargs)
        try:
            return self._value_by_name[text.lower()]
        except KeyError:
            choices = listed(f"{label}（{value}）" for value, label in self.choices)
            raise ValueError(
                _("应为以下之一：%(choices)s；实为“%(text)s”") % {"choices": choices, "text": text}
            ) from None


class DiffInWords(Diff):
    """The preview's cells, old → new, as the admin's forms show them: a choice by its label
    (主要负责人, not principal), yes/no as 是/否. The export keeps the stored values, which
    import back in any language."""

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        # Diff reads the stored row's cells with its own reader, named, not this class's.
        self.left = self._cells(resource, instance)

    def compare_with(self, resource, instance):
        self.right = self._cells(resource, instance)

    @classmethod
    def _cells(cls, resource, instance) -> list[str]:
        return [cls._cell(field, instance) for field in resource.get_import_fields()]

    @staticmethod
    def _cell(field, instance) -> str:
        if isinstance(field.widget, ChoiceWidget):
            value = field.get_value(instance)
            return str(dict(field.widget.choices).get(value, value or ""))
        if isinstance(field.widget, YesNoWidget):
            value = field.get_value(instance)
            return "" if value is None else _("是") if value else _("否")
        return field.export(instance)


class ColumnsMissing(ValueError):
    """The file lacks a column every row needs; the message names it in a clerk's words."""


class ImportProblem(Error):
    """A problem of the whole file: the message alone for a refusal written for a clerk, the
    traceback as well for anything unforeseen."""

    @cached_property
    def traceback(self):
        return "" if isinstance(self.error, ColumnsMissing) else Error.traceback.func(self)


class HeadedInvalidRow(InvalidRow):
    """A refused row whose problems the preview lists under the columns' headings (班子角色),
    not the model's field names (role)."""

    def __init__(self, *args, heading_of: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.heading_of = heading_of

    @property
    def field_specific_errors(self):
        return {
            self.heading_of.get(name, name): errors
            for name, errors in super().field_specific_errors.items()
        }


def cell_as_sent(raw) -> str:
    """Return a cell of the clerk's file as Excel shows it: a date without its midnight."""
    if isinstance(raw, datetime) and raw.time() == time():
        raw = raw.date()
    return cell_prose(raw)


class SheetResult(Result):
    """An import's result with rows numbered as Excel numbers them: the header is row 1, so the
    first data row is row 2 (the library counts data rows from 1). A refused row shows the
    cells the clerk sent, under the preview's headings, so it is found in the file."""

    def __init__(self, *args, columns: list[tuple[str, str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        # (column name, field, heading) of each column, in the order of the preview's headings.
        self.columns = columns
        self.heading_of = {field: heading for _column, field, heading in columns}

    def row_errors(self):
        return [(number + 1, errors) for number, errors in super().row_errors()]

    def append_invalid_row(self, number, row, validation_error):
        self.invalid_rows.append(
            HeadedInvalidRow(
                number=number + 1,
                validation_error=validation_error,
                values=tuple(cell_as_sent(row.get(column)) for column, _f, _h in self.columns),
                heading_of=self.heading_of,
            )
        )


class SafeResource(resources.ModelResource):
    """A resource whose exported text never runs as a formula in Excel, and whose import
    checks every row as the admin's own forms do before anything is written.

    Every problem is reported on its row and column in the preview: a value the model refuses
    (a blank name, an unknown choice, a too-long text, a bad e-mail), a rule of the database
    (with the rule's own message), a row repeated in the file. Nothing reaches the database
    to be refused there with an error page.
    """

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        if isinstance(f, models.BooleanField):
            return YesNoWidget
        if isinstance(f, CodeField):
            return CodeTextWidget
        if isinstance(f, models.CharField) and f.choices:
            return partial(ChoiceWidget, choices=f.choices)
        if isinstance(f, models.CharField):
            return ProseWidget
        return super().widget_from_django_field(f, default)

    def export_resource(self, instance, selected_fields=None, **kwargs):
        """One exported row: what import-export does, with each column's field and its
        dehydrate method looked up once per export instead of once per cell (a third of an
        export's time)."""
        key = tuple(selected_fields) if selected_fields else ()
        if getattr(self, "_exported_columns", (None,))[0] != key:
            columns = []
            for field in self.get_export_fields(selected_fields):
                name = self.get_field_name(field)
                method = field.get_dehydrate_method(name)
                method = method if callable(method) else getattr(self, method, None)
                columns.append((field, method))
            self._exported_columns = (key, columns)
        return [
            cell_safe(method(instance) if method else field.export(instance, **kwargs))
            for field, method in self._exported_columns[1]
        ]

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._first_row_of_key = {}
        # Who imports which file, for the history of every row the import writes.
        self._history_user = kwargs.get("user")
        self._history_reason = source_import(file_name=kwargs.get("file_name") or "").strip()
        self._first_row_read = list(dataset.headers or [])
        if dataset.headers:
            names = self._column_names()
            dataset.headers = [names.get(header_key(header), header) for header in dataset.headers]

    def _column_names(self) -> dict[str, str]:
        """Return each column's name by the names a clerk may head it with: its own, and the
        model field's label in every language ("代码", "Code" and code are one column)."""
        names = {}
        for field in self.get_import_fields():
            names[header_key(field.column_name)] = field.column_name
            model_field = self._model_field(field)
            if model_field is None:
                continue
            label = model_field.verbose_name
            for language, _name in settings.LANGUAGES:
                with override(language):
                    names.setdefault(header_key(str(label)), field.column_name)
        return names

    def _check_import_id_fields(self, headers):
        if self.get_import_id_fields() == ["id"]:
            # Ids are the database's: a file without them (a clerk's list of new talents) adds
            # every row, and a file exported with them updates the rows they name.
            return
        missing = [
            self._column_label(self.fields[name])
            for name in self.get_import_id_fields()
            if name in self.fields and self.fields[name].column_name not in (headers or [])
        ]
        if missing:
            # A clerk's sheet often has a title above its header, or its own words in the
            # header (单位代码): the first row read is said, so the fix is plain.
            first_row = listed(f"“{text}”" for text in map(cell_text, self._first_row_read) if text)
            raise ColumnsMissing(
                _(
                    "文件缺少列：%(columns)s。第 1 行须是表头，本文件第 1 行是：%(first_row)s；"
                    "如有标题行请删去。表头可以写字段名（如 code）或中文名称（如 代码）。"
                )
                % {"columns": listed(missing), "first_row": first_row or _("空行")}
            )
        super()._check_import_id_fields(headers)

    def _column_label(self, field) -> str:
        """Return a column as the admin's forms name it, with the header the export writes:
        代码（code）."""
        label = self._field_label(field)
        return field.column_name if label is None else f"{label}（{field.column_name}）"

    def import_column_labels(self) -> list[str]:
        """Return the columns a file may hold, each by both names it may be headed with:
        代码（code）."""
        return [self._column_label(field) for field in self.get_import_fields()]

    def import_template_heads(self) -> list[str]:
        """Return the header row of an empty file to fill in: each column by the label the
        forms give it in the active language (代码), or by its name when the label would not
        be read back as that column (two fields sharing one label)."""
        names = self._column_names()
        heads = []
        for field in self.get_import_fields():
            label = self._field_label(field)
            readable = label is not None and names.get(header_key(label)) == field.column_name
            heads.append(label if readable else field.column_name)
        return heads

    def _field_label(self, field) -> str | None:
        model_field = self._model_field(field)
        return None if model_field is None else str(model_field.verbose_name)

    def _model_field(self, field):
        """Return the model field a column holds, following a related path
        (indicator__cycle__year is the cycle's 年度), or None for a column of no field."""
        model, model_field = self._meta.model, None
        for name in (field.attribute or "").split("__"):
            if model is None:
                return None
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                return None
            model = model_field.related_model
        return model_field

    def get_diff_headers(self):
        # The preview's column heads, as the clerk's file (the import template) names them.
        return self.import_template_heads()

    def get_diff_class(self):
        return DiffInWords

    def get_error_result_class(self):
        return ImportProblem

    def get_result_class(self):
        columns = [
            (field.column_name, field.attribute, heading)
            for field, heading in zip(
                self.get_import_fields(), self.import_template_heads(), strict=True
            )
        ]
        return partial(SheetResult, columns=columns)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        # Take back exactly the apostrophe the export put before a formula-like text.
        for column, value in row.items():
            row[column] = cell_unescape(value)
        self._duplicate_refuse(row, kwargs["row_number"] + 1)  # as Excel numbers it

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        instance._change_reason = self._history_reason
        if self._history_user is not None:
            instance._history_user = self._history_user

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            # An unknown code in a key column: the row is new to the loader, and import_field
            # reports the code on its column.
            return None

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        # openpyxl reads a failed formula as its error's name, and Excel saves it so in a .csv:
        # taken as text, a VLOOKUP that found nothing would name a unit "#N/A". A formula saved
        # without its result is no blank either (ResultlessFormulaXLSX).
        raw = row.get(field.column_name)
        if isinstance(raw, str) and cell_text(raw) in EXCEL_ERROR_VALUES:
            raise ValueError(excel_error_message(cell_text(raw)))
        try:
            super().import_field(field, instance, row, is_m2m, **kwargs)
        except (ValueError, InvalidOperation):
            # Python's own words (ConversionSyntax, invalid literal for int()) and the library's
            # English for a date mean nothing to a clerk; a decimal's error is no ValueError and
            # would end as an error page.
            text = cell_text(row.get(field.column_name))
            if isinstance(field.widget, widgets.NumberWidget):
                raise ValueError(_("应为数字，实为“%(text)s”") % {"text": text}) from None
            if isinstance(field.widget, widgets.DateWidget):
                raise ValueError(
                    _("应为日期（如 2026-03-01），实为“%(text)s”") % {"text": text}
                ) from None
            raise

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        exclude = {*errors, *self._fields_not_imported()}
        try:
            # Uniqueness is the file's own (rows are matched to stored ones by their key, a
            # repeated key is refused above), so it costs no query per row.
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if not errors:
            errors = self._check_constraints_problems(instance)
        if errors:
            raise ValidationError(errors)

    def _fields_not_imported(self) -> set[str]:
        """Return the model fields full_clean should leave alone: those the file does not fill,
        and the foreign keys, which the widget found already (the model would look each up
        again, one query per row)."""
        imported = {
            field.attribute
            for field in self.get_import_fields()
            if not isinstance(field.widget, widgets.ForeignKeyWidget)
        }
        return {field.name for field in self._meta.model._meta.fields} - imported

    def _check_constraints_problems(self, instance) -> dict:
        """Return the database's checks the row would fail, each on the first column it
        names (a check has no column of its own), with the check's message."""
        problems = {}
        for constraint in self._meta.model._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            if _check_holds(constraint, instance) is False:
                names = constraint.condition.referenced_base_fields
                field = next(
                    (f.name for f in self._meta.model._meta.fields if f.name in names),
                    NON_FIELD_ERRORS,
                )
                problems.setdefault(field, []).append(constraint.get_violation_error_message())
        return problems

    def _duplicate_refuse(self, row, number: int) -> None:
        """Refuse a row whose key (code, or year and programme…) an earlier row of the file
        has: a second row for one thing is a mistake, not an update of the first."""
        names = self.duplicate_key_fields()
        key = tuple(cell_text(row.get(self.fields[name].column_name)) for name in names)
        if not all(key):
            return
        first = self._first_row_of_key.setdefault(key, number)
        if first != number:
            column = self.fields[names[-1]].attribute
            raise ValidationError({column: _("与第 %(row)s 行重复") % {"row": first}})

    def duplicate_key_fields(self) -> list[str]:
        """Return the fields whose values, together, name one row of the file."""
        return self.get_import_id_fields()


COMPARISONS = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "exact": operator.eq,
}


def condition_holds(condition: Q, instance) -> bool | None:
    """Return whether a check constraint's condition holds for the instance, as the database
    would judge it (None: unknown, which a check lets pass, as SQL does with NULL); raise
    LookupError for a condition beyond plain comparisons of fields and values.

    Judged in Python because the database would take one query per check and row: eight per
    indicator of an imported tree."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(condition_holds(child, instance))
            continue
        lookup, expected = child
        name, _, comparison = lookup.partition("__")
        comparison = comparison or "exact"
        actual = getattr(instance, instance._meta.get_field(name).attname)
        if isinstance(expected, F):
            expected = getattr(instance, instance._meta.get_field(expected.name).attname)
        elif hasattr(expected, "resolve_expression"):
            raise LookupError(lookup)
        if comparison == "isnull" or (comparison == "exact" and expected is None):
            results.append((actual is None) == (expected is not False))
        elif comparison == "in":
            results.append(None if actual is None else actual in expected)
        elif comparison in COMPARISONS:
            both = actual is not None and expected is not None
            results.append(COMPARISONS[comparison](actual, expected) if both else None)
        else:
            raise LookupError(lookup)
    if condition.connector == Q.AND:
        holds = False if False in results else (None if None in results else True)
    else:
        holds = True if True in results else (None if None in results else False)
    return holds if holds is None or not condition.negated else not holds


def _check_holds(constraint: models.CheckConstraint, instance) -> bool | None:
    try:
        return condition_holds(constraint.condition, instance)
    except LookupError:  # beyond plain comparisons: the database judges it
        try:
            constraint.validate(type(instance), instance)
        except ValidationError:
            return False
        return True


class KeyedInstanceLoader(ModelInstanceLoader):
    """Find the stored rows of the whole file in one query, matched on every key column
    (django-import-export's cached loader matches on the first one only: an official's second
    responsibility would be taken for the first). A key cell with an unknown code matches
    nothing; its row then reports the code on its column."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model = self.resource._meta.model
        self.key_fields = [
            self.resource.fields[name] for name in self.resource.get_import_id_fields()
        ]
        self.attnames = [
            model._meta.get_field(field.attribute).attname for field in self.key_fields
        ]
        values = {self._row_key(row)[0] for row in self.dataset.dict} - {None}
        queryset = self.get_queryset().filter(**{f"{self.attnames[0]}__in": values})
        self.instances = {
            tuple(getattr(instance, attname) for attname in self.attnames): instance
            for instance in queryset
        }

    def get_instance(self, row):
        return self.instances.get(self._row_key(row))

    def _row_key(self, row) -> tuple:
        key = []
        for field in self.key_fields:
            try:
                value = field.clean(row)
            except (ValueError, KeyError, InvalidOperation):
                # Text in a number key (a year): import_field reports it on its cell.
                value = None
            key.append(value.pk if isinstance(value, models.Model) else value)
        return tuple(key)


# A file of at most this many rows is previewed row by row, old → new (see BulkResource).
BULK_DIFF_ROWS = 1000


class BulkResource(SafeResource):
    """Master data that may come by the thousand: written in bulk.

    A file of up to BULK_DIFF_ROWS rows is previewed as a clerk checks it: each row new,
    changed (with its cells old → new) or skipped as unchanged, and only the changed rows
    are written. A bigger one goes without the per-row comparison, which costs a copy of
    every stored row: its preview says new or update only.
    """

    class Meta:
        use_bulk = True
        skip_diff = True
        batch_size = 1000
        instance_loader_class = KeyedInstanceLoader

    def import_data(self, dataset, *args, **kwargs):
        compared = len(dataset) <= BULK_DIFF_ROWS
        # This import's own options: the class's are shared by every request.
        self._meta = copy(self._meta)
        self._meta.skip_diff = not compared
        self._meta.skip_unchanged = compared
        return super().import_data(dataset, *args, **kwargs)

    def get_bulk_update_fields(self):
        # The model fields the file may change; a read-only column (a responsibility's cycle,
        # shown for the reader) is none of them.
        keys = self.get_import_id_fields()
        return [
            field.attribute
            for name, field in self.fields.items()
            if name not in keys and not field.readonly
        ]

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        created = list(self.create_instances)
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size, result)
        self._history_record(created)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if not self.get_bulk_update_fields():
            # Every column is part of the key: a matched row has nothing to update.
            self.update_instances.clear()
            return
        updated = list(self.update_instances)
        super().bulk_update(using_transactions, dry_run, raise_errors, batch_size, result)
        self._history_record(updated)

    def _history_record(self, instances: list) -> None:
        """Record in the history the rows the bulk write created or changed, one statement a
        batch: a row the file left as it was gets no history row (the bulk mode does not
        compare a row with the stored one, and re-importing a file would record every row)."""
        ids = [instance.pk for instance in instances if instance.pk is not None]
        model = self._meta.model
        for start in range(0, len(ids), self._meta.batch_size):
            history_record(
                queryset=model.objects.filter(pk__in=ids[start : start + self._meta.batch_size]),
                reason=self._history_reason,
                by=self._history_user,
            )


def safe_resource_for(model_class) -> type[SafeResource]:
    """Return an export-only resource with every field of the model, formulas escaped."""
    meta = type("Meta", (), {"model": model_class})
    return type(f"{model_class.__name__}Resource", (SafeResource,), {"Meta": meta})


class CodeWidget(widgets.CachedForeignKeyWidget):
    """A foreign key given by its code, every code loaded in one query for the whole file."""

    def __init__(self, model, field="code", **kwargs):
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        code = cell_text(value) or None
        try:
            return super().clean(code, row, **kwargs)
        except self.model.DoesNotExist:
            # A ValueError shows in the dry-run preview next to the cell, not as a traceback.
            raise ValueError(
                _("未知%(model)s代码“%(code)s”")
                % {"model": self.model._meta.verbose_name, "code": code}
            ) from None
