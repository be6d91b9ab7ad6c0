"""What every admin of rows with a change history shares: the history pages, in words."""

from django.contrib import messages
from django.db import models
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from cadre.history import history_reason
from cadre.numbers import whole_number
from scoring.services.values import SOURCE_ADMIN, source_label


class ChangeInWords(HistoricalRecordContextHelper):
    """A change on the history page as the change form shows its fields: a choice by its
    label (计分方法: 直接赋分 → 加分, not direct → bonus), yes/no, and — for nothing."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if field.choices and not isinstance(value, list):
            return dict(field.flatchoices).get(value, value) or "—"
        if isinstance(field, models.BooleanField):
            return _("是") if value else _("否")
        return "—" if value is None or value == "" else value


class HistoryAdmin(SimpleHistoryAdmin):
    """Admin of rows whose changes are kept. Every change made through its pages is recorded
    as coming from the admin site, the rows a deletion takes with it included; the history
    page lists each change with the fields it changed, old → new.

    With `history_revert_refused` (the message why), the history is for reading only: a past
    version cannot be restored, as restoring would put back every field of it at once past
    the checks and recomputations of a save.
    """

    history_revert_refused: str | None = None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with history_reason(SOURCE_ADMIN):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        # Where the list's actions run (bulk delete, scorer accounts).
        with history_reason(SOURCE_ADMIN):
            return super().changelist_view(request, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        with history_reason(SOURCE_ADMIN):
            return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # simple_history looks the row up without checking the id, and fails on "abc".
        if whole_number(object_id) is None:
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        # The page's records pass here once: the reasons, stored untranslated, are shown in
        # the reader's language as on the site's own history pages.
        for record in historical_records:
            record.history_change_reason = source_label(record.history_change_reason)

    def get_historical_record_context_helper(self, request, historical_record):
        return ChangeInWords(self.model, historical_record)

    def revert_disabled(self, request, obj=None):
        return self.history_revert_refused is not None or super().revert_disabled(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and self.history_revert_refused is not None:
            self.message_user(request, self.history_revert_refused, messages.ERROR)
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_history", object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class MasterDataHistoryAdmin(HistoryAdmin):
    """Admin of master data that decides scores: its history is an audit record, for reading."""

    history_revert_refused = gettext_lazy(
        "变更记录只能查看，不能恢复为历史版本：请在修改页面逐项修改，修改同样会记录在案。"
    )
