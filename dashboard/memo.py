"""Figures computed once and then read from the cache: what a dashboard page
would otherwise work out from the big tables on every request.

Keys hold a memo version that every ``dashboard_refresh`` replaces after its
commit (so nothing derived from the old figures is read again), the selection
(``Filters``) and, where the figure is live, what else it depends on (today's
date, the catalogue version). Live figures also expire after ``LIVE_SECONDS``:
a referral that passes a norm, or is started, shows within that time.
"""

import hashlib
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

VERSION_KEY = "dashboard:memo-version"
LIVE_SECONDS = 600
REFRESHED_SECONDS = 36 * 3600  # a refresh a night replaces it well before

T = TypeVar("T")


def memo_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY) or version
    return version


def memo_version_bump() -> None:
    """After a refresh: every memoised figure is computed again on first use."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def selection_key(f) -> str:
    """The parts of a ``Filters`` that choose rows, as text."""
    percelen = sorted(getattr(p, "pk", p) for p in f.percelen or ())
    return repr(
        (
            f.first,
            f.last,
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
