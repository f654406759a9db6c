"""API throttling: 429 (problem+json, with Retry-After) past a rate per client.

Kept apart from ``sociale_kaart.api``: DRF imports these classes while it loads
``rest_framework.views``, which that module imports.
"""

from django.conf import settings

from rest_framework import throttling


class _SettingsRateThrottle(throttling.SimpleRateThrottle):
    """A rate from Django settings, read per request (so tests can change it);
    an empty rate switches the throttle off. Counts live in Django's default
    cache, which every server process shares (Redis or the database)."""

    setting = ""

    def get_rate(self):
        return getattr(settings, self.setting) or None

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
