"""Import and export of the indicator tree and responsibilities in the admin (xlsx and csv)."""

from functools import reduce

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from cadre.models import Official, UnitCategory
from cadre.numbers import whole_number
from cadre.words import listed
from scoring.models import Cycle, Indicator, Responsibility
from scoring.resources_base import BulkResource, CodeWidget, SafeResource
from scoring.services.cells import cell_list, cell_text
from scoring.services.closed_quarters import TreeChanges
from scoring.services.indicators import indicator_change_validate, owners_refusal, scorer_accounts
from scoring.services.refresh import results_refresh_all
from scoring.services.values import CycleLockedError, cycle_ensure_editable


def unknown_code(model, code: str) -> str:
    return _("未知%(model)s代码“%(code)s”") % {"model": model._meta.verbose_name, "code": code}


class CycleIndicatorWidget(widgets.ForeignKeyWidget):
    """An indicator given by its code within the row's cycle (codes repeat across years).

    A cycle's indicators, with their categories, are read in one query the first time a row
    names the cycle; an indicator created by a row of the file is added (`remember`), so that
    the rows below find it as their parent.
    """

    def __init__(self):
        super().__init__(Indicator, field="code")
        self._by_year: dict[str, dict[str, Indicator]] = {}
        self._years_of_code: dict[str, list[int]] | None = None

    def clean(self, value, row=None, **kwargs):
        code = cell_text(value)
        if not code:
            return None
        year = cell_text(row.get("cycle"))
        indicator = self._of_cycle(year).get(code)
        if indicator is None:
            # A ValueError shows in the dry-run preview next to the cell, not as a traceback.
            raise ValueError(self._unknown_code_message(code=code, year=year))
        return indicator

    def _unknown_code_message(self, *, code: str, year: str) -> str:
        """Say that a code of another year's tree is not in the row's year's, naming the
        years that have it: the clerk's file names an indicator deleted or renamed since."""
        if self._years_of_code is None:  # read once for the whole file, on its first problem
            self._years_of_code = {}
            for other_code, other_year in Indicator.objects.values_list("code", "cycle__year"):
                self._years_of_code.setdefault(other_code, []).append(other_year)
        years = sorted(self._years_of_code.get(code, []))
        if whole_number(year) is None or not years:
            return unknown_code(Indicator, code)
        return _(
            "%(year)s 年度的考核指标中没有代码“%(code)s”（%(years)s 年度有），可能已删除或改了代码"
        ) % {"year": year, "code": code, "years": listed(years)}

    def remember(self, indicator: Indicator) -> None:
        self._of_cycle(str(indicator.cycle.year))[indicator.code] = indicator

    def _of_cycle(self, year: str) -> dict[str, Indicator]:
        if year not in self._by_year:
            indicators = Indicator.objects.none()
            number = whole_number(year)
            if number is not None:
                indicators = Indicator.objects.filter(cycle__year=number)
            self._by_year[year] = {
                indicator.code: indicator for indicator in indicators.prefetch_related("categories")
            }
        return self._by_year[year]


class CategoriesWidget(widgets.ManyToManyWidget):
    """Comma-separated category codes, every category loaded once for the whole file."""

    def __init__(self):
        super().__init__(UnitCategory, field="code")
        self._by_code = None

    def clean(self, value, row=None, **kwargs):
        if self._by_code is None:
            self._by_code = {category.code: category for category in UnitCategory.objects.all()}
        codes = cell_list(value)
        unknown = [code for code in codes if code not in self._by_code]
        if unknown:
            raise ValueError(unknown_code(UnitCategory, unknown[0]))
        return [self._by_code[code] for code in codes]


class OwnersWidget(widgets.ManyToManyWidget):
    """The scorer accounts of an indicator by login name, comma-separated; only users of the
    scorer group, loaded once for the whole file."""

    def __init__(self):
        super().__init__(get_user_model(), field="username")
        self._by_name = None

    def clean(self, value, row=None, **kwargs):
        if self._by_name is None:
            self._by_name = {user.get_username(): user for user in scorer_accounts()}
        names = cell_list(value)
        outside = [name for name in names if name not in self._by_name]
        if outside:
            raise ValueError(owners_refusal(usernames=outside))
        return [self._by_name[name] for name in names]

    def render(self, value, obj=None, **kwargs):
        # In login order, so that an export compares line by line with the last one.
        if value is None:
            return ""
        return ",".join(sorted(user.get_username() for user in value.all()))


