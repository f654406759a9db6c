"""Webhooks: subscribe, enqueue in the outbox, sign and send (Standard Webhooks).

Signing (https://www.standardwebhooks.com): headers ``webhook-id``,
``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` =
``v1,`` + base64(HMAC-SHA256(secret bytes, "id.timestamp.body")); the secret is
``whsec_`` + base64 of 32 random bytes, shown to the admin once.

SSRF guard: https only, and every address the host resolves to must be public
(no private, loopback, link-local, reserved or multicast range). With DEBUG or
TESTING, http://127.0.0.1 / localhost is allowed for local receivers. The check
runs when subscribing and again before every attempt; redirects are not
followed.
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import permissions
from registry.models import Membership, Organisation
from sociale_kaart.site import site_url
from webhooks import models as m
from webhooks.models import Attempt, Delivery, Subscription

log = logging.getLogger(__name__)

PROVIDER_EVENTS = (m.REFERRAL_CREATED, m.REFERRAL_WITHDRAWN, m.REFERRAL_CORRECTED)
REFERRER_EVENTS = (m.REFERRAL_STEP_RECORDED,)
BOTH_EVENTS = (m.REFERRAL_OVERDUE,)
PAUSE_AFTER_FAILURES = 10
MAX_ATTEMPTS = 8
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 6 * 60 * 60
TIMEOUT_SECONDS = 10


def events_allowed(organisation: Organisation) -> tuple[str, ...]:
    if organisation.is_provider:
        return PROVIDER_EVENTS + BOTH_EVENTS
    if organisation.is_referrer:
        return REFERRER_EVENTS + BOTH_EVENTS
    return ()


# --- signing ----------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


# --- the SSRF guard -----------------------------------------------------------------


def _loopback_allowed() -> bool:
    return bool(settings.DEBUG or settings.TESTING)


def check_url(url: str) -> None:
    """``ValidationError`` on ``url`` unless it may receive webhooks (above)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    local = host in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (
        parts.scheme == "http" and local and _loopback_allowed()
    ):
        raise ValidationError({"url": _("Gebruik een https-adres.")})
    if parts.username or parts.password:
        raise ValidationError({"url": _("Zet geen wachtwoord in het adres.")})
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError({"url": _("Deze host bestaat niet.")}) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.is_loopback and _loopback_allowed():
            continue
        if not address.is_global or address.is_multicast:
            raise ValidationError(
                {"url": _("Dit adres wijst naar een intern netwerk (%s).") % address}
            )


# --- subscriptions ------------------------------------------------------------------


