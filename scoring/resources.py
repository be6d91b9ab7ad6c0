"""Import and export of the indicator tree and responsibilities in the admin (xlsx and csv)."""

from functools import reduce

from django.core.exceptions import ValidationError
from django.db.models import F
from import_export import fields, widgets

from cadre.models import Official, UnitCategory
from scoring.models import Cycle, Indicator, Responsibility
from scoring.resources_base import BulkResource, CodeWidget, SafeResource
from scoring.services.cells import cell_text
from scoring.services.refresh import results_refresh_all
from scoring.services.values import CycleLockedError, cycle_ensure_editable


class CycleIndicatorWidget(CodeWidget):
    """An indicator given by its code within the row's cycle (codes repeat across years)."""

    def __init__(self, **kwargs):
        super().__init__(Indicator, **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        return Indicator.objects.annotate(cycle_year=F("cycle__year"))

    def get_lookup_kwargs(self, value, row, **kwargs):
        return {"code": value, "cycle_year": cell_text(row.get("cycle"))}


class CategoriesWidget(widgets.ManyToManyWidget):
    """Comma-separated category codes, every category loaded once for the whole file."""

    def __init__(self):
        super().__init__(UnitCategory, field="code")
        self._by_code = None

    def clean(self, value, row=None, **kwargs):
        if self._by_code is None:
            self._by_code = {category.code: category for category in UnitCategory.objects.all()}
        codes = [code.strip() for code in cell_text(value).replace("，", ",").split(",")]
        return [self._by_code[code] for code in codes if code]


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
        ]


class ResponsibilityResource(CycleRowsResource, BulkResource):
    cycle_path = "indicator__cycle"

    official = fields.Field("official", "official", CodeWidget(Official))
    cycle = fields.Field(attribute="indicator__cycle__year", column_name="cycle", readonly=True)
    indicator = fields.Field("indicator", "indicator", CycleIndicatorWidget())

    class Meta(BulkResource.Meta):
        model = Responsibility
        import_id_fields = ["official", "indicator"]
        fields = ["official", "cycle", "indicator"]

    def duplicate_key_fields(self) -> list[str]:
        # Indicator codes repeat across years.
        return ["official", "cycle", "indicator"]
