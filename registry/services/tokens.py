"""API keys of a provider's own systems: create (stored hashed), revoke, use."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import permissions
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
    *, organisation: Organisation, actor, name: str, scopes: str = ""
) -> tuple[ApiToken, str]:
    """Create an API token for a provider's own systems; returns (token, key).

    A municipality gets a key only with scope ``ijw`` (delivering iJw messages,
    nothing else); a provider's key has no scopes (its own data, as before).
    Invariants: only a hash of the key is stored (sha256; the key is 256 random
    bits, so a slow hash adds nothing); the key is returned once, here. A person
    creates a key only for an organisation they are an admin of
    (``permissions.can_manage_tokens``; never municipality staff); ``actor=None``
    is the system (commands, tests): a municipality's ``ijw`` key is made only
    so (``manage.py create_ijw_key``).
    Errors: ``PermissionDenied`` for any other person (nothing stored);
    ``ValidationError`` on ``organisation`` (neither a provider nor a
    municipality), ``scopes`` or ``name``.
    """
    if actor is not None and not permissions.can_manage_tokens(actor, organisation):
        raise PermissionDenied("Alleen een beheerder van de aanbieder maakt sleutels.")
    scopes = " ".join(sorted(set((scopes or "").split())))
    if organisation.is_municipality:
        if scopes != ApiToken.SCOPE_IJW:
            raise ValidationError(
                {"scopes": _("Een gemeente krijgt alleen een sleutel met scope ijw.")}
            )
    elif not organisation.is_provider:
        raise ValidationError(
            {"organisation": _("Alleen een aanbieder kan een API-sleutel krijgen.")}
        )
    elif scopes:
        raise ValidationError(
            {
                "scopes": _(
                    "Een sleutel van een aanbieder heeft geen bevoegdheden nodig."
                )
            }
        )
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organisation=organisation,
        name=(name or "").strip(),
        prefix=key[:12],
        key_hash=api_key_hash(key),
        created_by=_history_user(actor),
        scopes=scopes,
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
