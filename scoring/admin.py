from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportModelAdmin

from scoring.models import (
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    OfficialScore,
    RaterGroup,
    Responsibility,
    UnitResult,
    Vote,
)
from scoring.resources import IndicatorResource, ResponsibilityResource
from scoring.resources_base import safe_resource_for
from scoring.services.tree import indicator_tree_problems


class RaterGroupInline(admin.TabularInline):
    model = RaterGroup
    extra = 0


@admin.register(Cycle)
class CycleAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(Cycle)]
    list_display = ["year", "name", "state", "updated_at"]
    list_filter = ["state"]
    search_fields = ["name", "year"]
    inlines = [RaterGroupInline]
    fieldsets = [
        (None, {"fields": ["year", "name", "state"]}),
        (_("季度权重"), {"fields": ["weight_q1", "weight_q2", "weight_q3", "weight_q4"]}),
        (
            _("等次与加分"),
            {"fields": ["bonus_cap", "excellent_share", "excellent_min", "good_min", "fair_min"]},
        ),
        (_("个人关联考核"), {"fields": ["alpha_principal", "alpha_member"]}),
        (
            _("测评票分值"),
            {"fields": ["vote_excellent", "vote_competent", "vote_basic", "vote_incompetent"]},
        ),
        (_("星级管理"), {"fields": ["star_share"]}),
    ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and object_id:
            cycle = self.get_object(request, object_id)
            if cycle is not None:
                for problem in indicator_tree_problems(cycle=cycle):
                    messages.warning(request, problem)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Indicator)
class IndicatorAdmin(ImportExportModelAdmin):
    resource_classes = [IndicatorResource]
    list_display = ["code", "name", "parent", "max_points", "method", "frequency", "cycle"]
    list_filter = ["cycle", "method", "frequency", "categories"]
    list_select_related = ["cycle", "parent"]
    search_fields = ["code", "name", "lead_department"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["categories", "owners"]

    def changelist_view(self, request, extra_context=None):
        cycle_id = request.GET.get("cycle__id__exact")
        if request.method == "GET" and cycle_id:
            cycle = Cycle.objects.filter(pk=cycle_id).first()
            if cycle is not None:
                for problem in indicator_tree_problems(cycle=cycle):
                    messages.warning(request, problem)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for problem in indicator_tree_problems(cycle=obj.cycle):
            messages.warning(request, problem)


@admin.register(Responsibility)
class ResponsibilityAdmin(ImportExportModelAdmin):
    resource_classes = [ResponsibilityResource]
    list_display = ["official", "indicator"]
    list_select_related = ["official__unit", "indicator"]
    list_filter = ["indicator__cycle"]
    search_fields = ["official__name", "indicator__code", "indicator__name"]
    autocomplete_fields = ["official", "indicator"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(IndicatorValue)]
    list_display = [
        "unit",
        "indicator",
        "period",
        "value",
        "entered_by",
        "updated_at",
        "verified_at",
    ]
    list_filter = ["indicator__cycle", "period", "unit__category"]
    list_select_related = ["unit", "indicator", "entered_by"]
    search_fields = ["unit__name", "unit__code", "indicator__code", "indicator__name"]
    autocomplete_fields = ["unit", "indicator"]
    readonly_fields = ["version", "entered_by", "verified_by", "verified_at"]


@admin.register(Vote)
class VoteAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(Vote)]
    list_display = [
        "unit",
        "indicator",
        "period",
        "rater_group",
        "excellent",
        "competent",
        "basic",
        "incompetent",
    ]
    list_filter = ["indicator__cycle", "period", "rater_group"]
    list_select_related = ["unit", "indicator", "rater_group"]
    search_fields = ["unit__name", "indicator__code"]
    autocomplete_fields = ["unit", "indicator"]


@admin.register(Adjustment)
class AdjustmentAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(Adjustment)]
    list_display = ["unit", "cycle", "period", "points", "reason", "approved_by", "created_at"]
    list_filter = ["cycle", "period"]
    list_select_related = ["unit", "cycle"]
    search_fields = ["unit__name", "reason", "approved_by"]
    autocomplete_fields = ["unit"]


@admin.register(UnitResult)
class UnitResultAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(UnitResult)]
    list_display = [
        "unit",
        "cycle",
        "period",
        "category",
        "total",
        "rank",
        "grade",
        "vetoed",
        "needs_adjustment",
    ]
    list_filter = ["cycle", "period", "category", "grade", "vetoed", "needs_adjustment"]
    list_select_related = ["unit", "cycle", "category"]
    search_fields = ["unit__name", "unit__code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OfficialScore)
class OfficialScoreAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(OfficialScore)]
    list_display = ["official", "cycle", "period", "unit_total", "own_part", "alpha", "score"]
    list_filter = ["cycle", "period"]
    list_select_related = ["official__unit", "cycle"]
    search_fields = ["official__name", "official__unit__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
