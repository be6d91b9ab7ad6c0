"""Model fields every app's models share."""

import logging
from functools import cached_property

from django import forms
from django.db import migrations, models
from django.forms import NumberInput

from cadre.form_fields import (
    YEAR_FIRST,
    YEAR_LAST,
    CountTextField,
    DecimalTextField,
    YearTextField,
)
from cadre.validators import code_normalise, code_problem, decimal_digits_worded, validate_code


class CodeField(models.CharField):
    """The code of a unit, category, official, indicator, rater group, programme or star node:
    stored folded to half-width and stripped (code_normalise), whichever path saves it (a form,
    the admin, an import, bulk writes, an update), and looked up the same way, so that ＺＪ０１
    typed anywhere is ZJ01, the code every spreadsheet reads."""

    default_validators = [validate_code]

    def to_python(self, value):
        # CharField.get_prep_value goes through here too: saves, bulk writes and lookups.
        return code_normalise(super().to_python(value))

    def pre_save(self, model_instance, add):
        code = code_normalise(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, code)
        return code


def codes_normalise_stored(*, model, scope: tuple[str, ...] = ()) -> list[str]:
    """Store folded (code_normalise) the codes of `model`, a migration's model, saved before
    codes were folded; return the codes left as they were, whose folded code another row of
    the same `scope` (the fields a code is unique within: the cycle, the tree) already has,
    or that folding would make no valid code."""
    longest = model._meta.get_field("code").max_length
    rows = list(model.objects.values_list("pk", "code", *scope))
    taken = {(tuple(where), code) for _pk, code, *where in rows}
    left = []
    for pk, code, *where in rows:
        folded = code_normalise(code)
        if folded == code:
            continue
        key = (tuple(where), folded)
        if key in taken or code_problem(folded) or len(folded) > longest:
            left.append(code)
            continue
        taken.add(key)
        model.objects.filter(pk=pk).update(code=folded)
    return left


def codes_fold_operation(
    app_label: str, coded: tuple[tuple[str, tuple[str, ...]], ...]
) -> migrations.RunPython:
    """Return the migration operation that folds the stored codes of the app's models, given
    as (model name, the fields its code is unique within), naming in the log those left as
    they were for the 考核办 to merge."""

    def fold(apps, schema_editor):
        for name, scope in coded:
            left = codes_normalise_stored(model=apps.get_model(app_label, name), scope=scope)
            if left:
                logging.getLogger("cadre.codes").warning(
                    "%s: codes left as they were, their half-width form being taken or no "
                    "valid code: %s",
                    name,
                    ", ".join(left),
                )

    return migrations.RunPython(fold, migrations.RunPython.noop)


class TypedNumberMixin:
    """A number a clerk types in a form (the admin's, the entry pages'): given a text input
    read as the grid reads its cells (`form_class`: cadre.form_fields.DecimalTextField,
    CountTextField), where Django's number input drops in the browser, unseen, the full-width
    digits (０．３) that a Chinese input method types.

    Migrations see the plain Django field (`migration_path`): the column is the same, only
    the form field differs."""

    migration_path: str
    form_class: type[forms.Field]

    def formfield(self, **kwargs):
        widget = kwargs.get("widget")
        if widget is not None and issubclass(
            widget if isinstance(widget, type) else type(widget), NumberInput
        ):
            # The admin's default for integers, a number input: the reason for this field.
            del kwargs["widget"]
        return super().formfield(**{**kwargs, "form_class": self.form_class})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, self.migration_path, args, kwargs


class DecimalField(TypedNumberMixin, models.DecimalField):
    """A decimal (points, a share, a weight, an amount) typed as text: see TypedNumberMixin."""

    migration_path = "django.db.models.DecimalField"
    form_class = DecimalTextField

    @cached_property
    def validators(self):
        # An import checks its rows with the model's validators, not the form's.
        return decimal_digits_worded(super().validators)


class CountField(TypedNumberMixin, models.PositiveIntegerField):
    """A whole number from 0 up typed as text (votes, people, a sort order): see
    TypedNumberMixin."""

    migration_path = "django.db.models.PositiveIntegerField"
    form_class = CountTextField


class SmallCountField(TypedNumberMixin, models.PositiveSmallIntegerField):
    """A small whole number from 0 up typed as text (places in an award, a sort order, a star
    level): see TypedNumberMixin."""

    migration_path = "django.db.models.PositiveSmallIntegerField"
    form_class = CountTextField


class YearField(SmallCountField):
    """A calendar year typed as text (２０２７ is 2027), refused beside its field outside
    YEAR_FIRST–YEAR_LAST: see TypedNumberMixin and YearTextField."""

    form_class = YearTextField

    def formfield(self, **kwargs):
        # Over the 0 a positive field's form field starts from.
        return super().formfield(**{"min_value": YEAR_FIRST, "max_value": YEAR_LAST, **kwargs})
