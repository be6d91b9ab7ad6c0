from django.contrib import admin

from cadre.models import GrowthRecord, Official, Unit, UnitCategory


@admin.register(UnitCategory)
class UnitCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sort_order"]
    search_fields = ["code", "name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "is_active"]
    list_filter = ["category", "is_active"]
    list_select_related = ["category"]
    search_fields = ["code", "name"]
    filter_horizontal = ["liaisons"]


class GrowthRecordInline(admin.TabularInline):
    model = GrowthRecord
    extra = 0


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "role", "position", "rank_level", "in_young_cadre_pool"]
    list_filter = ["role", "in_young_cadre_pool", "unit__category"]
    list_select_related = ["unit"]
    search_fields = ["code", "name", "unit__name", "position"]
    autocomplete_fields = ["unit"]
    inlines = [GrowthRecordInline]


@admin.register(GrowthRecord)
class GrowthRecordAdmin(admin.ModelAdmin):
    list_display = ["official", "date", "kind", "title"]
    list_filter = ["kind"]
    list_select_related = ["official__unit"]
    search_fields = ["official__name", "title"]
    date_hierarchy = "date"
    autocomplete_fields = ["official"]
