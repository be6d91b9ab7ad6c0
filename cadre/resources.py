"""Import and export of the cadre master data in the admin (xlsx and csv)."""

from import_export import fields

from cadre.models import Official, Unit, UnitCategory
from scoring.resources_base import BulkResource, CodeWidget
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