class OfficialWidget(CodeWidget):
    """An official by code, with their unit: a responsibility's check reads its category."""

    def __init__(self):
        super().__init__(Official)

    def get_queryset(self, value, row, *args, **kwargs):
        return Official.objects.select_related("unit")


class CycleRowsResource:
    """Rows that belong to a cycle: a row of a closed or published cycle is refused, row by row
    in the dry-run preview; a real import recomputes the results of the cycles it touched, as
    the admin's own change form does (the tree and responsibilities weigh on every result)."""

    cycle_path = "cycle"

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        *path, last = self.cycle_path.split("__")
        owner = reduce(getattr, path, instance)
        cycle_id = getattr(owner, f"{last}_id")
        self._touched_cycle_ids().add(cycle_id)
        cycle = self._locked_cycles().get(cycle_id)
        if cycle is not None:
            try:
                cycle_ensure_editable(cycle=cycle)
            except CycleLockedError as error:
                raise ValidationError(str(error)) from None

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        for cycle in Cycle.objects.filter(pk__in=self._touched_cycle_ids()):
            results_refresh_all(cycle=cycle)

    def _touched_cycle_ids(self) -> set[int]:
        if not hasattr(self, "_touched"):
            self._touched = set()
        return self._touched

    def _locked_cycles(self) -> dict[int, Cycle]:
        if not hasattr(self, "_locked"):
            locked = Cycle.objects.filter(state__in=[Cycle.State.CLOSED, Cycle.State.PUBLISHED])
            self._locked = {cycle.pk: cycle for cycle in locked}
        return self._locked


class IndicatorResource(CycleRowsResource, SafeResource):
    """The tree: parents are rows above their children; the diff preview stays (a tree is
    small and every change matters), so no bulk mode here."""

    cycle = fields.Field("cycle", "cycle", CodeWidget(Cycle, field="year"))
    parent = fields.Field("parent", "parent", CycleIndicatorWidget())
    categories = fields.Field("categories", "categories", CategoriesWidget())
    owners = fields.Field("owners", "owners", OwnersWidget())

    class Meta:
        model = Indicator
        import_id_fields = ["cycle", "code"]
        fields = [
            "cycle",
            "code",
            "name",
            "parent",
            "sort_order",
            "max_points",
            "method",
            "frequency",
            "categories",
            "target",
            "floor",
            "cap",
            "lower_is_better",
            "step",
            "min_share",
            "per_incident",
            "lead_department",
            "owners",
        ]

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._tree_changes = TreeChanges()

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        # The library reads the many-to-many cells only once the row is saved, where a bad
        # code would end the import with an error page: read here, a problem is on its cell.
        cells = {}
        for field in (self.fields["categories"], self.fields["owners"]):
            if field.column_name in row:
                try:
                    cells[field.attribute] = field.clean(row)
                except ValueError as error:
                    errors.setdefault(field.attribute, []).append(str(error))
        # A stored indicator changed by the file is checked as the admin's form checks it.
        if not errors and instance.pk is not None:
            indicator_change_validate(indicator=instance)
        if not errors:
            categories = cells.get("categories")
            try:
                self._tree_changes.node_ensure(
                    indicator=instance,
                    categories=None if categories is None else [c.pk for c in categories],
                )
            except CycleLockedError as error:
                errors[NON_FIELD_ERRORS] = [str(error)]
        if errors:
            raise ValidationError(errors)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        self.fields["parent"].widget.remember(instance)
        self._tree_changes.node_saved(indicator=instance)


class ResponsibilityResource(CycleRowsResource, BulkResource):
    cycle_path = "indicator__cycle"

    official = fields.Field("official", "official", OfficialWidget())
    cycle = fields.Field(attribute="indicator__cycle__year", column_name="cycle", readonly=True)
    indicator = fields.Field("indicator", "indicator", CycleIndicatorWidget())

    class Meta(BulkResource.Meta):
        model = Responsibility
        import_id_fields = ["official", "indicator"]
        fields = ["official", "cycle", "indicator"]

    def duplicate_key_fields(self) -> list[str]:
        # Indicator codes repeat across years.
        return ["official", "cycle", "indicator"]
