from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected
from django.core.exceptions import ValidationError
from django.db.models import ManyToManyField, Q
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from cadre.admin_deletion import DataKeptDeletionMixin
from cadre.admin_export import LocalDateExportMixin
from cadre.admin_history import HistoryAdmin, MasterDataHistoryAdmin
from cadre.admin_import import ClerkImportMixin
from cadre.models import Unit
from cadre.numbers import whole_number
from cadre.words import listed
from scoring.forms import IndicatorOwnersForm, account_label
from scoring.models import (
    FROZEN_QUARTER_STATES,
    QUARTER_STATE_FIELDS,
    QUARTERS,
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    OfficialScore,
    Period,
    RaterGroup,
    Responsibility,
    ResultSnapshot,
    UnitResult,
    VerificationRun,
    Vote,
)
from scoring.resources import IndicatorResource, ResponsibilityResource
from scoring.resources_base import safe_resource_for
from scoring.services.background import background_status_annotate
from scoring.services.closed_quarters import (
    TreeChanges,
    cycle_settings_change_ensure_quarters_kept,
    indicators_deletion_refusals,
    rater_groups_change_refusals,
)
from scoring.services.compute import two_places
from scoring.services.cycles import cycle_create_from
from scoring.services.deletion import cycle_deletion_refusals, rater_group_deletion_refusals
from scoring.services.evaluations import (
    rater_group_categories_refusals,
    rater_group_indicators_refusals,
)
from scoring.services.indicators import (
    indicator_change_validate,
    indicator_owner_choices,
    indicator_owners_add,
    indicator_owners_problem,
)
from scoring.services.refresh import results_refresh_all, results_refresh_for_changes
from scoring.services.tree import indicator_tree_problems
from scoring.services.values import (
    SOURCE_ADMIN,
    CellInput,
    CycleLockedError,
    cycle_ensure_editable,
    value_cell_problem,
    value_save,
)


class CycleInputForm(forms.ModelForm):
    """Refuses to save an input of a closed or published cycle, with the service's message,
    and a change that would alter a quarter closed on its own (`quarters_kept_ensure`)."""

    def _post_clean(self):
        super()._post_clean()
        # Here, not in clean(): the instance now carries the values typed, as it will be saved.
        if not self.errors:
            try:
                self.quarters_kept_ensure()
            except CycleLockedError as error:
                self.add_error(None, str(error))

    def quarters_kept_ensure(self) -> None:
        """Raise CycleLockedError when saving the instance as typed would alter a closed
        quarter's results or their explanation; inputs of one period are refused by their
        period in clean() already."""

    def clean(self):
        cleaned = super().clean()
        cycle = self.cycle_of(cleaned)
        if cycle is not None:
            # The row's period, where it has one: a closed quarter refuses its rows.
            period = cleaned.get("period") or getattr(self.instance, "period", None)
            try:
                cycle_ensure_editable(cycle=cycle, periods=[period] if period else [])
            except CycleLockedError as error:
                raise ValidationError(str(error)) from None
        return cleaned

    def cycle_of(self, cleaned) -> Cycle | None:
        if isinstance(self.instance, Cycle):
            return self.instance
        # The fields that place a row in its cycle are read-only on a change form, so they come
        # from the stored row there.
        indicator = cleaned.get("indicator") or getattr(self.instance, "indicator", None)
        cycle = cleaned.get("cycle") or getattr(self.instance, "cycle", None)
        return cycle or (indicator.cycle if indicator else None)


class IndicatorValueForm(CycleInputForm):
    """Checks the value with the rules `values_save` applies, which then stores it."""

    def clean(self):
        cleaned = super().clean()
        cell = self.cell(cleaned)
        if cell is not None:
            problem = value_cell_problem(cell=cell)
            if problem:
                self.add_error("value", problem)
        return cleaned

    def cell(self, cleaned) -> CellInput | None:
        key = {
            name: cleaned.get(name) or getattr(self.instance, name, None)
            for name in ("unit", "indicator", "period")
        }
        if not all(key.values()) or cleaned.get("value") is None:
            return None
        return CellInput(**key, raw=cleaned["value"])


