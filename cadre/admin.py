from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.http import HttpResponseRedirect
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from import_export.admin import ImportExportModelAdmin

from cadre.admin_deletion import DataKeptDeletionMixin
from cadre.admin_export import LocalDateExportMixin
from cadre.admin_history import MasterDataHistoryAdmin
from cadre.admin_import import ClerkImportMixin
from cadre.models import GrowthRecord, Official, Unit, UnitCategory
from cadre.resources import OfficialResource, UnitCategoryResource, UnitResource
from cadre.words import listed
from scoring.models import Cycle
from scoring.resources_base import safe_resource_for
from scoring.services.closed_quarters import kept_quarters_notice, unit_move_refusal
from scoring.services.deletion import (
    category_deletion_refusals,
    official_deletion_refusals,
    unit_deletion_refusals,
)
from scoring.services.refresh import results_refresh_unlocked
from scoring.services.setup import account_setup_notes
from scoring.services.units import UnitMoveRefused, unit_save


def results_refresh_unlocked_reported(request) -> None:
    """Recompute the results of the cycles still taking input after a unit or an official
    changed (see `results_refresh_unlocked`) and tell the admin which were recomputed, and that
    closed and published cycles keep theirs."""
    results_refresh_unlocked()
    results_refreshed_report(request)


def results_refreshed_report(request) -> None:
    """Tell the admin which cycles' results a change of units or officials recomputed (those
    still taking input), and that closed and published cycles keep theirs."""
    cycles = list(Cycle.objects.order_by("year"))
    recomputed = [str(cycle) for cycle in cycles if not cycle.is_locked]
    if recomputed:
        messages.info(
            request,
            _("已重新计算 %(cycles)s 的考核结果；已关闭或已发布的周期保持原结果。")
            % {"cycles": listed(recomputed)},
        )
    else:
        messages.info(
            request, _("没有正在填报的考核周期，无需重新计算；已关闭或已发布的周期保持原结果。")
        )
    notice = kept_quarters_notice(cycles=cycles)
    if notice:
        messages.info(request, notice)


class ResultsRefreshedImportMixin:
    """An import of units or officials recomputes the cycles still taking input once written
    (cadre.resources.UnlockedResultsRefreshed): the admin is told so after the import's own
    message, as after a save."""

    def add_success_message(self, result, request):
        super().add_success_message(result, request)
        results_refreshed_report(request)


@admin.register(UnitCategory)
class UnitCategoryAdmin(
    DataKeptDeletionMixin,
    LocalDateExportMixin,
    MasterDataHistoryAdmin,
    ClerkImportMixin,
    ImportExportModelAdmin,
):
    resource_classes = [UnitCategoryResource]
    list_display = ["code", "name", "sort_order"]
    search_fields = ["code", "name"]

    def deletion_refusals(self, objs):
        return category_deletion_refusals(categories=objs)


class UnitForm(forms.ModelForm):
    """A unit's form: no new category while the unit holds a result in a closed quarter of a
    cycle still taking input (`unit_category_move_refusal`)."""

    def clean(self):
        cleaned = super().clean()
        unit, category = self.instance, cleaned.get("category")
        if unit.pk is not None and category is not None and category.pk != unit.category_id:
            refusal = unit_move_refusal(unit=unit, category_id=category.pk)
            if refusal:
                self.add_error("category", refusal)
        return cleaned


@admin.register(Unit)
class UnitAdmin(
    DataKeptDeletionMixin,
    LocalDateExportMixin,
    MasterDataHistoryAdmin,
    ResultsRefreshedImportMixin,
    ClerkImportMixin,
    ImportExportModelAdmin,
):
    resource_classes = [UnitResource]
    form = UnitForm
    list_display = ["code", "name", "category", "is_active"]
    list_filter = ["category", "is_active"]
    list_select_related = ["category"]
    search_fields = ["code", "name"]
    filter_horizontal = ["liaisons"]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A quarter closed between the form's check and the save (unit_save): nothing was
        # saved; the admin is told why on the unit's page as it stands.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except UnitMoveRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        unit_save(unit=obj)
        if not change or {"category", "is_active"} & set(form.changed_data):
            results_refresh_unlocked_reported(request)

    def deletion_refusals(self, objs):
        return unit_deletion_refusals(units=objs)

    # A unit deleted (one created by mistake, holding no data) leaves its category's rankings
    # and 优秀 quota one unit smaller.
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        results_refresh_unlocked_reported(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        results_refresh_unlocked_reported(request)


class GrowthRecordInline(admin.TabularInline):
    model = GrowthRecord
    extra = 0
    # Set by publishing a cycle only (scoring.services.growth), which finds its entry by it.
    readonly_fields = ["cycle"]
    # The detail in a plain, narrower box: the admin's own text area is 48em wide whatever its
    # cols, which made the official's page ~1,600 px wide; this one fits a 1366 px window.
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 30})},
    }


