"""The catalogue version: one token in the cache that every catalogue write
replaces, so anything cached from the catalogue (the search's facet counts) is
keyed by it and is never read again after a write.

Writes through the ORM bump it from signals (``registry.signals``); bulk paths
that bypass signals (the importer, search-document refreshes, generated scale
data) call ``catalogue_version_bump`` themselves. The bump happens at once (the
writer's own next search sees its change) and again after the commit (so a
search that ran between the two, still seeing the old rows, cannot leave its
counts under the new version).
"""

import threading
import uuid
from contextlib import contextmanager

from django.db import connection, transaction

from sociale_kaart.cache_safe import cache_add, cache_get, cache_set

CACHE_KEY = "registry:catalogue-version"


def catalogue_version() -> str:
    """The current version; a new one when the cache lost it (evicted, flushed)."""
    version = cache_get(CACHE_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # add(): of two processes starting a version at once, the first one wins.
        if not cache_add(CACHE_KEY, version, timeout=None):
            version = cache_get(CACHE_KEY) or version
    return version


def _set_new_version() -> None:
    # A cache outage must not fail the catalogue write itself: the counts
    # cached under the old version are unreadable while the cache is away and
    # expire within SEARCH_COUNTS_CACHE_SECONDS of it coming back.
    cache_set(CACHE_KEY, uuid.uuid4().hex, timeout=None)


_batch = threading.local()


def catalogue_version_bump() -> None:
    """Make everything cached from the catalogue stale, now and after commit
    (one after-commit bump per transaction, however many writes)."""
    if getattr(_batch, "depth", 0):
        return
    _set_new_version()
    if not _bump_on_commit_pending():
        transaction.on_commit(_set_new_version, robust=True)


def _bump_on_commit_pending() -> bool:
    if not connection.in_atomic_block:
        return False
    pending = getattr(connection, "run_on_commit", [])
    return any(entry[1] is _set_new_version for entry in pending)


@contextmanager
def catalogue_writes_batched():
    """Many catalogue writes, one bump when they are done (the importer: one
    per capacity row would be a cache write each). Use inside the writes'
    transaction, so the after-commit bump belongs to it."""
    _batch.depth = getattr(_batch, "depth", 0) + 1
    try:
        yield
    finally:
        _batch.depth -= 1
        catalogue_version_bump()
