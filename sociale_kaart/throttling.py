"""API throttling: 429 (problem+json, with Retry-After) past a rate per client.

Kept apart from ``sociale_kaart.api``: DRF imports these classes while it loads
``rest_framework.views``, which that module imports.
"""

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction

from rest_framework import throttling


def window_hit(key: str, seconds: int) -> int:
    """Count one request under ``key`` (a key per time window) and return the
    count including it. Atomic in the shared store, so concurrent requests in
    any number of processes never both see the same count: ``cache.add`` creates
    the counter once, ``cache.incr`` is INCR in Redis (and locked in process
    memory); the database cache has no atomic incr, so there the counter row is
    locked (SELECT ... FOR UPDATE) for the read and write."""
    store = caches["default"]
    if isinstance(store, DatabaseCache):
        return _database_hit(store, key, seconds)
    store.add(key, 0, seconds)
    try:
        return store.incr(key)
    except ValueError:  # expired between add and incr: a new window
        store.add(key, 1, seconds)
        return 1


def _database_hit(store: DatabaseCache, key: str, seconds: int) -> int:
    alias = router.db_for_write(store.cache_model_class)
    connection = connections[alias]
    table = connection.ops.quote_name(store._table)
    with transaction.atomic(using=alias):
        store.add(key, 0, seconds)
        if connection.features.has_select_for_update:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",  # noqa: S608 - table name from settings
                    [store.make_and_validate_key(key)],
                )
        count = (store.get(key) or 0) + 1
        store.set(key, count, seconds)
    return count


class _SettingsRateThrottle(throttling.SimpleRateThrottle):
    """A rate from Django settings, read per request (so tests can change it);
    an empty rate switches the throttle off. Counts live in Django's default
    cache, which every server process shares (Redis or the database): one
    counter per client and fixed window, incremented atomically (``window_hit``),
    so a burst from many threads lets exactly the limit through."""

    setting = ""

    def get_rate(self):
        return getattr(settings, self.setting) or None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        count = window_hit(f"{self.key}:{window}", self.duration)
        return count <= self.num_requests

    def wait(self):
        return max(self.window_ends - self.now, 1)

    def get_ident(self, request) -> str:
        # Behind CLIENT_IP_PROXY_COUNT trusted proxies, the client is that many
        # entries from the right of X-Forwarded-For (the left part is forgeable).
        count = settings.CLIENT_IP_PROXY_COUNT
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if count and len(hops) >= count:
            return hops[-count]
        return request.META.get("REMOTE_ADDR", "")


class AnonymousRateThrottle(_SettingsRateThrottle):
    """Anonymous clients, per address: ``API_THROTTLE_ANON``."""

    scope = "anon"
    setting = "API_THROTTLE_ANON"

    def get_cache_key(self, request, view):
        if getattr(request.user, "is_authenticated", False):
            return None
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


class ClientRateThrottle(_SettingsRateThrottle):
    """A logged-in user or an organisation's API token: ``API_THROTTLE_USER``
    per user or per token (a token's requests never share a user's count)."""

    scope = "client"
    setting = "API_THROTTLE_USER"

    def get_cache_key(self, request, view):
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return None
        token = getattr(user, "api_token", None)
        ident = f"token-{token.pk}" if token is not None else f"user-{user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
