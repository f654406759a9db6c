"""The notification outbox: a notice is never lost and never sent twice.

Design:
- **Never lost.** ``notification_enqueue`` writes an outbox row in the *same*
  transaction as the event that causes it (``referral_event_record`` calls it
  before commit). If the event commits, its notices exist; if it rolls back,
  neither does. No notice depends on a callback that a crash could skip.
- **Never twice.** ``dedupe_key`` is UNIQUE and enqueueing uses
  ``INSERT ... ON CONFLICT DO NOTHING``, so the same notice (one event, one
  recipient; or one referral + one passed norm) is stored once however often it
  is enqueued. ``notification_send_due`` sends one row per transaction: it locks
  the row (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so parallel
  senders never pick the same row), re-checks that it is unsent, sends, and marks
  it sent in that same transaction. The one window left is a crash after the mail
  server accepted the mail and before the commit; the row is then sent again on
  the next run. The Message-ID is stable per row, so the receiving side sees the
  same message.
- **Retries.** A failed send increments ``attempts`` and schedules the next try
  with exponential backoff; after ``NOTIFICATION_MAX_ATTEMPTS`` the row stays,
  unsent, with its last error (visible in the admin), and is no longer tried.
- Sending happens after commit: ``referral_event_record`` registers
  ``transaction.on_commit(..., robust=True)`` to try the new rows at once, and the
  ``send_notifications`` command (cron, every few minutes) sends whatever is due.
- In-app: rows with a ``recipient_user`` are listed unread on /verwijzingen.
- Notices never contain the help question or the child's initials or date of
  birth; they name the referral by its reference. The retention warning holds
  only the reference, dates and a link (not even the service's name).
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from referrals import codes
from referrals import workflow as wf
from referrals.models import Notification, Referral, ReferralEvent
from referrals.selectors import norms, norms_table, stored_derived
from sociale_kaart.site import site_domain, site_url
from webhooks import models as webhook_events
from webhooks import services as webhooks

Kind = Notification.Kind
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 24 * 60 * 60


def notification_enqueue(
    *,
    kind: str,
    referral: Referral,
    dedupe_key: str,
    subject: str,
    body: str,
    recipient_user=None,
    recipient_email: str = "",
) -> None:
    """Store one notice unless one with ``dedupe_key`` exists (no error then).

    Call inside the transaction that causes the notice. Side effects: one
    INSERT ... ON CONFLICT DO NOTHING.
    """
    _enqueue_all(
        [
            _notice(
                kind=kind,
                referral=referral,
                dedupe_key=dedupe_key,
                subject=subject,
                body=body,
                recipient_user=recipient_user,
                recipient_email=recipient_email,
            )
        ]
    )


def _notice(*, subject: str, **fields) -> Notification:
    return Notification(subject=subject[:200], **fields)


def _enqueue_all(notices: list[Notification]) -> int:
    """Store the notices one cause makes in one INSERT ... ON CONFLICT DO
    NOTHING (each ``dedupe_key`` at most once); returns how many of them are
    to be mailed (have an e-mail address)."""
    if not notices:
        return 0
    Notification.objects.bulk_create(notices, ignore_conflicts=True)
    return sum(1 for notice in notices if notice.recipient_email)


def _context(referral: Referral, **extra) -> dict:
    return {
        "referral": referral,
        "service": referral.service,
        "provider": referral.provider,
        "referrer": referral.referrer_organisation,
        "detail_url": site_url() + referral.get_absolute_url(),
        "status_url": site_url() + reverse("referrals:status"),
        **extra,
    }


def _on_behalf(event: ReferralEvent):
    """The hoofdaanbieder that recorded a step for its onderaannemer (the mail
    names who acted), or None when the provider acted itself."""
    if event.actor_organisation_id in (None, event.referral.provider_id):
        return None
    return event.actor_organisation


def _render(name: str, context: dict) -> tuple[str, str]:
    """A template's first line is the subject, the rest the body. Always in the
    site's language (Dutch): a command or an English page may be the caller."""
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(f"referrals/email/{name}.txt", context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def provider_recipients(referral: Referral) -> list[tuple[str, object, str]]:
    """Who at the receiving provider hears of a new or withdrawn referral:
    ``(key, user or None, e-mail)`` for the intake address (the service's, else
    the organisation's) and each active member who opted in
    (``Membership.notify_referrals``). One query."""
    from registry.models import Membership

    result = []
    intake = referral.service.intake_email or referral.provider.email
    if intake:
        result.append(("intake", None, intake))
    members = Membership.objects.filter(
        organisation_id=referral.provider_id,
        notify_referrals=True,
        user__is_active=True,
    ).select_related("user")
    for membership in members:
        user = membership.user
        result.append((f"user:{user.pk}", user, user.email or ""))
    return result


def _enqueue_for_provider(referral, kind: str, template: str, key: str, **extra) -> int:
    subject, body = _render(template, _context(referral, **extra))
    return _enqueue_all(
        [
            _notice(
                kind=kind,
                referral=referral,
                dedupe_key=f"{key}:{suffix}",
                subject=subject,
                body=body,
                recipient_user=user,
                recipient_email=email,
            )
            for suffix, user, email in provider_recipients(referral)
        ]
    )


def notifications_for_new_referral(referral: Referral) -> None:
    """A new referral (urgent: marked in the subject) to the provider's intake
    address and opted-in staff. Only the reference and a link: no child, no help
    question, no parent. Call inside the transaction that stores the referral."""
    urgent = referral.urgency == codes.Urgency.URGENT
    _enqueue_for_provider(
        referral,
        Kind.URGENT if urgent else Kind.NEW,
        "urgent_provider" if urgent else "new_provider",
        f"new:{referral.pk}",
        norms=norms(referral.urgency),
    )


def notifications_for_event(event: ReferralEvent) -> int:
    """Enqueue the notices an event causes: help started or referral declined go
    to the referring user (app + e-mail) and, if given, the parent (e-mail); a
    withdrawal goes to the provider (intake address and opted-in staff). One
    INSERT for all of them. Returns how many are to be mailed."""
    if event.type == wf.WITHDRAWN:
        return _enqueue_for_provider(
            event.referral, Kind.WITHDRAWN, "withdrawn_provider", f"event:{event.pk}"
        )
    if event.type not in (wf.STARTED, wf.DECLINED):
        return 0
    referral = event.referral
    kind = Kind.STARTED if event.type == wf.STARTED else Kind.DECLINED
    context = _context(referral, event=event, on_behalf=_on_behalf(event))
    notices = []
    user = referral.referrer_user
    if user is not None:
        subject, body = _render(f"{kind}_referrer", context)
        notices.append(
            _notice(
                kind=kind,
                referral=referral,
                dedupe_key=f"event:{event.pk}:referrer",
                subject=subject,
                body=body,
                recipient_user=user,
                recipient_email=user.email or "",
            )
        )
    if referral.parent_email:
        subject, body = _render(f"{kind}_parent", context)
        notices.append(
            _notice(
                kind=kind,
                referral=referral,
                dedupe_key=f"event:{event.pk}:parent",
                subject=subject,
                body=body,
                recipient_email=referral.parent_email,
            )
        )
    return _enqueue_all(notices)


def notifications_for_retraction(event: ReferralEvent) -> None:
    """The referring user hears that a provider step was marked as recorded in
    error (app + e-mail): reference, step and a link; never the reason (it may
    hold details of the child)."""
    referral = event.referral
    user = referral.referrer_user
    if user is None:
        return
    subject, body = _render("corrected_referrer", _context(referral, event=event))
    notification_enqueue(
        kind=Kind.CORRECTED,
        referral=referral,
        dedupe_key=f"retracted:{event.pk}:referrer",
        subject=subject,
        body=body,
        recipient_user=user,
        recipient_email=user.email or "",
    )


def notification_enqueue_overdue(*, today: date | None = None) -> int:
    """Enqueue "norm passed without the next step" for every open referral, once
    per referral and deadline (dedupe key ``overdue:<pk>:<code>``).

    Returns the number of overdue (referral, deadline) pairs seen; repeated runs
    store nothing new for pairs already notified.
    """
    today = today or timezone.localdate()
    table = norms_table()
    # No referral made on or after the latest cut-off can be past any norm.
    latest = max(n.overdue_before(today) for ns in table.values() for n in ns.all())
    candidates = Referral.objects.filter(
        status__in=wf.OPEN_STATUSES,
        referred_on__lt=latest,
    ).select_related("service", "provider", "referrer_organisation", "referrer_user")
    seen = 0
    for referral in candidates.iterator(chunk_size=500):
        passed = wf.overdue(
            stored_derived(referral),
            referred_on=referral.referred_on,
            norms=norms(referral.urgency, table),
            today=today,
        )
        for deadline in passed:
            seen += 1
            _enqueue_overdue(referral, deadline)
    return seen


def _enqueue_overdue(referral: Referral, deadline: wf.Deadline) -> None:
    # Webhooks to both sides' systems, once per referral and deadline; the
    # mail to the referring person (none when a key referred).
    webhooks.enqueue(
        webhook_events.REFERRAL_OVERDUE,
        referral,
        for_provider=True,
        for_referrer=True,
        dedupe_key=f"overdue:{referral.pk}:{deadline.code}",
    )
    user = referral.referrer_user
    if user is None:
        return
    subject, body = _render("overdue_referrer", _context(referral, deadline=deadline))
    notification_enqueue(
        kind=Kind.OVERDUE,
        referral=referral,
        dedupe_key=f"overdue:{referral.pk}:{deadline.code}",
        subject=subject,
        body=body,
        recipient_user=user,
        recipient_email=user.email or "",
    )


def notification_enqueue_retention_warning(
    *, referral: Referral, recipients, last_activity_on: date, purge_on: date
) -> int:
    """Enqueue "personal data goes on ``purge_on``" for each recipient (app and
    e-mail), once per referral and quiet period (dedupe key
    ``retention:<pk>:<last activity>:<user>``). Returns 1 if this referral was
    not warned for this quiet period before, else 0. Call inside a transaction.
    """
    prefix = f"retention:{referral.pk}:{last_activity_on.isoformat()}:"
    if (
        not recipients
        or Notification.objects.filter(dedupe_key__startswith=prefix).exists()
    ):
        return 0
    subject, body = _render(
        "retention_warning",
        {
            "reference": referral.reference,
            "detail_url": site_url() + referral.get_absolute_url(),
            "last_activity_on": last_activity_on,
            "purge_on": purge_on,
            "retention_days": settings.REFERRAL_RETENTION_DAYS,
        },
    )
    for user in recipients:
        notification_enqueue(
            kind=Kind.RETENTION,
            referral=referral,
            dedupe_key=f"{prefix}{user.pk}",
            subject=subject,
            body=body,
            recipient_user=user,
            recipient_email=user.email or "",
        )
    return 1


def _due(now) -> Q:
    return (
        Q(sent_at__isnull=True, attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS)
        & ~Q(recipient_email="")
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd ... failure; at most a day."""
    seconds = RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, RETRY_MAX_SECONDS))


def notification_send_due(*, referral_id: int | None = None, limit: int = 500):
    """Send due e-mails, one row per transaction. Returns ``(sent, failed)``.

    Errors: none raised; a failing mail backend is recorded on the row
    (``attempts``, ``last_error``, ``next_attempt_at``).
    """
    now = timezone.now()
    due = Notification.objects.filter(_due(now))
    if referral_id is not None:
        due = due.filter(referral_id=referral_id)
    sent = failed = 0
    for pk in list(due.order_by("id").values_list("pk", flat=True)[:limit]):
        outcome = _send_one(pk, now)
        sent += outcome is True
        failed += outcome is False
    return sent, failed


def _send_one(pk: int, now) -> bool | None:
    """Lock, re-check, send, record: True sent, False failed, None skipped."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(_due(now), pk=pk)
            .first()
        )
        if row is None:
            return None  # sent meanwhile, or another sender holds it
        row.attempts += 1
        try:
            _message(row).send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - every backend error is retried
            row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            row.next_attempt_at = now + retry_delay(row.attempts)
            row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return False
        row.sent_at = now
        row.last_error = ""
        row.save(update_fields=["attempts", "sent_at", "last_error"])
        return True


def _message(row: Notification) -> EmailMessage:
    return EmailMessage(
        subject=row.subject,
        body=row.body,
        to=[row.recipient_email],
        headers={"Message-ID": f"<notification-{row.pk}@{site_domain()}>"},
    )


def notification_mark_read(*, actor, notification_id: int) -> Notification:
    """Mark the actor's own in-app notice read. Anyone else's: ``Http404``."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None or notification.recipient_user_id != getattr(
        actor, "pk", None
    ):
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
