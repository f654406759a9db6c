"""Emptying the cache in a test without losing the norms the root conftest
warmed for it (a warm norms cache is what production has; pinned query counts
assume it)."""

from django.core.cache import cache


def clear_cache_keeping_norms() -> None:
    from referrals.selectors import NORMS_CACHE_KEY

    norms = cache.get(NORMS_CACHE_KEY)
    cache.clear()
    if norms is not None:
        cache.set(NORMS_CACHE_KEY, norms)
