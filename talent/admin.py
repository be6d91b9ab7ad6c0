from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from import_export import fields, widgets
from import_export.admin import ImportExportModelAdmin

from cadre.admin_export import LocalDateExportMixin
from cadre.admin_import import ClerkImportMixin
from scoring.resources_base import CodeWidget, KeyedInstanceLoader, SafeResource, safe_resource_for
from scoring.services.cells import cell_text
from talent.forms import TALENT_FIELDS, TalentForm
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
from talent.services.awards import CONFIRMED_FIXED_FIELDS, award_deletion_refusals
from talent.services.registry import talent_register
from talent.services.star import star_tree_certify
from talent.services.subsidies import (
    SUBSIDY_MONEY_FIELDS,
    fund_year_budget_set,
    fund_year_locked,
    subsidy_delete,
    subsidy_deletion_refusals,
    subsidy_request,
    subsidy_request_check,
    subsidy_request_update,
)

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

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        # A clerk's list of new talents has no ids: imported twice, it would register everyone
        # twice. The stored talents its new rows may repeat, in one query (none for a file
        # exported from the admin, whose rows all have ids).
        new_names = set()
        if "name" in dataset.headers:
            has_ids = "id" in dataset.headers
            new_names = {
                cell_text(row["name"])
                for row in dataset.dict
                if not (has_ids and cell_text(row["id"]))
            }
        self._registered = {}
        if new_names:
            registered = Talent.objects.filter(name__in=new_names).order_by("pk")
            for pk, *key in registered.values_list("pk", "name", "programme_id", "year"):
                self._registered.setdefault(tuple(key), pk)
        self._first_row_of_talent = {}

    def import_instance(self, instance, row, **kwargs):
        recorded = {name: getattr(instance, name) for name in STATUS_FIELDS}
        super().import_instance(instance, row, **kwargs)
        if instance._state.adding:
            self._repeat_refuse(instance, kwargs["row_number"] + 1)  # as Excel numbers it
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

    def _repeat_refuse(self, talent: Talent, number: int) -> None:
        """Refuse a new row naming a talent (name, programme, year) that the registry or an
        earlier row of the file already has: most likely the same person, listed again."""
        key = (cell_text(talent.name), talent.programme_id, talent.year)
        registered = self._registered.get(key)
        if registered is not None:
            refusal = _(
                "已登记同一姓名、人才计划和引才年度的人才（ID %(id)s）：如是同一人，请在 ID 列"
                "填 %(id)s 以更新；如确是同名的另一人，请在后台逐个添加。"
            ) % {"id": registered}
            raise ValidationError({"name": refusal})
        first = self._first_row_of_talent.setdefault(key, number)
        if first != number:
            raise ValidationError({"name": _("与第 %(row)s 行重复") % {"row": first}})

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
class ProgrammeAdmin(LocalDateExportMixin, ClerkImportMixin, ImportExportModelAdmin):
    resource_classes = [ProgrammeResource]
    list_display = ["code", "name", "level", "sort_order"]
    search_fields = ["code", "name"]


