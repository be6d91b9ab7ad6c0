from django import forms
from django.contrib import admin
from django.db import models
from import_export.admin import ImportExportModelAdmin

from cadre.admin_export import LocalDateExportMixin
from cadre.models import GrowthRecord, Official, Unit, UnitCategory
from cadre.resources import OfficialResource, UnitCategoryResource, UnitResource
from scoring.resources_base import safe_resource_for
from scoring.services.refresh import results_refresh_unlocked


@admin.register(UnitCategory)
class UnitCategoryAdmin(LocalDateExportMixin, ImportExportModelAdmin):
    resource_classes = [UnitCategoryResource]
    list_display = ["code", "name", "sort_order"]
    search_fields = ["code", "name"]


@admin.register(Unit)
class UnitAdmin(LocalDateExportMixin, ImportExportModelAdmin):
    resource_classes = [UnitResource]
    list_display = ["code", "name", "category", "is_active"]
    list_filter = ["category", "is_active"]
    list_select_related = ["category"]
    search_fields = ["code", "name"]
    filter_horizontal = ["liaisons"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or {"category", "is_active"} & set(form.changed_data):
            results_refresh_unlocked()


class GrowthRecordInline(admin.TabularInline):
    model = GrowthRecord
    extra = 0
    # The detail in a plain, narrower box: the admin's own text area is 48em wide whatever its
    # cols, which made the official's page ~1,600 px wide; this one fits a 1366 px window.
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 30})},
    }


@admin.register(Official)
class OfficialAdmin(LocalDateExportMixin, ImportExportModelAdmin):
    resource_classes = [OfficialResource]
    list_display = ["code", "name", "unit", "role", "position", "rank_level", "in_young_cadre_pool"]
    list_filter = ["role", "in_young_cadre_pool", "unit__category"]
    list_select_related = ["unit"]
    search_fields = ["code", "name", "unit__name", "position"]
    autocomplete_fields = ["unit"]
    inlines = [GrowthRecordInline]


@admin.register(GrowthRecord)
class GrowthRecordAdmin(LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(GrowthRecord)]
    list_display = ["official", "date", "kind", "title"]
    list_filter = ["kind"]
    list_select_related = ["official__unit"]
    search_fields = ["official__name", "title"]
    date_hierarchy = "date"
    autocomplete_fields = ["official"]
