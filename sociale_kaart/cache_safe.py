"""Reading and writing what is only a shortcut (counts, the norms table, the
catalogue version) without failing the request when the cache is away.

The throttles need the cache and answer 503 without it (issue 12); a search
or a page footer does not: it computes what it would have read. Any error of
the cache backend counts (Redis has its own exception classes, the database
cache raises database errors)."""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

MISSING = object()


def cache_get(key: str, default=None):
    try:
        return cache.get(key, default)
    except Exception:  # noqa: BLE001 - whatever the backend raises
        logger.warning("cache unreachable: %s computed instead of read", key)
        return default


def cache_get_many(keys: list[str]) -> dict:
    try:
        return cache.get_many(keys)
    except Exception:  # noqa: BLE001 - whatever the backend raises
        logger.warning("cache unreachable: %s computed instead of read", keys)
        return {}


def cache_set(key: str, value, timeout=MISSING) -> None:
    try:
        if timeout is MISSING:
            cache.set(key, value)
        else:
            cache.set(key, value, timeout)
    except Exception:  # noqa: BLE001 - whatever the backend raises
        logger.warning("cache unreachable: %s not stored", key)


def cache_add(key: str, value, timeout=MISSING) -> bool:
    try:
        if timeout is MISSING:
            return cache.add(key, value)
        return cache.add(key, value, timeout)
    except Exception:  # noqa: BLE001 - whatever the backend raises
        logger.warning("cache unreachable: %s not stored", key)
        return False


def cache_get_or_compute(key: str, compute, timeout=MISSING):
    value = cache_get(key, MISSING)
    if value is MISSING:
        value = compute()
        cache_set(key, value, timeout)
    return value
