"""The norms the social map states in words (the Treeknormen and the first
contact), in weeks.

The municipality keeps the norms as data in the referrals app, a layer above
this one. That app hands its reader to :func:`use` when it starts
(``ReferralsConfig.ready``), so the catalogue makes the same promise as the
slip and the dashboard without importing referrals. Until then (the registry
on its own) the settings ``NORM_*_WEEKS`` apply.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

_reader: Callable[[], dict] | None = None
# The norms read once for a block of many validations (an import).
_held: ContextVar[dict | None] = ContextVar("registry_norms_held", default=None)


def use(reader: Callable[[], dict] | None) -> None:
    """Read the norms through ``reader`` from now on (``None``: the settings)."""
    global _reader
    _reader = reader


def regular_weeks() -> dict[str, int | float]:
    """A regular referral's norms in weeks: first_contact, intake, treatment, total."""
    held = _held.get()
    if held is not None:
        return held
    if _reader is not None:
        return _reader()
    return {
        "first_contact": settings.NORM_FIRST_CONTACT_WEEKS,
        "intake": settings.NORM_INTAKE_WEEKS,
        "treatment": settings.NORM_TREATMENT_WEEKS,
        "total": settings.NORM_TOTAL_WEEKS,
    }


@contextmanager
def held() -> Iterator[dict]:
    """Read the norms once and answer every ``regular_weeks`` call in the block
    from that reading: an import validates tens of thousands of capacities and
    would otherwise ask the cache (a query with the database cache) per row."""
    token = _held.set(dict(regular_weeks()))
    try:
        yield _held.get()
    finally:
        _held.reset(token)
