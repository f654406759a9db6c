"""Mail server unreachable: the step is still recorded, its notices stay in the
outbox (attempt counted, next try scheduled), and once the mail server is back
``send_notifications`` sends each notice exactly once.

The mail server is Django's real SMTP backend pointed at a closed port on
127.0.0.1, so the failure is a refused TCP connection, as in production."""

import socket
from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

import pytest
import time_machine

from referrals.models import Notification, Referral

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_TIMEOUT = 2


def _start_help(client, provider_user, referral, capture):
    client.force_login(provider_user)
    url = reverse("referrals:referral-event-create", args=[referral.reference])
    with capture(execute=True):  # runs the send-after-commit hook, as in production
        return client.post(
            url,
            {
                "type": "started",
                "started-occurred_on": timezone.localdate().isoformat(),
                "confirmed": "1",  # past the confirmation page
            },
        )


def test_steps_are_recorded_and_notices_wait_while_smtp_is_unreachable(
    client, make_referral, provider_user, smtp_down, django_capture_on_commit_callbacks
):
    referral = make_referral(intake=True, parent_email="ouder@example.org")
    response = _start_help(
        client, provider_user, referral, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302  # the provider's work is saved
    assert Referral.objects.get(pk=referral.pk).status == "started"
    notices = list(Notification.objects.order_by("pk"))
    assert [n.recipient_email for n in notices] == [
        referral.referrer_user.email,
        "ouder@example.org",
    ]
    for notice in notices:
        assert notice.sent_at is None
        assert notice.attempts == 1
        assert "ConnectionRefusedError" in notice.last_error
        assert notice.next_attempt_at > timezone.now()
    assert mail.outbox == []


def test_once_smtp_is_back_each_notice_goes_out_once(
    client,
    make_referral,
    provider_user,
    smtp_down,
    settings,
    django_capture_on_commit_callbacks,
):
    referral = make_referral(intake=True, parent_email="ouder@example.org")
    _start_help(client, provider_user, referral, django_capture_on_commit_callbacks)
    call_command("send_notifications")  # still down, and not due yet anyway
    assert Notification.objects.filter(attempts=1, sent_at=None).count() == 2

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        call_command("send_notifications")
        call_command("send_notifications")  # a second run finds nothing due
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [referral.referrer_user.email, "ouder@example.org"]
    )
    assert not Notification.objects.filter(sent_at=None).exists()
    assert set(Notification.objects.values_list("attempts", flat=True)) == {2}


def test_the_outbox_job_survives_an_unreachable_server(smtp_down, make_referral):
    """The cron job itself neither crashes nor loses rows when SMTP is down."""
    referral = make_referral(intake=True, parent_email="ouder@example.org")
    Notification.objects.create(
        kind="started",
        referral=referral,
        recipient_email="ouder@example.org",
        subject="Hulp gestart",
        body="...",
        dedupe_key="fault-test",
    )
    call_command("send_notifications")
    notice = Notification.objects.get()
    assert (notice.attempts, notice.sent_at) == (1, None)
