"""Writes for professional accounts: second factor, sessions, invitations,
roles and deactivation. Every change to an organisation's people is written to
its append-only log (``OrganisationLogEntry``) in the same transaction.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import permissions, selectors
from accounts.models import (
    Invitation,
    OidcProvider,
    OrganisationLogEntry,
    UserSession,
)
from registry.models import ApiToken, Membership, Organisation

User = get_user_model()
RECOVERY_CODE_COUNT = 10
TOTP_NAME = "app"
RECOVERY_NAME = "herstelcodes"
MUNICIPALITY_APART = gettext_noop(
    "Wie bij de gemeente werkt, wordt geen lid van een aanbieder, verwijzer of "
    "school, en andersom."
)


def _label(user) -> str:
    if user is None:
        return ""
    name = user.get_full_name()
    return f"{name} <{user.email}>" if name else user.email or user.get_username()


def _log(*, organisation, actor, action, subject=None, subject_label="", detail=""):
    OrganisationLogEntry.objects.create(
        organisation=organisation,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor) if getattr(actor, "pk", None) else "system",
        action=action,
        subject=subject,
        subject_label=subject_label or _label(subject),
        detail=detail[:200],
    )


# --- Second factor (django-otp) ---------------------------------------------


def totp_device_for_setup(*, user) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created on first call. A confirmed
    device is never returned here: it cannot be replaced without a reset."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def totp_confirm(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm ``device`` with a first code from the app.

    Returns the new recovery codes (shown once), or None for a wrong code
    (nothing changes except django-otp's throttle count on the device).
    Other devices of the user are removed: one app, one set of codes.
    """
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied
    if not device.verify_token(_digits(token)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_replace(user=user)


def recovery_codes_replace(*, user) -> list[str]:
    """A fresh set of single-use recovery codes; the old set stops working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def _digits(token: str) -> str:
    return "".join(ch for ch in (token or "") if not ch.isspace())


def second_factor_verify(*, user, token: str):
    """The device that accepts ``token`` (TOTP code, else a recovery code,
    which is used up), or None. django-otp throttles each device itself."""
    token = _digits(token)
    if not token:
        return None
    totp = confirmed_totp_device(user)
    if totp is not None and token.isdigit() and totp.verify_token(token):
        return totp
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token.lower()):
            return device
    return None


@transaction.atomic
def second_factor_reset(*, actor, user, organisation: Organisation) -> None:
    """Remove the user's app and codes (lost phone); they set it up again at
    the next log-in. Their sessions end."""
    if not permissions.can_manage_people(actor, organisation) or not (
        Membership.objects.filter(user=user, organisation=organisation).exists()
    ):
        raise PermissionDenied
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    sessions_end_all(user=user)
    _log(
        organisation=organisation,
        actor=actor,
        action=OrganisationLogEntry.Action.SECOND_FACTOR_RESET,
        subject=user,
    )


# --- Sessions --------------------------------------------------------------


def session_register(*, user, session_key: str, user_agent: str, method: str):
    UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "user_agent": (user_agent or "")[:200],
            "method": method[:20],
            "created_at": timezone.now(),
        },
    )


@transaction.atomic
def session_end(*, user, session_key: str) -> bool:
    """End one of ``user``'s own sessions. False when it is not theirs."""
    row = UserSession.objects.filter(user=user, session_key=session_key).first()
    if row is None:
        return False
    Session.objects.filter(session_key=session_key).delete()
    row.delete()
    return True


@transaction.atomic
def sessions_end_all(*, user) -> int:
    keys = list(
        UserSession.objects.filter(user=user).values_list("session_key", flat=True)
    )
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


# --- Invitations -----------------------------------------------------------


def invitation_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_may_invite(actor, organisation, role) -> None:
    if permissions.can_manage_people(actor, organisation):
        return
    has_admin = selectors.has_admin(organisation=organisation)
    if (
        permissions.can_invite_first_admin(actor, organisation, has_admin)
        and role == Membership.Role.ADMIN
    ):
        return
    raise PermissionDenied


@transaction.atomic
def invitation_create(*, actor, organisation: Organisation, email: str, role: str):
    """Invite ``email`` into ``organisation`` with ``role``; e-mail the link.

    Returns ``(invitation, secret)``. Refused (PermissionDenied) unless the
    actor is an admin of the organisation, or a municipality admin creating
    the first admin. Refused (ValidationError on ``email``) for someone who is
    already a member, or municipality staff invited into another organisation.
    The link is valid ``INVITATION_VALID_HOURS`` and once.
    """
    _check_may_invite(actor, organisation, role)
    email = User.objects.normalize_email(email).strip()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if Membership.objects.filter(user=existing, organisation=organisation).exists():
            raise ValidationError(
                {"email": _("Deze persoon is al lid van de organisatie.")}
            )
        if not permissions.may_join(existing, organisation):
            raise ValidationError({"email": _(MUNICIPALITY_APART)})
    now = timezone.now()
    Invitation.objects.filter(
        organisation=organisation,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=now)
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=invitation_hash(secret),
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(hours=settings.INVITATION_VALID_HOURS),
    )
    invitation.full_clean()
    invitation.save()
    _log(
        organisation=organisation,
        actor=actor,
        action=OrganisationLogEntry.Action.INVITED,
        subject=existing,
        subject_label=email,
        detail=invitation.get_role_display(),
    )
    transaction.on_commit(lambda: _invitation_mail(invitation, secret), robust=True)
    return invitation, secret


