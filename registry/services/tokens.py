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
    *,
    organisation: Organisation,
    actor,
    name: str,
    scopes=None,
    expires_at=None,
) -> tuple[ApiToken, str]:
    """Create an API key for an organisation's own systems; returns (token, key).

    ``scopes``: a space-separated string or an iterable of ``ApiToken.SCOPE_*``;
    None gives the kind's defaults (``permissions.token_scopes_default``; the
    municipality has none and must ask for ``ijw``). ``expires_at``: None for a
    key without end date.
    Invariants: only a hash of the key is stored (sha256; the key is 256 random
    bits, so a slow hash adds nothing); the key is returned once, here. A person
    creates a key only for an organisation they are an admin of
    (``permissions.can_manage_tokens``; never municipality staff for another
    organisation); ``actor=None`` is the system (commands, tests).
    Errors: ``PermissionDenied`` for any other person (nothing stored);
    ``ValidationError`` on ``scopes`` (none, or one the kind may not hold),
    ``expires_at`` (in the past) or ``name``.
    """
    if actor is not None and not permissions.can_manage_tokens(actor, organisation):
        raise PermissionDenied(
            _("Alleen een beheerder van de organisatie maakt sleutels.")
        )
    if scopes is None:
        chosen = set(permissions.token_scopes_default(organisation))
    else:
        chosen = set(scopes.split() if isinstance(scopes, str) else scopes)
    allowed = permissions.token_scopes_allowed(organisation)
    errors = {}
    if not chosen:
        errors["scopes"] = _("Kies ten minste één bevoegdheid.")
    elif not chosen <= set(allowed):
        errors["scopes"] = _(
            "Een %(kind)s kan deze bevoegdheden niet krijgen: %(scopes)s."
        ) % {
            "kind": organisation.get_kind_display(),
            "scopes": ", ".join(sorted(chosen - set(allowed))),
        }
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("Kies een datum in de toekomst.")
    if errors:
        raise ValidationError(errors)
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organisation=organisation,
        name=(name or "").strip(),
        prefix=key[:12],
        key_hash=api_key_hash(key),
        created_by=_history_user(actor),
        scopes=" ".join(sorted(chosen)),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return token, key


def api_token_rotate(*, token: ApiToken, actor) -> tuple[ApiToken, str]:
    """Rotation without downtime: a new key with the same name, scopes and end
    date; the old one stays valid until it is revoked (``api_token_revoke``), so
    the system can switch over first. Errors: as ``api_token_create``; a revoked
    or expired key is not rotated (``ValidationError``)."""
    if not token.is_active:
        raise ValidationError(_("Een ingetrokken of verlopen sleutel vervangt u niet."))
    return api_token_create(
        organisation=token.organisation,
        actor=actor,
        name=token.name,
        scopes=token.scope_list,
        expires_at=token.expires_at,
    )


def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke ``token`` for good; revoking a revoked token changes nothing.

    Side effects: requests with the key get 401 from now on.
    """
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_record_use(*, token: ApiToken) -> None:
    """Note that ``token`` was used; writes at most once a minute per token.

    ``token`` was just read, so a use noted within the minute costs no query.
    """
    now = timezone.now()
    recent = now - timedelta(seconds=60)
    if token.last_used_at is not None and token.last_used_at >= recent:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=recent)
    ).update(last_used_at=now)
