"""The two-step log-in: a password (or single sign-on) first, then the second
factor. Only after the second step is the user logged in (``auth.login``), so
django-axes resets its failure count only on a complete log-in, and every
wrong code counts as a failed log-in for the same username.

Session keys:
- ``PENDING_KEY``: who passed the first step, how, and when (valid
  ``PENDING_MAX_SECONDS``); not a log-in.
- ``SECOND_FACTOR_KEY``: how the completed log-in satisfied the second
  factor: ``otp`` (django-otp also stores the device), ``idp`` (the identity
  provider asserted MFA) or ``not-required`` (nobody's personal data in reach).
- ``ORGANISATION_KEY``: the organisation the user acts for.
"""

import time

from django.contrib import auth
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

import django_otp

from accounts import permissions, services
from registry.models import Membership

PENDING_KEY = "accounts_pending"
SECOND_FACTOR_KEY = "accounts_second_factor"
ORGANISATION_KEY = "accounts_organisation"
ORGANISATION_COUNT_KEY = "accounts_organisation_count"
RECOVERY_CODES_KEY = "accounts_new_recovery_codes"
PENDING_MAX_SECONDS = 10 * 60
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def safe_next(request, url: str | None, default: str = "/") -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def begin(request, user, *, method: str, next_url: str, idp_mfa=False, backend=None):
    """After the first step: log in at once when no second factor is needed
    (or the identity provider's MFA counts), else remember who is pending.
    Returns the URL to go to."""
    backend = backend or getattr(user, "backend", None) or MODEL_BACKEND
    if not permissions.second_factor_required(user):
        complete(request, user, backend=backend, method=method, marker="not-required")
        return next_url
    if idp_mfa:
        complete(request, user, backend=backend, method=method, marker="idp")
        return next_url
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": backend,
        "method": method,
        "next": next_url,
        "at": time.time(),
    }
    if services.confirmed_totp_device(user) is None:
        return reverse("accounts:second-factor-setup")
    return reverse("accounts:second-factor")


def pending_user(request):
    """The user who passed the first step in this session, or None."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_MAX_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def abandon(request) -> None:
    request.session.pop(PENDING_KEY, None)


def complete(request, user, *, backend, method, marker, device=None) -> None:
    """The real log-in: session key rotated, axes failures reset, the session
    registered (so the user can see and end it), the organisation chosen."""
    request.session.pop(PENDING_KEY, None)
    request._accounts_login_method = method
    auth.login(request, user, backend=backend)
    if device is not None:
        django_otp.login(request, device)
    request.session[SECOND_FACTOR_KEY] = marker
    organisation_choose_default(request, user)


def organisation_choose_default(request, user) -> None:
    ids = list(
        Membership.objects.filter(user=user, organisation__active=True)
        .order_by("organisation__name")
        .values_list("organisation_id", flat=True)
    )
    request.session[ORGANISATION_COUNT_KEY] = len(ids)
    if ids:
        request.session[ORGANISATION_KEY] = ids[0]
    else:
        request.session.pop(ORGANISATION_KEY, None)


def is_verified(session) -> bool:
    """Whether a logged-in session went through the whole log-in."""
    return bool(
        session.get(django_otp.DEVICE_ID_SESSION_KEY) or session.get(SECOND_FACTOR_KEY)
    )
