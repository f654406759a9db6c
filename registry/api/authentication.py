"""Per-organisation API keys: ``Authorization: Bearer <key>`` (``Token <key>``
is kept as an alias).

Only the sha256 of a key is stored; a request's key is hashed and looked up. A
revoked or unknown key is refused with 401 (problem+json). The request then acts
for the token's organisation (``TokenActor``), with the same permissions as that
organisation's users (``registry.permissions``), never as municipality staff.
"""

from django.utils.translation import gettext_lazy as _

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from registry import selectors, services

KEYWORD = "Bearer"
KEYWORDS = (b"bearer", b"token")  # case-insensitive, as RFC 6750 and DRF


class TokenActor:
    """``request.user`` for a token request: the organisation's system, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, token):
        self.api_token = token
        self.organisation = token.organisation

    def __str__(self) -> str:
        return f"API-sleutel {self.api_token.name} ({self.organisation})"

    def has_perm(self, perm, obj=None) -> bool:
        return False


def history_actor(user):
    """The user to record in history: a person, or None for a token (its name
    goes into the change reason instead)."""
    return None if isinstance(user, TokenActor) else user


def change_reason(user) -> str:
    if isinstance(user, TokenActor):
        return f"api: {user.api_token.name}"
    return "api"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Gebruik de header 'Authorization: Bearer <sleutel>'.")
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Onbekende API-sleutel.")) from exc
        return self._actor_for(key)

    def _actor_for(self, key: str):
        token = selectors.api_token_get_by_hash(key_hash=services.api_key_hash(key))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Onbekende API-sleutel."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Deze API-sleutel is ingetrokken."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(_("Deze API-sleutel is verlopen."))
        if not token.organisation.active:
            raise exceptions.AuthenticationFailed(
                _("De organisatie van deze API-sleutel is niet actief.")
            )
        services.api_token_record_use(token=token)
        return TokenActor(token), token

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Organisation API key: `Authorization: Bearer <key>` "
            "(`Token <key>` is accepted as an alias). Made, rotated and revoked "
            "by the organisation's own admin on /mijn/api-sleutels; it acts for "
            "that organisation only and only within its scopes (403 names a "
            "missing scope). Key requests need no CSRF token.",
        }