def invitation_url(secret: str) -> str:
    return settings.SITE_URL + reverse("accounts:invitation", args=[secret])


def _invitation_mail(invitation, secret) -> None:
    context = {
        "invitation": invitation,
        "url": invitation_url(secret),
        "hours": settings.INVITATION_VALID_HOURS,
    }
    send_mail(
        subject=_("Uitnodiging voor Sociale Kaart Jeugd: %(org)s")
        % {"org": invitation.organisation.name},
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_get_open(*, secret: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=invitation_hash(secret or ""))
        .first()
    )
    if invitation is None or not invitation.is_open():
        return None
    if not invitation.organisation.active:
        return None
    return invitation


@transaction.atomic
def invitation_revoke(*, actor, invitation: Invitation) -> None:
    if not permissions.can_manage_people(actor, invitation.organisation):
        raise PermissionDenied
    if invitation.accepted_at or invitation.revoked_at:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    _log(
        organisation=invitation.organisation,
        actor=actor,
        action=OrganisationLogEntry.Action.INVITATION_REVOKED,
        subject_label=invitation.email,
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user=None, data=None):
    """Accept an open invitation: a new account (``data`` holds first_name,
    last_name and password, validated here) or an existing ``user`` whose
    e-mail matches. Returns the user. The link is used up.

    Errors: ValidationError naming the field; nothing changes then.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open():
        raise ValidationError(_("Deze uitnodiging is verlopen of al gebruikt."))
    if user is None:
        user = _user_create_from_invitation(invitation, data or {})
    elif user.email.lower() != invitation.email.lower():
        raise PermissionDenied
    if not permissions.may_join(user, invitation.organisation):
        raise ValidationError(_(MUNICIPALITY_APART))
    Membership.objects.get_or_create(
        user=user,
        organisation=invitation.organisation,
        defaults={"role": invitation.role},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _log(
        organisation=invitation.organisation,
        actor=user,
        action=OrganisationLogEntry.Action.JOINED,
        subject=user,
        detail=invitation.get_role_display(),
    )
    return user


def _user_create_from_invitation(invitation, data) -> User:
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(
            _("Er is al een account met dit e-mailadres: log eerst in.")
        )
    user = User(
        username=invitation.email.lower(),
        email=invitation.email.lower(),
        first_name=(data.get("first_name") or "").strip(),
        last_name=(data.get("last_name") or "").strip(),
    )
    if not user.first_name:
        raise ValidationError({"first_name": _("Vul uw voornaam in.")})
    if not user.last_name:
        raise ValidationError({"last_name": _("Vul uw achternaam in.")})
    try:
        password_validation.validate_password(data.get("password") or "", user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(data["password"])
    user.full_clean()
    user.save()
    return user


# --- Roles, removal, deactivation ------------------------------------------


def _lock_membership(membership) -> Membership:
    return (
        Membership.objects.select_for_update()
        .select_related("user", "organisation")
        .get(pk=membership.pk)
    )


def _other_admins(membership) -> bool:
    return (
        Membership.objects.filter(
            organisation_id=membership.organisation_id,
            role=Membership.Role.ADMIN,
            user__is_active=True,
        )
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_change_role(*, actor, membership: Membership, role: str) -> Membership:
    """Staff ↔ admin. The last admin stays admin (someone must manage people)."""
    membership = _lock_membership(membership)
    if not permissions.can_manage_people(actor, membership.organisation):
        raise PermissionDenied
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Kies medewerker of beheerder.")})
    if role == membership.role:
        return membership
    if membership.role == Membership.Role.ADMIN and not _other_admins(membership):
        raise ValidationError(
            {
                "role": _(
                    "De laatste beheerder blijft beheerder: maak eerst een ander "
                    "beheerder."
                )
            }
        )
    old = membership.get_role_display()
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    _log(
        organisation=membership.organisation,
        actor=actor,
        action=OrganisationLogEntry.Action.ROLE_CHANGED,
        subject=membership.user,
        detail=f"{old} → {membership.get_role_display()}",
    )
    return membership


def _revoke_keys(*, user, organisation_ids) -> int:
    return ApiToken.objects.filter(
        created_by=user, organisation_id__in=organisation_ids, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    """Take someone out of the organisation (they left). At once: their
    sessions end and the API keys they made for this organisation are revoked.
    An account left without any organisation is deactivated. The last admin
    cannot be removed."""
    membership = _lock_membership(membership)
    if not permissions.can_manage_people(actor, membership.organisation):
        raise PermissionDenied
    if membership.role == Membership.Role.ADMIN and not _other_admins(membership):
        raise ValidationError(
            _("De laatste beheerder kan niet weg: maak eerst een ander beheerder.")
        )
    user, organisation = membership.user, membership.organisation
    membership.delete()
    keys = _revoke_keys(user=user, organisation_ids=[organisation.pk])
    sessions_end_all(user=user)
    if not Membership.objects.filter(user=user).exists():
        user.is_active = False
        user.save(update_fields=["is_active"])
    _log(
        organisation=organisation,
        actor=actor,
        action=OrganisationLogEntry.Action.REMOVED,
        subject=user,
        detail=_("%(n)s API-sleutel(s) ingetrokken") % {"n": keys} if keys else "",
    )


@transaction.atomic
def user_deactivate(*, actor, user) -> None:
    """The municipality switches an account off everywhere: it cannot log in,
    its sessions end and every API key it made is revoked. Logged in each of
    the user's organisations."""
    if not permissions.can_deactivate_account(actor, user):
        raise PermissionDenied
    user = User.objects.select_for_update().get(pk=user.pk)
    org_ids = list(
        Membership.objects.filter(user=user).values_list("organisation_id", flat=True)
    )
    user.is_active = False
    user.save(update_fields=["is_active"])
    _revoke_keys(user=user, organisation_ids=org_ids)
    sessions_end_all(user=user)
    for organisation in Organisation.objects.filter(pk__in=org_ids):
        _log(
            organisation=organisation,
            actor=actor,
            action=OrganisationLogEntry.Action.ACCOUNT_DEACTIVATED,
            subject=user,
        )