def delete_selected_unless_locked(modeladmin, request, queryset):
    """Django's bulk delete, refused with the service's message when a row is in a locked
    cycle (Django would otherwise answer with its permission error page)."""
    locked = queryset.filter(modeladmin.locked_rows()).first()
    if locked is not None:
        try:
            modeladmin.row_ensure_editable(locked)
        except CycleLockedError as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            return None
    return delete_selected(modeladmin, request, queryset)


class CycleLockMixin:
    """Admin of rows that belong to a cycle: read-only once the cycle is closed or published,
    from the change form, the delete page and the bulk delete action alike; every save and
    delete recomputes the results the rows feed, as the entry pages do."""

    form = CycleInputForm
    cycle_path = "cycle"
    # Fields that place a row in its cycle and in the results it feeds: moving a row elsewhere
    # is deleting it and adding another, so that both places are recomputed.
    placing_fields: list[str] = []
    # The field of a row's period, for rows of one period, which a closed quarter locks too;
    # None for rows that weigh on every period (the tree, the settings).
    period_field: str | None = None

    def cycle_of(self, obj) -> Cycle:
        for name in filter(None, self.cycle_path.split("__")):
            obj = getattr(obj, name)
        return obj

    def row_locked(self, obj) -> bool:
        cycle = self.cycle_of(obj)
        if self.period_field:
            return cycle.period_is_locked(getattr(obj, self.period_field))
        return cycle.is_locked

    def row_ensure_editable(self, obj) -> None:
        """Raise CycleLockedError, with the service's message, when the row is locked."""
        periods = [getattr(obj, self.period_field)] if self.period_field else []
        cycle_ensure_editable(cycle=self.cycle_of(obj), periods=periods)

    def locked_rows(self) -> Q:
        """The rows `row_locked` finds locked, as a filter (a bulk delete checks them all)."""
        cycle = self.cycle_path + "__" if self.cycle_path else ""
        locked = Q(**{f"{cycle}state__in": [Cycle.State.CLOSED, Cycle.State.PUBLISHED]})
        if self.period_field:
            for quarter, field in QUARTER_STATE_FIELDS.items():
                locked |= Q(
                    **{self.period_field: quarter, f"{cycle}{field}__in": FROZEN_QUARTER_STATES}
                )
        return locked

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, *self.placing_fields] if obj is not None else fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and self.row_locked(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self.row_locked(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _function, name, description = actions["delete_selected"]
            actions[name] = (delete_selected_unless_locked, name, description)
        return actions

    def save_model(self, request, obj, form, change):
        self.row_ensure_editable(obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # After the many-to-many fields and inlines, which count too (categories, rater groups).
        super().save_related(request, form, formsets, change)
        self.results_refresh([form.instance])

    def delete_model(self, request, obj):
        self.row_ensure_editable(obj)
        super().delete_model(request, obj)
        self.results_refresh_after_delete([obj])

    def delete_queryset(self, request, queryset):
        rows = list(queryset.select_related(*self.refresh_related()))
        super().delete_queryset(request, queryset)
        self.results_refresh_after_delete(rows)

    def results_refresh_after_delete(self, rows) -> None:
        self.results_refresh(rows)

    def refresh_related(self) -> list[str]:
        return [self.cycle_path] if self.cycle_path else []

    def results_refresh(self, rows) -> None:
        """Recompute every result of the rows' cycles: the tree and the settings weigh on all."""
        for cycle in {self.cycle_of(row) for row in rows}:
            results_refresh_all(cycle=cycle)


class LockedCycleAdmin(CycleLockMixin, HistoryAdmin):
    """Admin of a cycle's inputs, locked with their cycle; every change is recorded in the
    history as coming from the admin site."""

    def save_model(self, request, obj, form, change):
        obj._change_reason = SOURCE_ADMIN
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        obj._change_reason = SOURCE_ADMIN
        super().delete_model(request, obj)


class UnitInputAdmin(LockedCycleAdmin):
    """Admin of a unit's input for a period (value, votes, adjustment): locked with its
    quarter too; a change recomputes only the results of the unit's category for that period,
    as the entry pages do."""

    period_field = "period"

    def refresh_related(self) -> list[str]:
        return [*super().refresh_related(), "unit"]

    def results_refresh(self, rows) -> None:
        changes: dict[Cycle, list] = {}
        for row in rows:
            changes.setdefault(self.cycle_of(row), []).append((row.unit, row.period))
        for cycle, touched in changes.items():
            results_refresh_for_changes(cycle=cycle, changes=touched)


def tree_problems_warn(request, cycle: Cycle) -> None:
    """Show the admin what is wrong with the cycle's indicator tree (it may be mid-edit)."""
    for problem in indicator_tree_problems(cycle=cycle):
        messages.warning(request, problem)


class RaterGroupRatedForm(forms.ModelForm):
    """What a rater group rates: the categories and the evaluation indicators of its cycle
    (`cycle`, for a row the cycle's page adds; every year's, named with their year, on an add
    page), refused when they leave out units or indicators the group has votes for. The rows
    of a formset share `rated_choices`, filled by the first."""

    def __init__(
        self, *args, cycle: Cycle | None = None, rated_choices: dict | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.indicators_limit(cycle)
        if rated_choices is not None:
            self.rated_choices_share(rated_choices)

    def indicators_limit(self, cycle: Cycle | None) -> None:
        field = self.fields.get("indicators")
        if field is None:
            return
        # The cycle's page (a new cycle has none yet), the stored cycle, or the one an add page
        # was opened for (?cycle=<id>); else every year's, which clean_indicators holds to the
        # chosen cycle.
        cycle_id = str(self.instance.cycle_id or self.initial.get("cycle") or "")
        if cycle is not None:
            field.queryset = field.queryset.filter(cycle_id=cycle.pk)
        elif whole_number(cycle_id) is not None:
            field.queryset = field.queryset.filter(cycle_id=cycle_id)
        else:
            field.queryset = field.queryset.select_related("cycle")
            field.label_from_instance = indicator_with_year

    def rated_choices_share(self, rated_choices: dict[str, list]) -> None:
        """Offer the categories and indicators read for the first row of the formset, which
        every row of one cycle shares: each row would otherwise read both again."""
        for name in ("categories", "indicators"):
            field = self.fields.get(name)
            if field is not None:
                if name not in rated_choices:
                    # Iterated: list() would first ask the choices' length, one more query.
                    rated_choices[name] = list(iter(field.choices))
                field.choices = rated_choices[name]

    def clean_categories(self):
        categories = self.cleaned_data["categories"]
        if "categories" in self.changed_data:
            refusals = rater_group_categories_refusals(group=self.instance, categories=categories)
            if refusals:
                raise ValidationError(refusals)
        return categories

    def clean_indicators(self):
        indicators = self.cleaned_data["indicators"]
        if "indicators" in self.changed_data:
            cycle = self.cleaned_data.get("cycle") or getattr(self.instance, "cycle", None)
            refusals = rater_group_indicators_refusals(
                group=self.instance, cycle=cycle, indicators=indicators
            )
            if refusals:
                raise ValidationError(refusals)
        return indicators


class RaterGroupForm(RaterGroupRatedForm, CycleInputForm):
    """A rater group's form: no new weight while its votes count in a closed quarter."""

    def quarters_kept_ensure(self) -> None:
        refusals = rater_groups_change_refusals(rater_groups=[self.instance])
        if refusals:
            raise CycleLockedError(" ".join(refusals))


class RaterGroupFormSet(BaseInlineFormSet):
    """Refuses to delete a rater group with votes, saying so in words before Django's own
    check would list every vote, and to give a new weight to one whose votes count in a
    closed quarter."""

    def clean(self):
        deleted = [
            form.instance
            for form in self.forms
            if form.instance.pk is not None and self._should_delete_form(form)
        ]
        kept = [
            form.instance
            for form in self.forms
            if form.has_changed() and not self._should_delete_form(form)
        ]
        refusals = rater_group_deletion_refusals(rater_groups=deleted)
        refusals += rater_groups_change_refusals(rater_groups=kept)
        if refusals:
            raise ValidationError(refusals)
        super().clean()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What a group may rate, read by the first row and offered by every row.
        self.rated_choices: dict[str, list] = {}

    def get_form_kwargs(self, index):
        # A row added here has no cycle before it is validated: its indicators are the cycle's.
        return {
            **super().get_form_kwargs(index),
            "cycle": self.instance,
            "rated_choices": self.rated_choices,
        }


# A district has a handful of categories and evaluation indicators: a box each reads better
# than a multiple select.
RATER_GROUP_CATEGORIES_WIDGET = {ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}


class RaterGroupInline(admin.TabularInline):
    model = RaterGroup
    form = RaterGroupRatedForm
    formset = RaterGroupFormSet
    formfield_overrides = RATER_GROUP_CATEGORIES_WIDGET
    extra = 0

    def get_queryset(self, request):
        # Each row shows what its group rates: read for all rows at once.
        return super().get_queryset(request).prefetch_related("categories", "indicators")

    def has_add_permission(self, request, obj=None):
        return not (obj and obj.is_locked) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_locked) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_locked) and super().has_delete_permission(request, obj)


class CycleSettingsForm(CycleInputForm):
    """A cycle's settings: none that a closed quarter's results were computed with changes."""

    def quarters_kept_ensure(self) -> None:
        cycle_settings_change_ensure_quarters_kept(cycle=self.instance)


@admin.register(Cycle)
class CycleAdmin(DataKeptDeletionMixin, LocalDateExportMixin, LockedCycleAdmin):
    resource_classes = [safe_resource_for(Cycle)]
    form = CycleSettingsForm
    cycle_path = ""
    # States move on the cycles page only, through the cycle services.
    readonly_fields = ["state", *QUARTER_STATE_FIELDS.values()]
    list_display = ["year", "name", "state", "updated_at"]
    list_filter = ["state"]
    search_fields = ["name", "year"]
    inlines = [RaterGroupInline]
    fieldsets = [
        (None, {"fields": ["year", "name", "state", *QUARTER_STATE_FIELDS.values()]}),
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

    actions = ["next_year_create"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and object_id:
            cycle = self.get_object(request, object_id)
            if cycle is not None:
                tree_problems_warn(request, cycle)
        return super().change_view(request, object_id, form_url, extra_context)

    # The history of a cycle is for reading: restoring a version would move its state back
    # past the cycle services (no reopening reason, no checks) and silently put back every
    # setting of that version at once.
    history_revert_refused = _(
        "考核周期的历史版本只能查看，不能恢复：状态请在周期管理页面变更，设置请在修改页面逐项修改。"
    )

    def results_refresh_after_delete(self, rows) -> None:
        """A deleted cycle's results are deleted with it: nothing is left to recompute."""

    def deletion_refusals(self, objs):
        return cycle_deletion_refusals(cycles=objs)

    @admin.action(permissions=["add"], description=_("以所选周期为模板新建下一年度"))
    def next_year_create(self, request, queryset):
        cycles = list(queryset[:2])
        if len(cycles) != 1:
            self.message_user(request, _("请只选择一个考核周期作为模板。"), messages.ERROR)
            return None
        previous = cycles[0]
        try:
            created = cycle_create_from(
                previous=previous, year=previous.year + 1, by=request.user, source=SOURCE_ADMIN
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        self.message_user(
            request,
            _("已以 %(previous)s 年度为模板新建 %(cycle)s（草稿），请核对指标体系后再开放填报。")
            % {"previous": previous.year, "cycle": created},
            messages.SUCCESS,
        )
        return redirect("admin:scoring_cycle_change", created.pk)


def indicator_with_year(indicator: Indicator) -> str:
    """Name a node in a picker that may list several years' trees, where codes repeat."""
    return _("%(indicator)s（%(year)s年度）") % {
        "indicator": indicator,
        "year": indicator.cycle.year,
    }


# The completion rule M × min(r, cap) rewards beyond the target when the cap is above 1.
CAP_HELP = _(
    "目标完成率指标的完成率按此封顶，默认 1。大于 1 时（如 1.2），完成率超过 100% 的单位"
    "得分可超过本指标分值，最多为分值 × 上限；指标体系的千分合计仍按分值计算。"
)


class IndicatorForm(CycleInputForm):
    """An indicator's form: parents from the indicator's cycle, named with their year; scorer
    accounts from the scorer group; and no change that would leave stored values scored
    wrongly (`indicator_change_validate`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "cap" in self.fields:
            self.fields["cap"].help_text = CAP_HELP
        if "parent" in self.fields:
            parents = Indicator.objects.select_related("cycle")
            # The stored cycle, or the one an add page was opened for (?cycle=<id>); else every
            # year's nodes, which Indicator.clean then holds to the chosen cycle.
            cycle_id = str(self.instance.cycle_id or self.initial.get("cycle") or "")
            if whole_number(cycle_id) is not None:
                parents = parents.filter(cycle_id=cycle_id)
            self.fields["parent"].queryset = parents.exclude(pk=self.instance.pk)
            self.fields["parent"].label_from_instance = indicator_with_year
        if "owners" in self.fields:
            self.fields["owners"].queryset = indicator_owner_choices(indicator=self.instance)
            self.fields["owners"].label_from_instance = account_label

    def clean_owners(self):
        owners = self.cleaned_data["owners"]
        problem = indicator_owners_problem(users=owners)
        if problem:
            raise ValidationError(problem)
        return owners

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            try:
                indicator_change_validate(indicator=self.instance)
            except ValidationError as error:
                self.add_error(None, error)

    def quarters_kept_ensure(self) -> None:
        categories = self.cleaned_data.get("categories") if "categories" in self.fields else None
        TreeChanges().node_ensure(
            indicator=self.instance,
            categories=None if categories is None else [category.pk for category in categories],
        )


@admin.register(Indicator)
class IndicatorAdmin(
    DataKeptDeletionMixin,
    LocalDateExportMixin,
    CycleLockMixin,
    MasterDataHistoryAdmin,
    ClerkImportMixin,
    ImportExportModelAdmin,
):
    resource_classes = [IndicatorResource]
    form = IndicatorForm
    placing_fields = ["cycle"]
    list_display = ["code", "name", "parent", "max_points", "method", "frequency", "cycle"]
    list_filter = ["cycle", "method", "frequency", "categories"]
    list_select_related = ["cycle", "parent"]
    search_fields = ["code", "name", "lead_department"]
    filter_horizontal = ["categories", "owners"]
    actions = ["owners_assign"]

    @admin.action(description=_("指定评分账号…"), permissions=["change"])
    def owners_assign(self, request, queryset):
        """Add scorer accounts to the selected indicators, on a page that picks them."""
        form = IndicatorOwnersForm(request.POST if "apply" in request.POST else None)
        indicators = list(queryset.select_related("cycle"))
        if form.is_bound and form.is_valid():
            owners = form.cleaned_data["owners"]
            try:
                count = indicator_owners_add(
                    indicators=indicators, users=owners, by=request.user, source=SOURCE_ADMIN
                )
            except (CycleLockedError, ValidationError) as error:
                problem = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, problem, messages.ERROR)
                return None
            names = listed(owner.get_username() for owner in owners)
            self.message_user(
                request,
                _("已为 %(count)s 个末级指标增加评分账号：%(names)s。")
                % {"count": count, "names": names},
                messages.SUCCESS,
            )
            skipped = len(indicators) - count
            if skipped:
                self.message_user(
                    request,
                    _("所选的 %(count)s 个汇总项没有计分方法，不需要评分账号，已跳过。")
                    % {"count": skipped},
                    messages.WARNING,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("指定评分账号"),
            "opts": self.model._meta,
            "form": form,
            "indicators": indicators,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/scoring/indicator/owners_assign.html", context)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The responsibility's picker offers what Responsibility.clean accepts: leaves.
        source = (request.GET.get("model_name"), request.GET.get("field_name"))
        if source == ("responsibility", "indicator"):
            queryset = queryset.exclude(method="")
        return queryset, may_have_duplicates

    def changelist_view(self, request, extra_context=None):
        cycle_id = request.GET.get("cycle__id__exact", "")
        # A malformed id is left to the changelist, which answers it with its own message.
        if request.method == "GET" and whole_number(cycle_id) is not None:
            cycle = Cycle.objects.filter(pk=cycle_id).first()
            if cycle is not None:
                tree_problems_warn(request, cycle)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        tree_problems_warn(request, obj.cycle)

    def deletion_refusals(self, objs):
        return indicators_deletion_refusals(indicators=objs)


@admin.register(Responsibility)
class ResponsibilityAdmin(
    LocalDateExportMixin,
    CycleLockMixin,
    MasterDataHistoryAdmin,
    ClerkImportMixin,
    ImportExportModelAdmin,
):
    resource_classes = [ResponsibilityResource]
    cycle_path = "indicator__cycle"
    placing_fields = ["indicator"]
    list_display = ["official", "indicator"]
    list_select_related = ["official__unit", "indicator"]
    list_filter = ["indicator__cycle"]
    search_fields = ["official__name", "indicator__code", "indicator__name"]
    autocomplete_fields = ["official", "indicator"]


@admin.register(RaterGroup)
class RaterGroupAdmin(
    DataKeptDeletionMixin, LocalDateExportMixin, CycleLockMixin, MasterDataHistoryAdmin
):
    """The rater groups of every cycle, each with its history (their weights weigh on every
    evaluation's points); the cycle's page edits them too."""

    def deletion_refusals(self, objs):
        return rater_group_deletion_refusals(rater_groups=objs)

    resource_classes = [safe_resource_for(RaterGroup)]
    form = RaterGroupForm
    formfield_overrides = RATER_GROUP_CATEGORIES_WIDGET
    placing_fields = ["cycle"]
    list_display = ["code", "name", "weight", "cycle"]
    list_filter = ["cycle"]
    list_select_related = ["cycle"]
    search_fields = ["code", "name"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(LocalDateExportMixin, UnitInputAdmin):
    resource_classes = [safe_resource_for(IndicatorValue)]
    form = IndicatorValueForm
    cycle_path = "indicator__cycle"
    placing_fields = ["unit", "indicator", "period"]
    list_display = [
        "unit_shown",
        "indicator",
        "period",
        "value",
        "entered_by",
        "updated_at",
        "verified_at",
    ]
    list_filter = ["indicator__cycle", "period", "unit__category"]
    list_select_related = ["unit", "indicator", "entered_by"]
    # What the search box matches; get_search_results reads the units and indicators first.
    search_fields = ["unit__name", "unit__code", "indicator__code", "indicator__name"]
    autocomplete_fields = ["unit", "indicator"]
    readonly_fields = ["version", "entered_by", "verified_by", "verified_at"]

    # Sorted by the unit's id (indexed), not by Unit.Meta.ordering, which sorts every value
    # joined to its unit and category: millions of rows at province scale.
    @admin.display(
        description=IndicatorValue._meta.get_field("unit").verbose_name, ordering="unit_id"
    )
    def unit_shown(self, obj):
        return obj.unit

    def get_search_results(self, request, queryset, search_term):
        """Match each word of the term against the units' codes and names and the indicators'
        codes and names, then keep the values of those ids: LIKE '%…%' ORed across the joins
        walks every value (2 M at province scale), the units and indicators are a few
        thousand rows and the ids are indexed. Two queries a word."""
        for word in smart_split(search_term):
            if word[0] in "\"'" and word[0] == word[-1]:
                word = unescape_string_literal(word)
            units = Unit.objects.filter(Q(code__icontains=word) | Q(name__icontains=word))
            indicators = Indicator.objects.filter(Q(code__icontains=word) | Q(name__icontains=word))
            queryset = queryset.filter(
                Q(unit_id__in=list(units.values_list("pk", flat=True)))
                | Q(indicator_id__in=list(indicators.values_list("pk", flat=True)))
            )
        return queryset, False

    def save_model(self, request, obj, form, change):
        # The service stores the value as every other path does (version, verification,
        # history, results); the form checked it already.
        cell = CellInput(unit=obj.unit, indicator=obj.indicator, period=obj.period, raw=obj.value)
        obj.pk = value_save(cell=cell, by=request.user, source=SOURCE_ADMIN).pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """`value_save` recomputed the results already; a value has nothing related to save."""


@admin.register(Vote)
class VoteAdmin(LocalDateExportMixin, UnitInputAdmin):
    resource_classes = [safe_resource_for(Vote)]
    cycle_path = "indicator__cycle"
    placing_fields = ["unit", "indicator", "period"]
    list_display = [
        "unit",
        "indicator",
        "period",
        "rater_group",
        *Vote.KINDS,
    ]
    list_filter = ["indicator__cycle", "period", "rater_group"]
    list_select_related = ["unit", "indicator", "rater_group"]
    search_fields = ["unit__name", "indicator__code"]
    autocomplete_fields = ["unit", "indicator"]


@admin.register(Adjustment)
class AdjustmentAdmin(LocalDateExportMixin, UnitInputAdmin):
    resource_classes = [safe_resource_for(Adjustment)]
    placing_fields = ["cycle", "unit", "period"]
    list_display = ["unit", "cycle", "period", "points", "reason", "approved_by", "created_at"]
    list_filter = ["cycle", "period"]
    list_select_related = ["unit", "cycle"]
    search_fields = ["unit__name", "reason", "approved_by"]
    autocomplete_fields = ["unit"]


class StoredResultsAdmin(CycleLockMixin, admin.ModelAdmin):
    """Admin of what the scoring service stores: never added or changed by hand, and never
    deleted once the cycle is closed or published (the delete page and the bulk delete alike,
    with `CycleLockMixin`'s lock, a closed quarter's results too), so that a locked year or
    quarter keeps showing what was computed."""

    period_field = "period"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def results_refresh_after_delete(self, rows) -> None:
        """Deleting a result of an open cycle recomputes nothing: the next change to the
        cycle's inputs writes it again."""


@admin.register(UnitResult)
class UnitResultAdmin(LocalDateExportMixin, StoredResultsAdmin):
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


@admin.register(OfficialScore)
class OfficialScoreAdmin(LocalDateExportMixin, StoredResultsAdmin):
    resource_classes = [safe_resource_for(OfficialScore)]
    # The unit the score was computed at, which an official transferred since has left.
    list_display = [
        "official",
        "unit",
        "cycle",
        "period",
        "unit_total",
        "own_part_in_cents",
        "alpha",
        "score",
    ]
    list_filter = ["cycle", "period"]
    list_select_related = ["official__unit", "unit", "cycle"]
    search_fields = ["official__name", "official__unit__name"]

    # Kept to ten places for its score's formula; the list reads in cents like the others.
    @admin.display(description=OfficialScore._meta.get_field("own_part").verbose_name)
    def own_part_in_cents(self, score):
        return two_places(score.own_part)


class RecordedOnlyAdmin(admin.ModelAdmin):
    """Admin of what the application recorded of itself: shown, never added, changed or
    deleted by hand (Django then offers no bulk delete either)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SnapshotPeriodFilter(admin.SimpleListFilter):
    """A snapshot's period: a quarter published on its own, or the whole cycle (blank), which
    holds every quarter and the year: 全年 alone would find none."""

    title = _("期间")
    parameter_name = "period"
    WHOLE_CYCLE = "cycle"

    def lookups(self, request, model_admin):
        return [(quarter, Period(quarter).label) for quarter in QUARTERS] + [
            (self.WHOLE_CYCLE, _("整个周期"))
        ]

    def queryset(self, request, queryset):
        if self.value() == self.WHOLE_CYCLE:
            return queryset.filter(period="")
        if self.value() in QUARTERS:
            return queryset.filter(period=self.value())
        return queryset


@admin.register(ResultSnapshot)
class ResultSnapshotAdmin(LocalDateExportMixin, RecordedOnlyAdmin):
    """A publication is a record of what units were told: never deleted, whatever the cycle's
    state."""

    resource_classes = [safe_resource_for(ResultSnapshot)]
    list_display = ["cycle", "period_shown", "published_at", "published_by"]
    list_filter = ["cycle", SnapshotPeriodFilter]
    list_select_related = ["cycle", "published_by"]
    readonly_fields = [
        "cycle",
        "period",
        "published_at",
        "published_by",
        "cycle_settings",
        "results",
    ]

    @admin.display(description=_("期间"), ordering="period")
    def period_shown(self, snapshot):
        return snapshot.get_period_display() if snapshot.period else _("整个周期")


@admin.register(VerificationRun)
class VerificationRunAdmin(LocalDateExportMixin, RecordedOnlyAdmin):
    """The background verifications (审核), for an operator to see what the worker did, is
    doing or left interrupted; what to do with one is on its verify page."""

    resource_classes = [safe_resource_for(VerificationRun)]
    list_display = [
        "cycle",
        "period",
        "requested_by",
        "requested_at",
        "resumed_by",
        "resumed_at",
        "shown_status",
        "total",
        "verified",
        "progress_at",
        "finished_at",
        "message",
    ]
    list_filter = ["status", "cycle", "period"]
    list_select_related = ["cycle", "requested_by", "resumed_by"]

    def get_queryset(self, request):
        # A run holds its row's lock for a batch at most: the query alone tells it interrupted.
        return background_status_annotate(super().get_queryset(request))

    @admin.display(description=VerificationRun._meta.get_field("status").verbose_name)
    def shown_status(self, run):
        return run.get_shown_status_display()
