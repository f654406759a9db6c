"""The catalogue version: one token in the cache that every catalogue write
replaces, so anything cached from the catalogue (the search's facet counts) is
keyed by it and is never read again after a write.

Capacity writes (open/closed, free places, waiting weeks, "nog actueel") are
far more frequent than other catalogue writes and change only what a search
reads from the capacity: the "has room" count and filter, the maximum-wait
filter and the wait and "bijgewerkt" sorts. They replace a second token, the
capacity version, and leave the catalogue version alone. What depends on
capacity is keyed by ``capacity_version()``, which combines both tokens and so
changes with every catalogue write too; what does not is keyed by
``catalogue_version()`` and survives capacity writes.

Writes through the ORM bump them from signals (``registry.signals``); bulk paths
that bypass signals (the importer, search-document refreshes, generated scale
data) call ``catalogue_version_bump`` themselves. The bump happens at once (the
writer's own next search sees its change) and again after the commit (so a
search that ran between the two, still seeing the old rows, cannot leave its
counts under the new version).
"""

import threading
import uuid
from contextlib import contextmanager
from typing import NamedTuple

from django.db import connection, transaction

from sociale_kaart.cache_safe import cache_add, cache_get, cache_get_many, cache_set

CACHE_KEY = "registry:catalogue-version"
CAPACITY_CACHE_KEY = "registry:capacity-version"


class Versions(NamedTuple):
    catalogue: str  # changes with every catalogue write
    capacity: str  # changes with every catalogue write and every capacity write


def catalogue_version() -> str:
    """The current version; a new one when the cache lost it (evicted, flushed)."""
    version = cache_get(CACHE_KEY)
    return version if version is not None else _start(CACHE_KEY)


def capacity_version() -> str:
    """The version of the catalogue with its capacity figures."""
    return catalogue_versions().capacity


def catalogue_versions() -> Versions:
    """Both versions in one cache read."""
    found = cache_get_many([CACHE_KEY, CAPACITY_CACHE_KEY])
    catalogue = found.get(CACHE_KEY) or _start(CACHE_KEY)
    capacity = found.get(CAPACITY_CACHE_KEY) or _start(CAPACITY_CACHE_KEY)
    return Versions(catalogue, f"{catalogue}.{capacity}")


def _start(key: str) -> str:
    version = uuid.uuid4().hex
    # add(): of two processes starting a version at once, the first one wins.
    if not cache_add(key, version, timeout=None):
        version = cache_get(key) or version
    return version


def _set_new_version() -> None:
    # A cache outage must not fail the catalogue write itself: the counts
    # cached under the old version are unreadable while the cache is away and
    # expire within SEARCH_COUNTS_CACHE_SECONDS of it coming back.
    cache_set(CACHE_KEY, uuid.uuid4().hex, timeout=None)


def _set_new_capacity_version() -> None:
    cache_set(CAPACITY_CACHE_KEY, uuid.uuid4().hex, timeout=None)


_batch = threading.local()


def catalogue_version_bump() -> None:
    """Make everything cached from the catalogue stale, now and after commit
    (one after-commit bump per transaction, however many writes)."""
    _bump(_set_new_version)


def capacity_version_bump() -> None:
    """Make everything cached from the capacity figures stale, now and after
    commit; what is cached under ``catalogue_version()`` stays."""
    _bump(_set_new_capacity_version)


def _bump(set_new) -> None:
    if getattr(_batch, "depth", 0):
        return
    set_new()
    if not _on_commit_pending(set_new):
        transaction.on_commit(set_new, robust=True)


def _on_commit_pending(set_new) -> bool:
    if not connection.in_atomic_block:
        return False
    pending = getattr(connection, "run_on_commit", [])
    return any(entry[1] is set_new for entry in pending)


@contextmanager
def catalogue_writes_batched():
    """Many catalogue writes, one bump when they are done (the importer: one
    per capacity row would be a cache write each). Use inside the writes'
    transaction, so the after-commit bump belongs to it. The catalogue bump
    covers capacity writes in the batch too (``capacity_version()`` contains
    the catalogue version)."""
    _batch.depth = getattr(_batch, "depth", 0) + 1
    try:
        yield
    finally:
        _batch.depth -= 1
        catalogue_version_bump()