@admin.register(Official)
class OfficialAdmin(
    DataKeptDeletionMixin,
    LocalDateExportMixin,
    MasterDataHistoryAdmin,
    ResultsRefreshedImportMixin,
    ClerkImportMixin,
    ImportExportModelAdmin,
):
    resource_classes = [OfficialResource]
    list_display = ["code", "name", "unit", "role", "position", "rank_level", "in_young_cadre_pool"]
    list_filter = ["role", "in_young_cadre_pool", "unit__category"]
    list_select_related = ["unit"]
    search_fields = ["code", "name", "unit__name", "position"]
    autocomplete_fields = ["unit"]
    inlines = [GrowthRecordInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A transfer moves the personal score to the new unit's total, a new role changes its
        # weight (α), and one no longer in office has none: recompute at once, as for a unit.
        if not change or {"unit", "role", "is_active"} & set(form.changed_data):
            results_refresh_unlocked_reported(request)

    def deletion_refusals(self, objs):
        return official_deletion_refusals(officials=objs)


@admin.register(GrowthRecord)
class GrowthRecordAdmin(LocalDateExportMixin, MasterDataHistoryAdmin):
    resource_classes = [safe_resource_for(GrowthRecord)]
    list_display = ["official", "date", "kind", "title"]
    list_filter = ["kind", "cycle"]
    readonly_fields = ["cycle"]
    list_select_related = ["official__unit"]
    search_fields = ["official__name", "title"]
    date_hierarchy = "date"
    autocomplete_fields = ["official"]


ROLES_HELP = gettext_lazy(
    "角色：考核办管理全部数据，须同时勾选“工作人员状态”才能进入后台；评分员还须在考核指标中设为评分账号；"
    "区委领导查看全部结果；单位联络员还须列入其考核单位的“单位联络员”。"
)


class RoleUserChangeForm(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "groups" in self.fields:
            self.fields["groups"].help_text = ROLES_HELP


# What each of Django's default permissions allows, in the page's language: their stored names
# are English sentences ("Can add unit") written once, by migrate.
PERMISSION_ACTIONS = {
    "add": pgettext_lazy("a permission", "新增"),
    "change": pgettext_lazy("a permission", "修改"),
    "delete": pgettext_lazy("a permission", "删除"),
    "view": pgettext_lazy("a permission", "查看"),
}


def permission_label(permission: Permission) -> str:
    """Return a permission as the admin's pickers show it: its model as the forms name it and
    what it allows, 考核单位 | 新增 (the content type must be loaded with it)."""
    content_type = permission.content_type
    model = content_type.model_class()
    if model is None:  # a model removed from the code since migrate named it
        return str(permission)
    action, _sep, model_name = permission.codename.partition("_")
    allows = PERMISSION_ACTIONS.get(action) if model_name == content_type.model else None
    return f"{capfirst(model._meta.verbose_name)} | {allows or permission.name}"


class PermissionLabelsMixin:
    """The permission pickers of a user's or a group's form in the page's language."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field


class RoleGroupAdmin(PermissionLabelsMixin, GroupAdmin):
    pass


class RoleUserAdmin(PermissionLabelsMixin, UserAdmin):
    """Django's user admin, saying what each role needs besides its group and what the
    account already answers for, so that a new scorer or liaison is set up in one visit."""

    form = RoleUserChangeForm
    readonly_fields = [*UserAdmin.readonly_fields, "setup_notes"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, (_("角色设置"), {"fields": ["setup_notes"]})]

    @admin.display(description=gettext_lazy("本账号负责"))
    def setup_notes(self, user):
        return format_html_join(
            mark_safe("<br>"), "{}", ((note,) for note in account_setup_notes(user=user))
        )


# Django's own registrations of the user and group models are replaced (django.contrib.auth
# comes first in INSTALLED_APPS, so its admin module has registered them by now).
admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), RoleUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, RoleGroupAdmin)
