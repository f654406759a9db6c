"""API keys of a provider's own systems: create (stored hashed), revoke, use."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from registry.models import (
    ApiToken,
    Organisation,
)
from registry.services._common import _history_user

API_KEY_PREFIX = "skj_"


def api_key_hash(key: str) -> str:
    """The stored form of an API key (hex sha256)."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, organisation: Organisation, actor, name: str
) -> tuple[ApiToken, str]:
    """Create an API token for a provider's own systems; returns (token, key).

    Invariants: only a hash of the key is stored (sha256; the key is 256 random
    bits, so a slow hash adds nothing); the key is returned once, here.
    Errors: ``ValidationError`` on ``organisation`` (not a provider) or ``name``.
    """
    if not organisation.is_provider:
        raise ValidationError(
            {"organisation": "Alleen een aanbieder kan een API-sleutel krijgen."}
        )
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organisation=organisation,
        name=(name or "").strip(),
        prefix=key[:12],
        key_hash=api_key_hash(key),
        created_by=_history_user(actor),
    )
    token.full_clean()
    token.save()
    return token, key


def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke ``token`` for good; revoking a revoked token changes nothing.

    Side effects: requests with the key get 401 from now on.
    """
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_record_use(*, token: ApiToken) -> None:
    """Note that ``token`` was used; writes at most once a minute per token."""
    now = timezone.now()
    recent = now - timedelta(seconds=60)
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=recent)
    ).update(last_used_at=now)
