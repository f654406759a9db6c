"""Stale-capacity reminders: at most one per organisation and period."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from registry.models import (
    CapacityReminder,
    Organisation,
    Service,
)
from sociale_kaart.site import site_url


def capacity_reminder_send(
    *,
    organisation: Organisation,
    period: str,
    services: list[Service],
    recipients: list[str],
) -> CapacityReminder | None:
    """Record and send one stale-capacity reminder to ``organisation`` for ``period``.

    Invariants: at most one reminder per organisation and period (unique
    constraint; a second call returns None and sends nothing), so a daily run
    mails once per period. Call inside the caller's transaction.
    Side effects: the e-mail goes out after commit; if sending fails the
    reminder stays recorded (at most once, never twice) and the error is logged.
    """
    with transaction.atomic():
        reminder, created = CapacityReminder.objects.get_or_create(
            organisation=organisation,
            period=period,
            defaults={"service_count": len(services)},
        )
    if not created:
        return None
    message = _capacity_reminder_message(organisation, period, services, recipients)
    transaction.on_commit(message.send, robust=True)
    return reminder


def _capacity_reminder_message(organisation, period, services, recipients):
    context = {
        "organisation": organisation,
        "period": period,
        "services": services,
        "site_url": site_url(),
        "stale_days": settings.CAPACITY_STALE_DAYS,
    }
    with translation.override("nl"):
        subject = render_to_string("provider/email/stale_subject.txt", context)
        body = render_to_string("provider/email/stale_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()), body=body, to=sorted(set(recipients))
    )
