"""The change history of the master data that decides scores (who, when, old → new, why).

Saves, deletions and many-to-many changes made one row at a time record themselves through
django-simple-history's signals. Paths that write in bulk hold those signals back
(`history_deferred`) and write the history themselves, set-based
(`scoring.services.history.history_record`). A path that changes rows it does not save itself
(a cascade, a bulk delete in the admin) names its reason with `history_reason`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from simple_history.models import HistoricalRecords

_deferred: ContextVar[bool] = ContextVar("history_deferred", default=False)
_reason: ContextVar[str | None] = ContextVar("history_reason", default=None)


class MasterDataHistory(HistoricalRecords):
    """HistoricalRecords whose signals a bulk path can hold back, and whose rows take the
    reason of the surrounding `history_reason` when the instance names none."""

    def post_save(self, instance, created, using=None, **kwargs):
        if not _deferred.get():
            super().post_save(instance, created, using=using, **kwargs)

    def post_delete(self, instance, using=None, **kwargs):
        if not _deferred.get():
            super().post_delete(instance, using=using, **kwargs)

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if _deferred.get():
            return
        if not reverse:
            super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
            return
        # Changed from the other side (`user.liaison_units.add(unit)`): the rows whose history
        # keeps the links are on the far side, and django-simple-history records (and expects)
        # only this side's. A clear names no rows, so they are read before it.
        model, through = kwargs["model"], kwargs["sender"]
        if action == "pre_clear":
            field = next(f for f in model._meta.many_to_many if f.remote_field.through is through)
            instance._history_links_cleared = set(
                through.objects.filter(**{field.m2m_reverse_field_name(): instance}).values_list(
                    field.m2m_field_name(), flat=True
                )
            )
            return
        if action == "post_clear":
            pk_set = instance.__dict__.pop("_history_links_cleared", set())
        if action in ("post_add", "post_remove", "post_clear"):
            for row in model.objects.filter(pk__in=pk_set):
                self.create_historical_record(row, "~")

    def get_change_reason_for_object(self, instance, history_type, using):
        return super().get_change_reason_for_object(instance, history_type, using) or _reason.get()


@contextmanager
def history_deferred() -> Iterator[None]:
    """Write no history row per saved or deleted row of master data within the block: the
    caller records the history itself, set-based, once its rows are complete."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


@contextmanager
def history_reason(reason: str) -> Iterator[None]:
    """Give the history rows written within the block this reason (where to, e.g. 后台),
    unless the saved instance names its own."""
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)
