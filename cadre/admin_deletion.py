"""The admin's deletions of rows that assessment data keeps: refused with a message in words."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.shortcuts import redirect
from django.utils.translation import ngettext

# A bulk deletion of hundreds of rows names the first ones and counts the others.
REFUSALS_SHOWN = 10


class DataKeptDeletionMixin:
    """The delete page and the bulk delete action refuse to delete rows that hold assessment
    data, with one message per row saying which data (`deletion_refusals`, from
    scoring.services.deletion), and delete nothing of a selection that has one such row.
    The models refuse it on every other path too (PROTECT), where Django would only list rows.
    """

    def deletion_refusals(self, objs) -> list[str]:
        raise NotImplementedError

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_delete_permission(request):
            refusals = self.deletion_refusals([obj])
            if refusals:
                self.refusals_tell(request, refusals)
                opts = self.opts
                return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", obj.pk)
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            delete, name, description = actions["delete_selected"]
            actions[name] = (_delete_unless_data_kept(delete), name, description)
        return actions

    def refusals_tell(self, request, refusals: list[str]) -> None:
        for refusal in refusals[:REFUSALS_SHOWN]:
            self.message_user(request, refusal, messages.ERROR)
        hidden = len(refusals) - REFUSALS_SHOWN
        if hidden > 0:
            self.message_user(
                request,
                ngettext(
                    "另有 %(count)s 项同样不能删除。", "另有 %(count)s 项同样不能删除。", hidden
                )
                % {"count": hidden},
                messages.ERROR,
            )


def _delete_unless_data_kept(delete):
    def delete_unless_data_kept(modeladmin, request, queryset):
        refusals = modeladmin.deletion_refusals(queryset)
        if refusals:
            modeladmin.refusals_tell(request, refusals)
            return None
        return delete(modeladmin, request, queryset)

    return delete_unless_data_kept
