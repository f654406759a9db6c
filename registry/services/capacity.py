"""Capacity writes: updates with a lost-update check, "nog actueel", new rows.

Every change leaves one django-simple-history row with the actor and a reason.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import (
    Capacity,
    Service,
)
from registry.services._common import (
    _history_user,
    _reject_unknown_fields,
    _save_with_history,
)
from sociale_kaart.exceptions import PreconditionFailed

CAPACITY_FIELDS = (
    "status",
    "intake_wait_weeks",
    "treatment_wait_weeks",
    "free_places",
    "note",
)


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
        raise ValidationError({name: _("Onbekend veld.") for name in unknown})
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
    # Field validators and clean() (the coherence rules) run in Python; the
    # database enforces the CheckConstraints and keys again on save, so checking
    # them here would cost a query each. ``service`` and ``updated_by`` are set by
    # code, not by the caller.
    capacity.full_clean(
        exclude=["service", "updated_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    capacity._history_user = _history_user(actor)
    capacity._change_reason = reason
    capacity.save()
    return capacity


@transaction.atomic
def capacity_confirm_all(
    *, capacities: Iterable[Capacity], actor, reason: str = ""
) -> int:
    """Confirm "nog actueel" for several services at once; returns how many.

    All or nothing: one transaction, each row through ``capacity_confirm_current``
    (one history row per service). Errors: ``ValidationError`` (with
    ``.service``) when a service's figures contradict each other.
    """
    count = 0
    for capacity in capacities:
        try:
            capacity_confirm_current(capacity=capacity, actor=actor, reason=reason)
        except ValidationError as exc:
            exc.service = capacity.service  # which one stopped the lot
            raise
        count += 1
    return count


@transaction.atomic
def capacity_create(
    *, service: Service, actor, data: dict[str, Any] | None = None, reason: str = ""
) -> Capacity:
    """Give a new service its capacity row (every service has exactly one).

    Used where a service is created outside the import, e.g. the admin.
    Invariants: at most one capacity per service; only ``CAPACITY_FIELDS`` are set.
    Errors: ``ValidationError`` naming the field for bad values, an unknown field,
    or a service that already has a capacity row (field ``service``); nothing saved.
    Side effects: one history row with ``actor`` and ``reason``.
    """
    data = dict(data or {})
    _reject_unknown_fields(data, CAPACITY_FIELDS)
    # On the waitlist until the provider reports room ("open" needs places or a
    # short wait: Capacity.clean).
    data.setdefault("status", Capacity.Status.WAITLIST)
    capacity = Capacity(
        service=service, updated_by=_history_user(actor), updated_at=timezone.now()
    )
    for name, value in data.items():
        setattr(capacity, name, value)
    return _save_with_history(capacity, actor=actor, reason=reason or "aangemaakt")