# --- Single sign-on ----------------------------------------------------------


def sso_provider_for_email(*, email: str) -> OidcProvider | None:
    """The active provider whose organisation covers ``email``'s domain."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    candidates = OidcProvider.objects.select_related("organisation").filter(
        active=True, organisation__active=True, email_domains__icontains=domain
    )
    matches = [p for p in candidates if p.covers(email)]
    return matches[0] if len(matches) == 1 else None


def _refuse(message):
    from accounts.oidc import SsoRefused

    raise SsoRefused(message)


@transaction.atomic
def sso_user_for(*, provider: OidcProvider, claims: dict):
    """The user an organisation's identity provider vouched for.

    Matched by e-mail when they are a member of *this* organisation, or
    provisioned into it (staff role) when no account has that address. Refused
    (``SsoRefused``, nothing changes): no or unverified e-mail, a domain the
    organisation does not cover, an existing account that is not a member here
    (invite them instead), an inactive account, municipality staff for a
    provider, referrer or school.
    """
    email = (claims.get("email") or "").strip()
    organisation = provider.organisation
    if not email or claims.get("email_verified") is False:
        _refuse(_("Uw organisatie gaf geen bevestigd e-mailadres door."))
    if not provider.covers(email):
        _refuse(
            _("%(email)s valt niet onder de e-maildomeinen van %(org)s.")
            % {"email": email, "org": organisation.name}
        )
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return _sso_provision(organisation, email, claims)
    if not user.is_active:
        _refuse(_("Dit account is gedeactiveerd."))
    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        _refuse(
            _(
                "Uw account hoort niet bij %(org)s. Vraag de beheerder om een "
                "uitnodiging."
            )
            % {"org": organisation.name}
        )
    return user


def _sso_provision(organisation, email, claims):
    if User.objects.filter(username__iexact=email).exists():
        _refuse(_("Er is al een account met deze gebruikersnaam."))
    user = User(
        username=email.lower(),
        email=email.lower(),
        first_name=str(claims.get("given_name") or "")[:150],
        last_name=str(claims.get("family_name") or "")[:150],
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    Membership.objects.create(
        user=user, organisation=organisation, role=Membership.Role.STAFF
    )
    _log(
        organisation=organisation,
        actor=None,
        action=OrganisationLogEntry.Action.SSO_PROVISIONED,
        subject=user,
        detail=organisation.oidc_provider.issuer,
    )
    return user