def subscription_create(
    *, organisation: Organisation, actor, url: str, events
) -> tuple[Subscription, str]:
    """Subscribe ``url`` to ``events``; returns (subscription, secret). Only the
    organisation's own admin (``permissions.can_manage_tokens``). Errors:
    ``PermissionDenied``; ``ValidationError`` naming ``url`` or ``events``."""
    if actor is not None and not permissions.can_manage_tokens(actor, organisation):
        raise PermissionDenied(_("Alleen een beheerder van de organisatie."))
    chosen = sorted(set(events))
    allowed = events_allowed(organisation)
    errors = {}
    if not chosen:
        errors["events"] = _("Kies ten minste één gebeurtenis.")
    elif not set(chosen) <= set(allowed):
        errors["events"] = _(
            "Deze gebeurtenissen passen niet bij uw organisatie: %s."
        ) % (", ".join(sorted(set(chosen) - set(allowed))))
    try:
        check_url(url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    secret = new_secret()
    subscription = Subscription.objects.create(
        organisation=organisation,
        url=url,
        events=" ".join(chosen),
        secret=secret,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return subscription, secret


def subscription_set_paused(*, subscription: Subscription, actor, paused: bool):
    if actor is not None and not permissions.can_manage_tokens(
        actor, subscription.organisation
    ):
        raise PermissionDenied
    subscription.paused_at = timezone.now() if paused else None
    if not paused:
        subscription.consecutive_failures = 0
    subscription.save(update_fields=["paused_at", "consecutive_failures"])
    return subscription


def subscription_delete(*, subscription: Subscription, actor) -> None:
    if actor is not None and not permissions.can_manage_tokens(
        actor, subscription.organisation
    ):
        raise PermissionDenied
    subscription.delete()


# --- the outbox ---------------------------------------------------------------------


def enqueue(
    event: str, referral, *, for_referrer: bool, for_provider: bool, dedupe_key=""
) -> int:
    """Store one delivery per active subscription of the referral's provider
    and/or referrer organisation that wants ``event``. Call inside the
    transaction of the change; returns how many were stored."""
    organisation_ids = []
    if for_provider:
        organisation_ids.append(referral.provider_id)
    if for_referrer:
        organisation_ids.append(referral.referrer_organisation_id)
    subscriptions = Subscription.objects.filter(
        organisation_id__in=organisation_ids,
        paused_at__isnull=True,
        events__contains=event,
    )
    now = timezone.now()
    count = 0
    for subscription in subscriptions:
        if event not in subscription.event_list:
            continue
        if dedupe_key and subscription.deliveries.filter(dedupe_key=dedupe_key):
            continue
        message_id = "msg_" + secrets.token_urlsafe(18)
        body = {
            "type": event,
            "timestamp": now.isoformat(timespec="seconds"),
            "data": {
                "reference": referral.reference,
                "url": site_url()
                + reverse("referrals-api:referral-detail", args=[referral.reference]),
            },
        }
        Delivery.objects.create(
            subscription=subscription,
            message_id=message_id,
            event=event,
            dedupe_key=dedupe_key,
            payload=json.dumps(body, separators=(",", ":")),
            next_attempt_at=now,
        )
        count += 1
    return count


def retry_delay(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min ... after the 1st, 2nd, 3rd ... failure; at
    most 6 hours."""
    seconds = RETRY_BASE_SECONDS * 4 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, RETRY_MAX_SECONDS))


def delivery_send_due(*, limit: int = 200) -> tuple[int, int]:
    """Send due deliveries, one per transaction (row locked, so two workers
    never send the same one). Returns ``(delivered, failed)``."""
    now = timezone.now()
    due = list(
        Delivery.objects.filter(
            Q(next_attempt_at__lte=now),
            delivered_at__isnull=True,
            given_up_at__isnull=True,
            subscription__paused_at__isnull=True,
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    delivered = failed = 0
    for pk in due:
        result = _send_one(pk)
        if result is True:
            delivered += 1
        elif result is False:
            failed += 1
    return delivered, failed


def _post(subscription: Subscription, delivery: Delivery) -> tuple[int | None, str]:
    check_url(subscription.url)
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": "SocialeKaartJeugd-Webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(
            subscription.secret, delivery.message_id, timestamp, delivery.payload
        ),
    }
    request = urllib.request.Request(  # noqa: S310 (check_url: https or loopback)
        subscription.url, data=delivery.payload.encode(), headers=headers
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        # check_url above: https (or loopback http in DEBUG/TESTING) only.
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (OSError, ValidationError) as exc:
        return None, str(exc)[:200]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _send_one(pk: int) -> bool | None:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("subscription", "subscription__organisation")
            .filter(pk=pk, delivered_at__isnull=True, given_up_at__isnull=True)
            .first()
        )
        if delivery is None:
            return None
        subscription = delivery.subscription
        started = time.monotonic()
        status, error = _post(subscription, delivery)
        duration = int((time.monotonic() - started) * 1000)
        delivery.attempts += 1
        Attempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            status_code=status,
            duration_ms=duration,
            error=error,
        )
        ok = status is not None and 200 <= status < 300
        now = timezone.now()
        if ok:
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            subscription.consecutive_failures = 0
        else:
            subscription.consecutive_failures += 1
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.given_up_at = now
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        delivery.save(
            update_fields=["attempts", "delivered_at", "given_up_at", "next_attempt_at"]
        )
        if (
            not ok
            and subscription.paused_at is None
            and subscription.consecutive_failures >= PAUSE_AFTER_FAILURES
        ):
            subscription.paused_at = now
            transaction.on_commit(lambda: _tell_admins(subscription))
        subscription.save(update_fields=["consecutive_failures", "paused_at"])
    return ok


def _tell_admins(subscription: Subscription) -> None:
    admins = Membership.objects.filter(
        organisation=subscription.organisation, role=Membership.Role.ADMIN
    ).select_related("user")
    recipients = sorted({m.user.email for m in admins if m.user.email})
    if not recipients:
        return
    body = _(
        "De webhook naar %(url)s is gepauzeerd na %(n)s mislukte pogingen op rij. "
        "Controleer de ontvanger en zet hem weer aan op %(page)s."
    ) % {
        "url": subscription.url,
        "n": subscription.consecutive_failures,
        "page": site_url() + reverse("webhooks:list"),
    }
    try:
        send_mail(_("Webhook gepauzeerd"), body, None, recipients)
    except OSError:
        log.exception("webhook pause mail failed for subscription %s", subscription.pk)
