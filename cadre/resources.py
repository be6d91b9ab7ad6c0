"""Import and export of the cadre master data in the admin (xlsx and csv)."""

from django.core.exceptions import ValidationError
from import_export import fields

from cadre.models import Official, Unit, UnitCategory
from scoring.resources_base import BulkResource, CodeWidget
from scoring.services.closed_quarters import (
    closed_quarter_placings,
    unit_category_move_refusal,
    unit_moves_cycles_lock,
)
from scoring.services.refresh import results_refresh_unlocked


class UnitCategoryResource(BulkResource):
    class Meta(BulkResource.Meta):
        model = UnitCategory
        import_id_fields = ["code"]
        fields = ["code", "name", "sort_order"]


class UnlockedResultsRefreshed:
    """An import that may move units (category, 参加考核) or officials (unit, role, 在职)
    recomputes the results of the cycles still taking input, as the admin's change form does:
    once for the whole file, after it is written. Closed and published cycles keep theirs."""

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not (kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors()):
            results_refresh_unlocked()


class UnitResource(UnlockedResultsRefreshed, BulkResource):
    category = fields.Field("category", "category", CodeWidget(UnitCategory))

    class Meta(BulkResource.Meta):
        model = Unit
        import_id_fields = ["code"]
        fields = ["code", "name", "category", "sort_order", "is_active"]

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._placings = None

    def import_instance(self, instance, row, **kwargs):
        """Refuse, on its category cell, a row moving a unit that holds a result in a closed
        quarter, as the admin's form does (`unit_category_move_refusal`)."""
        stored_category = instance.category_id
        super().import_instance(instance, row, **kwargs)
        if instance.pk is None or instance.category_id in (None, stored_category):
            return
        if self._placings is None:  # read once for the whole file
            if not kwargs.get("dry_run"):
                # Under the locks of the cycles whose quarters may close meanwhile, kept until
                # the file is written (the import is one transaction): see
                # unit_moves_cycles_lock. The preview writes nothing, so it neither waits for
                # a quarter closing nor holds one up: the confirmed import checks again.
                unit_moves_cycles_lock()
            self._placings = closed_quarter_placings()
        refusal = unit_category_move_refusal(
            unit=instance,
            category_id=instance.category_id,
            placings=self._placings.get(instance.pk, []),
        )
        if refusal:
            raise ValidationError({"category": refusal})


class OfficialResource(UnlockedResultsRefreshed, BulkResource):
    unit = fields.Field("unit", "unit", CodeWidget(Unit))

    class Meta(BulkResource.Meta):
        model = Official
        import_id_fields = ["code"]
        fields = [
            "code",
            "name",
            "unit",
            "role",
            "position",
            "rank_level",
            "gender",
            "birth_date",
            "in_young_cadre_pool",
            "young_cadre_since",
            "is_active",
        ]
