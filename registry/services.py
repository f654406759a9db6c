"""Write paths of the social map: one function per action, used by pages, admin,
import and API alike. Each is keyword-only, validates with ``full_clean()`` before
saving, and states its invariants and side effects.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from registry.models import Capacity
from sociale_kaart.exceptions import PreconditionFailed

CAPACITY_FIELDS = (
    "status",
    "intake_wait_weeks",
    "treatment_wait_weeks",
    "free_places",
    "note",
)


def _history_user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def capacity_update(
    *,
    capacity: Capacity,
    actor,
    data: dict[str, Any],
    expected_version: int | None = None,
    reason: str = "",
) -> Capacity:
    """Change a service's capacity and waiting times.

    Invariants: only ``CAPACITY_FIELDS`` change; the row is locked while checked,
    so of two writers holding the same ``expected_version`` exactly one wins.
    Errors: ``PreconditionFailed`` when ``expected_version`` is not the current
    version; ``ValidationError`` naming the field for bad values (nothing saved).
    Side effects: when anything changed, ``version`` increases, ``updated_at``/
    ``updated_by`` are set and one history row records who and why. Unchanged
    data saves nothing (a re-import is a no-op); use ``capacity_confirm_current``
    to mark unchanged figures as still correct.
    """
    unknown = sorted(set(data) - set(CAPACITY_FIELDS))
    if unknown:
        raise ValidationError({name: "Onbekend veld." for name in unknown})
    locked = Capacity.objects.select_for_update().get(pk=capacity.pk)
    if expected_version is not None and locked.version != expected_version:
        raise PreconditionFailed(current_version=locked.version)
    changed = {
        name: value for name, value in data.items() if getattr(locked, name) != value
    }
    if not changed:
        return locked
    for name, value in changed.items():
        setattr(locked, name, value)
    return _capacity_save(locked, actor=actor, reason=reason or "bijgewerkt")


@transaction.atomic
def capacity_confirm_current(
    *, capacity: Capacity, actor, reason: str = ""
) -> Capacity:
    """Mark the figures as still correct ("nog actueel") without changing them.

    Side effects: ``updated_at``/``updated_by`` and ``version`` change, and a
    history row records the confirmation.
    """
    locked = Capacity.objects.select_for_update().get(pk=capacity.pk)
    return _capacity_save(locked, actor=actor, reason=reason or "nog actueel")


def _capacity_save(capacity: Capacity, *, actor, reason: str) -> Capacity:
    capacity.updated_at = timezone.now()
    capacity.updated_by = _history_user(actor)
    capacity.version += 1
    capacity.full_clean(exclude=["service"])
    capacity._history_user = _history_user(actor)
    capacity._change_reason = reason
    capacity.save()
    return capacity
