from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets
from import_export.admin import ImportExportModelAdmin

from cadre.admin_export import LocalDateExportMixin
from scoring.resources_base import CodeWidget, KeyedInstanceLoader, SafeResource, safe_resource_for
from talent.forms import TALENT_FIELDS
from talent.models import (
    AwardCategory,
    AwardRound,
    FundYear,
    Nomination,
    Programme,
    ReviewScore,
    StarNode,
    StarTree,
    Subsidy,
    Talent,
    TalentStatusChange,
    TalentTarget,
)
from talent.services.registry import talent_register
from talent.services.star import star_tree_certify

STATUS_FIELDS = ["status", "status_date"]


class ProgrammeResource(SafeResource):
    class Meta:
        model = Programme
        import_id_fields = ["code"]
        fields = ["code", "name", "level", "sort_order"]


class TalentResource(SafeResource):
    """Talents in and out of the admin's spreadsheets, under the registry's rules: a new talent's
    first status is recorded as its first change, and an existing talent's status changes only
    on its page, where each transition is checked and recorded."""

    programme = fields.Field("programme", "programme", CodeWidget(Programme))
    # A blank cell reads as None; import-export turns it into "" for CharFields only.
    note = fields.Field("note", "note", widgets.CharWidget(allow_blank=True))

    class Meta:
        model = Talent
        fields = ["id", *TALENT_FIELDS]
        # The stored talents of the whole file in one query, with their programmes (the preview
        # compares each row with its talent's programme): two queries a row before.
        instance_loader_class = KeyedInstanceLoader
        # A row the same as its stored talent is left alone instead of written again.
        skip_unchanged = True

    def get_queryset(self):
        return super().get_queryset().select_related("programme")

    def import_instance(self, instance, row, **kwargs):
        recorded = {name: getattr(instance, name) for name in STATUS_FIELDS}
        super().import_instance(instance, row, **kwargs)
        if instance._state.adding:
            return
        # Compared as the model stores them: a date typed in Excel arrives as a datetime.
        imported = {
            name: Talent._meta.get_field(name).to_python(getattr(instance, name))
            for name in STATUS_FIELDS
        }
        changed = [name for name in STATUS_FIELDS if imported[name] != recorded[name]]
        if changed:
            refusal = _("已登记人才的状态不能通过导入修改，请在人才页面变更。")
            raise ValidationError(dict.fromkeys(changed, refusal))

    def save_instance(self, instance, is_create, row, **kwargs):
        if is_create:
            talent_register(talent=instance, by=kwargs.get("user"))
        else:
            super().save_instance(instance, is_create, row, **kwargs)


class TalentTargetResource(SafeResource):
    programme = fields.Field("programme", "programme", CodeWidget(Programme))

    class Meta:
        model = TalentTarget
        import_id_fields = ["year", "programme"]
        fields = ["year", "programme", "target"]


@admin.register(Programme)
class ProgrammeAdmin(LocalDateExportMixin, ImportExportModelAdmin):
    resource_classes = [ProgrammeResource]
    list_display = ["code", "name", "level", "sort_order"]
    search_fields = ["code", "name"]


class StatusChangeInline(admin.TabularInline):
    model = TalentStatusChange
    extra = 0
    readonly_fields = ["status", "date", "changed_by", "note"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Talent)
class TalentAdmin(LocalDateExportMixin, ImportExportModelAdmin):
    resource_classes = [TalentResource]
    list_display = ["name", "programme", "year", "field", "employer", "status", "status_date"]
    list_filter = ["year", "programme", "status"]
    list_select_related = ["programme"]
    search_fields = ["name", "employer", "field"]
    inlines = [StatusChangeInline]

    def get_readonly_fields(self, request, obj=None):
        # Later changes of status go through the registry page, which records each transition.
        return ["status", "status_date"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            talent_register(talent=obj, by=request.user)


@admin.register(TalentTarget)
class TalentTargetAdmin(LocalDateExportMixin, ImportExportModelAdmin):
    resource_classes = [TalentTargetResource]
    list_display = ["year", "programme", "target"]
    list_filter = ["year"]
    list_select_related = ["programme"]


class AwardCategoryInline(admin.TabularInline):
    model = AwardCategory
    extra = 0
    fields = ["name", "sort_order", "quota", "prize", "reviewers"]
    filter_horizontal = ["reviewers"]


@admin.register(AwardRound)
class AwardRoundAdmin(LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(AwardRound)]
    list_display = ["name", "year", "state"]
    inlines = [AwardCategoryInline]


@admin.register(AwardCategory)
class AwardCategoryAdmin(LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(AwardCategory)]
    list_display = ["name", "round", "quota", "prize", "confirmed_at"]
    list_filter = ["round"]
    list_select_related = ["round"]
    filter_horizontal = ["reviewers"]
    search_fields = ["name"]


@admin.register(Nomination)
class NominationAdmin(LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(Nomination)]
    list_display = ["nominee", "category", "employer", "nominated_by", "is_winner"]
    list_filter = ["category__round", "category", "is_winner"]
    list_select_related = ["category__round"]
    search_fields = ["nominee", "employer"]
    readonly_fields = ["is_winner"]


@admin.register(ReviewScore)
class ReviewScoreAdmin(LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(ReviewScore)]
    list_display = ["nomination", "reviewer", "score", "updated_at"]
    list_filter = ["nomination__category__round", "reviewer"]
    list_select_related = ["nomination__category__round", "reviewer"]


@admin.register(FundYear)
class FundYearAdmin(LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(FundYear)]
    list_display = ["year", "budget", "committed"]
    readonly_fields = ["committed"]


@admin.register(Subsidy)
class SubsidyAdmin(LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(Subsidy)]
    list_display = ["talent", "kind", "amount", "fund", "state", "requested_at", "decided_by"]
    list_filter = ["fund", "kind", "state"]
    # A talent is shown with its programme (Talent.__str__).
    list_select_related = ["talent__programme", "fund", "decided_by"]
    search_fields = ["talent__name"]
    autocomplete_fields = ["talent"]
    # Approval goes through the subsidies page, which guards the budget.
    readonly_fields = ["state", "decided_at", "decided_by", "decision_note"]


@admin.register(StarTree)
class StarTreeAdmin(LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(StarTree)]
    list_display = ["name", "year", "share", "certified_at"]
    readonly_fields = ["certified_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The threshold decides every verdict of the tree.
        if change and "share" in form.changed_data:
            star_tree_certify(tree=obj)


@admin.register(StarNode)
class StarNodeAdmin(LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(StarNode)]
    list_display = ["code", "name", "level", "stars", "is_ten_star", "verdict", "tree"]
    list_filter = ["tree", "level", "is_ten_star", "verdict"]
    list_select_related = ["tree"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["is_ten_star", "verdict", "children_total", "children_ten_star"]

    # A node's stars or place decide its ancestors' verdicts: certify its tree again after
    # every change, so that the pages never show a verdict computed from older records.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        star_tree_certify(tree=obj.tree)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        star_tree_certify(tree=obj.tree)

    def delete_queryset(self, request, queryset):
        trees = list(StarTree.objects.filter(nodes__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for tree in trees:
            star_tree_certify(tree=tree)
