"""Figures computed once and then read from the cache: what a dashboard page
would otherwise work out from the big tables on every request.

Keys hold a memo version that every ``dashboard_refresh`` replaces after its
commit (so nothing derived from the old figures is read again), the selection
(``Filters``) and, where the figure is live, what else it depends on (today's
date, the catalogue version). Live figures also expire after ``LIVE_SECONDS``:
a referral that passes a norm, or is started, shows within that time. Live
figures that read no refreshed table (``live_memoised``) are kept across a
refresh and shared by every period of a selection.
"""

import hashlib
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

VERSION_KEY = "dashboard:memo-version"
LIVE_VERSION_KEY = "dashboard:live-version"
LIVE_SECONDS = 600
REFRESHED_SECONDS = 36 * 3600  # a refresh a night replaces it well before

T = TypeVar("T")


def memo_version(key: str = VERSION_KEY) -> str:
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(key, version, timeout=None):
            version = cache.get(key) or version
    return version


def memo_version_bump() -> None:
    """After a refresh: every memoised figure is computed again on first use."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def selection_key(f, *, period: bool = True) -> str:
    """The parts of a ``Filters`` that choose rows, as text (without the
    period for figures of now)."""
    percelen = sorted(getattr(p, "pk", p) for p in f.percelen or ())
    return repr(
        (
            (f.first, f.last) if period else None,
            getattr(f.perceel, "pk", None),
            f.referrer_type,
            getattr(f.organisation, "pk", None),
            None if f.percelen is None else percelen,
        )
    )


def memoised(
    name: str, f, compute: Callable[[], T], *, live: bool = False, extra=()
) -> T:
    """``compute()`` once per memo version, selection and ``extra``."""
    digest = hashlib.sha256(
        repr((selection_key(f), tuple(extra))).encode()
    ).hexdigest()[:32]
    key = f"dashboard:memo:{memo_version()}:{name}:{digest}"
    timeout = LIVE_SECONDS if live else REFRESHED_SECONDS
    return cache.get_or_set(key, compute, timeout)


def live_memoised(name: str, f, compute: Callable[[], T], *, extra=()) -> T:
    """``compute()`` for a figure of now that reads no refreshed table (capacity
    now, open referrals past a norm): once per selection without its period
    (the same for every period) and ``extra`` (what it depends on), at most
    ``LIVE_SECONDS`` old. A refresh does not change it, so it is kept."""
    digest = hashlib.sha256(
        repr((selection_key(f, period=False), tuple(extra))).encode()
    ).hexdigest()[:32]
    key = f"dashboard:live:{memo_version(LIVE_VERSION_KEY)}:{name}:{digest}"
    return cache.get_or_set(key, compute, LIVE_SECONDS)
