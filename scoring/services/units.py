"""Saving a unit from the admin: its category, read by the closed quarters, changes under lock."""

from django.db import transaction

from cadre.models import Unit
from scoring.services.closed_quarters import unit_move_refusal, unit_moves_cycles_lock


class UnitMoveRefused(Exception):
    """The unit may not move to its new category; the message says why (as the form does)."""


def unit_save(*, unit: Unit) -> None:
    """Save the unit, refusing (UnitMoveRefused) to move it to another category while it holds
    a result in a closed quarter of a cycle still taking input (`unit_move_refusal`).

    The form checked that already, but without a lock: a quarter closed between its check and
    this save would keep the unit's result of a category it no longer belongs to, and the year
    would count that quarter 0 for it. So the move is checked again here, under the locks of
    every cycle that may hold such a quarter (`unit_moves_cycles_lock`), held until the save
    is committed.
    """
    with transaction.atomic():
        if unit.pk is not None:
            stored = Unit.objects.filter(pk=unit.pk).values_list("category_id", flat=True).first()
            if stored is not None and stored != unit.category_id:
                unit_moves_cycles_lock()
                refusal = unit_move_refusal(unit=unit, category_id=unit.category_id)
                if refusal:
                    raise UnitMoveRefused(refusal)
        unit.save()
