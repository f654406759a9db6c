"""The notice outbox: enqueued with the event, sent after commit, retried on
failure, never lost and never sent twice."""

import smtplib
from datetime import timedelta

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

import pytest
import time_machine

from referrals import notifications, services
from referrals import workflow as wf
from referrals.models import Notification

TODAY = timezone.localdate
FAILING = "tests.referrals.test_notifications.FailingBackend"


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("connection refused")


def decline(referral, actor):
    return services.referral_event_record(
        referral=referral,
        type=wf.DECLINED,
        occurred_on=TODAY(),
        actor=actor,
        decline_reason="no_capacity",
    )


def start(referral, actor):
    return services.referral_event_record(
        referral=referral, type=wf.STARTED, occurred_on=TODAY(), actor=actor
    )


@pytest.mark.django_db
def test_a_decline_enqueues_a_notice_for_the_referrer_and_the_parent(
    make_referral, provider_user, referrer_user
):
    referral = make_referral(parent_email="ouder@example.org")
    decline(referral, provider_user)
    rows = {n.recipient_email: n for n in Notification.objects.all()}
    assert set(rows) == {referrer_user.email, "ouder@example.org"}
    assert rows[referrer_user.email].recipient_user == referrer_user
    assert rows[referrer_user.email].kind == Notification.Kind.DECLINED
    assert rows["ouder@example.org"].recipient_user is None
    assert "afgewezen" in rows[referrer_user.email].subject


@pytest.mark.django_db
def test_help_starting_enqueues_notices_without_the_help_question_or_child_data(
    make_referral, provider_user
):
    referral = make_referral(intake=True, parent_email="ouder@example.org")
    start(referral, provider_user)
    notices = list(Notification.objects.all())
    assert len(notices) == 2
    for notice in notices:
        assert notice.kind == Notification.Kind.STARTED
        assert referral.help_question not in notice.body
        assert referral.child_initials not in notice.body + notice.subject
        assert "gestart" in notice.subject.lower() + notice.body.lower()
    parent = next(n for n in notices if n.recipient_user is None)
    assert "Goed nieuws" in parent.body
    assert referral.reference not in parent.body  # parents know no references


@pytest.mark.django_db
def test_other_steps_notify_nobody(referral, provider_user):
    services.referral_event_record(
        referral=referral, type=wf.RECEIVED, occurred_on=TODAY(), actor=provider_user
    )
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_notice_is_written_with_the_event_so_a_rollback_drops_both(
    referral, provider_user
):
    with pytest.raises(RuntimeError), transaction.atomic():
        decline(referral, provider_user)
        assert Notification.objects.count() == 1
        raise RuntimeError("request failed after the step")
    assert not Notification.objects.exists()
    assert not referral.events.exists()


@pytest.mark.django_db
def test_notices_are_mailed_right_after_commit(
    make_referral, provider_user, django_capture_on_commit_callbacks
):
    referral = make_referral(parent_email="ouder@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        decline(referral, provider_user)
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(sent_at__isnull=True).count() == 0
    sent_to = sorted(m.to[0] for m in mail.outbox)
    assert "ouder@example.org" in sent_to


@pytest.mark.django_db
def test_enqueueing_the_same_notice_twice_stores_one(referral):
    for _ in range(2):
        notifications.notification_enqueue(
            kind="overdue",
            referral=referral,
            dedupe_key="same",
            subject="s",
            body="b",
            recipient_email="a@example.org",
        )
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_overdue_notices_are_sent_once_per_referral_and_norm(make_referral):
    referral = make_referral(days_ago=20, received=True)
    make_referral(days_ago=3)  # no norm passed yet
    call_command("notify_overdue_referrals")
    call_command("notify_overdue_referrals")
    notice = Notification.objects.get()
    assert notice.kind == Notification.Kind.OVERDUE
    assert notice.dedupe_key == f"overdue:{referral.pk}:{wf.FIRST_CONTACT}"
    assert "Eerste contact" in notice.subject
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        call_command("notify_overdue_referrals")
    codes = sorted(Notification.objects.values_list("dedupe_key", flat=True))
    assert codes == [
        f"overdue:{referral.pk}:{wf.FIRST_CONTACT}",
        f"overdue:{referral.pk}:{wf.INTAKE}",
    ]


@pytest.mark.django_db
def test_started_referrals_get_no_overdue_notice(make_referral):
    make_referral(days_ago=60, started=True)
    call_command("notify_overdue_referrals")
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_failed_mail_is_retried_later_and_sent_exactly_once(
    make_referral, provider_user, settings
):
    referral = make_referral()
    decline(referral, provider_user)  # the referrer's notice, not yet sent
    settings.EMAIL_BACKEND = FAILING
    call_command("send_notifications")
    notice = Notification.objects.get()
    assert (notice.sent_at, notice.attempts) == (None, 1)
    assert "SMTPServerDisconnected" in notice.last_error
    assert notice.next_attempt_at > timezone.now()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_notifications")  # not due yet: backoff
    assert len(mail.outbox) == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        call_command("send_notifications")
        call_command("send_notifications")
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert notice.attempts == 2
    assert (
        mail.outbox[0]
        .extra_headers["Message-ID"]
        .startswith(f"<notification-{notice.pk}@")
    )


@pytest.mark.django_db
def test_after_the_last_attempt_the_row_stays_unsent_and_is_not_tried_again(
    referral, provider_user, settings
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    settings.EMAIL_BACKEND = FAILING
    decline(referral, provider_user)
    now = timezone.now()
    for hours in range(4):
        with time_machine.travel(now + timedelta(hours=hours)):
            notifications.notification_send_due()
    notice = Notification.objects.get()
    assert (notice.attempts, notice.sent_at) == (2, None)


def test_the_backoff_doubles_and_stops_at_a_day():
    delays = [notifications.retry_delay(n).total_seconds() for n in (1, 2, 3, 20)]
    assert delays == [60, 120, 240, 86400]


@pytest.mark.django_db
def test_in_app_only_notices_are_never_mailed(referral, referrer_user):
    referrer_user.email = ""
    referrer_user.save()
    referral.refresh_from_db()
    notifications.notifications_for_event(
        referral.events.model(
            referral=referral, type=wf.STARTED, occurred_on=TODAY(), pk=999
        )
    )
    assert Notification.objects.get().recipient_email == ""
    assert notifications.notification_send_due() == (0, 0)
