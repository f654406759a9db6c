"""Helpers the write paths share: who made a change, and saving with history."""

from typing import Any

from django.core.exceptions import ValidationError


def _history_user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _reject_unknown_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: "Onbekend veld." for name in unknown})


def _apply_changes(obj, data: dict[str, Any]) -> bool:
    changed = False
    for name, value in data.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _save_with_history(obj, *, actor, reason: str):
    obj.full_clean()
    obj._history_user = _history_user(actor)
    obj._change_reason = reason
    obj.save()
    return obj