class StatusChangeInline(admin.TabularInline):
    model = TalentStatusChange
    extra = 0
    readonly_fields = ["status", "date", "recorded_at", "changed_by", "note", "undoes_arrival"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Each row names who changed it and, in its title, its talent with the programme.
        return super().get_queryset(request).select_related("changed_by", "talent__programme")


@admin.register(Talent)
class TalentAdmin(LocalDateExportMixin, ClerkImportMixin, ImportExportModelAdmin):
    resource_classes = [TalentResource]
    list_display = ["name", "programme", "year", "field", "employer", "status", "status_date"]
    list_filter = ["year", "programme", "status"]
    list_select_related = ["programme"]
    search_fields = ["name", "employer", "field"]
    inlines = [StatusChangeInline]
    # The registry page's form: a new talent's status may not be dated after today.
    form = TalentForm

    def get_readonly_fields(self, request, obj=None):
        # Later changes of status go through the registry page, which records each transition.
        return ["status", "status_date"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            talent_register(talent=obj, by=request.user)


@admin.register(TalentTarget)
class TalentTargetAdmin(LocalDateExportMixin, ClerkImportMixin, ImportExportModelAdmin):
    resource_classes = [TalentTargetResource]
    list_display = ["year", "programme", "target"]
    list_filter = ["year"]
    list_select_related = ["programme"]


class AwardCategoryInlineForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.confirmed_at:
            for name in CONFIRMED_FIXED_FIELDS:
                self.fields[name].disabled = True


class AwardCategoryFormSet(forms.BaseInlineFormSet):
    def clean(self):
        # A form ticked for deletion is not validated: the refusal is the formset's, said before
        # the admin's own list of the nominations that would go along.
        deleted = [form.instance.pk for form in self.deleted_forms]
        refusals = award_deletion_refusals(categories=AwardCategory.objects.filter(pk__in=deleted))
        if refusals:
            raise ValidationError(refusals)
        super().clean()


class AwardCategoryInline(admin.StackedInline):
    """Stacked, not a table: a row holding the reviewer picker made the round's page ~1,600 px
    wide; stacked, the picker takes the page's width and the page fits a 1366 px window."""

    model = AwardCategory
    form = AwardCategoryInlineForm
    formset = AwardCategoryFormSet
    extra = 0
    fields = ["name", ("sort_order", "quota", "prize"), "reviewers"]
    filter_horizontal = ["reviewers"]

    def get_queryset(self, request):
        # Each category is titled with its round's year and shows its reviewers.
        return super().get_queryset(request).select_related("round").prefetch_related("reviewers")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        # The users to pick from, read once for the page rather than once per category (iter():
        # list() would count them first with a query of its own).
        field.choices = list(iter(field.choices))
        return field


class DeletionRefusalsMixin:
    """The deletion pages, of one row and of the list's bulk action, refuse to delete what is
    kept as a record, saying why (`deletion_refusals(objs)`: one text per row kept); the
    services or the models refuse it on every other path too."""

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        refusals = self.deletion_refusals(objs)
        if not refusals:
            return to_delete, model_count, perms_needed, protected
        # The pages say either the permissions lacking (nominations are deleted by no one) or
        # the protected rows: the refusal is what the admin must read.
        return to_delete, model_count, set(), [*refusals, *protected]


class ConfirmedAwardsKeptMixin(DeletionRefusalsMixin):
    """Confirmed award categories are kept, and what would take them along
    (`award_categories_of(objs)`: the categories that deleting `objs` deletes)."""

    def deletion_refusals(self, objs):
        return award_deletion_refusals(categories=self.award_categories_of(objs))


@admin.register(AwardRound)
class AwardRoundAdmin(ConfirmedAwardsKeptMixin, LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(AwardRound)]
    list_display = ["name", "year", "state"]
    # A round moves on through the award pages only: starting the review, then the winners.
    readonly_fields = ["state"]
    inlines = [AwardCategoryInline]

    def award_categories_of(self, rounds):
        return AwardCategory.objects.filter(round__in=rounds)


@admin.register(AwardCategory)
class AwardCategoryAdmin(ConfirmedAwardsKeptMixin, LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(AwardCategory)]
    list_display = ["name", "round", "quota", "prize", "confirmed_at"]
    list_filter = ["round"]
    list_select_related = ["round"]
    filter_horizontal = ["reviewers"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        # The decision is taken on the category's page, which checks and records it.
        decision = ["confirmed_at", "confirmed_by", "decision_reason"]
        return [*decision, *CONFIRMED_FIXED_FIELDS] if obj and obj.confirmed_at else decision

    def award_categories_of(self, categories):
        return AwardCategory.objects.filter(pk__in=[category.pk for category in categories])


class CategoryListFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        # Each category is named with its round's year.
        categories = AwardCategory.objects.select_related("round")
        return [(category.pk, str(category)) for category in categories]


class ReadOnlyAdminMixin:
    """Shown and exported only: these rows are written through the award pages, which check
    the round's stage, the category's reviewers and its confirmed winners."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Nomination)
class NominationAdmin(ReadOnlyAdminMixin, LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(Nomination)]
    list_display = ["nominee", "category", "employer", "nominated_by", "is_winner"]
    list_filter = ["category__round", ("category", CategoryListFilter), "is_winner"]
    list_select_related = ["category__round"]
    search_fields = ["nominee", "employer"]


@admin.register(ReviewScore)
class ReviewScoreAdmin(ReadOnlyAdminMixin, LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(ReviewScore)]
    list_display = ["nomination", "reviewer", "score", "updated_at"]
    list_filter = ["nomination__category__round", "reviewer"]
    list_select_related = ["nomination__category__round", "reviewer"]


class FundYearForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            # FundYear.clean checks the budget against the committed total read under the
            # row's lock, held to the end of the admin's transaction: no approval can commit
            # more between this check and the save.
            self.instance.committed = fund_year_locked(fund_id=self.instance.pk).committed
        return cleaned


@admin.register(FundYear)
class FundYearAdmin(LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(FundYear)]
    form = FundYearForm
    list_display = ["year", "budget", "committed"]

    def get_readonly_fields(self, request, obj=None):
        # Approvals keep the committed total; a year's approved subsidies stay in their year.
        return ["year", "committed"] if obj else ["committed"]

    def save_model(self, request, obj, form, change):
        if change:
            fund_year_budget_set(fund=obj, budget=obj.budget)
        else:
            super().save_model(request, obj, form, change)


class SubsidyForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and cleaned.get("talent") and cleaned.get("kind"):
            # The subsidies page's rule, checked again when subsidy_request saves.
            subsidy_request_check(talent=cleaned["talent"], kind=cleaned["kind"])
        return cleaned


@admin.register(Subsidy)
class SubsidyAdmin(DeletionRefusalsMixin, LocalDateExportMixin, admin.ModelAdmin):
    resource_classes = [safe_resource_for(Subsidy)]
    form = SubsidyForm
    list_display = ["talent", "kind", "amount", "fund", "state", "requested_at", "decided_by"]
    list_filter = ["fund", "kind", "state"]
    # A talent is shown with its programme (Talent.__str__).
    list_select_related = ["talent__programme", "fund", "decided_by"]
    search_fields = ["talent__name"]
    autocomplete_fields = ["talent"]

    def get_readonly_fields(self, request, obj=None):
        # Approval and withdrawal go through the subsidies page, which keeps the fund's books.
        decision = [
            "state",
            "decided_at",
            "decided_by",
            "decision_note",
            "withdrawn_at",
            "withdrawn_by",
            "withdrawal_reason",
        ]
        if obj is None:
            return decision
        # Each talent asks once per kind: another talent or kind is another request. Once
        # decided, the amount and the year's fund are what was approved or refused.
        request = [*decision, "talent", "kind"]
        return request if obj.state == Subsidy.State.PENDING else [*request, *SUBSIDY_MONEY_FIELDS]

    def deletion_refusals(self, subsidies):
        return subsidy_deletion_refusals(
            subsidies=Subsidy.objects.filter(pk__in=[subsidy.pk for subsidy in subsidies])
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            # The form's own errors are shown on it: this is the service refusing the save, the
            # subsidy or its talent having changed since the form was checked (approved, asked
            # for again). The admin's transaction is rolled back; the form comes back as it now
            # stands, saying why.
            message = _("保存前数据已在别处变更，本次未保存：%(reason)s") % {
                "reason": " ".join(refusal.messages)
            }
            self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if change:
            subsidy_request_update(subsidy=obj, fields=form.changed_data)
            return
        obj.pk = subsidy_request(
            fund=obj.fund,
            talent=obj.talent,
            kind=obj.kind,
            amount=obj.amount,
            requested_at=obj.requested_at,
        ).pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        subsidy_delete(subsidy=obj)

    def delete_queryset(self, request, queryset):
        for subsidy in queryset:
            subsidy_delete(subsidy=subsidy)


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
