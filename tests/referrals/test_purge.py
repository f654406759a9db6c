"""purge_referral_personal_data: personal data goes, anonymous timings stay."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

import pytest

from referrals.models import Notification, ReferralEvent


def purge() -> str:
    out = StringIO()
    call_command("purge_referral_personal_data", stdout=out)
    return out.getvalue()


@pytest.fixture
def retention(settings):
    settings.REFERRAL_RETENTION_DAYS = 30
    return 30


def finished(make_referral, state, days_ago, **kwargs):
    """A referral whose last step was ``days_ago`` days ago."""
    steps = {"ended": 4, "declined": 1, "withdrawn": 1}[state]
    return make_referral(days_ago=days_ago + steps, **{state: True}, **kwargs)


@pytest.mark.parametrize("state", ["ended", "declined", "withdrawn"])
@pytest.mark.django_db
def test_it_blanks_personal_data_of_old_finished_referrals_and_keeps_timings(
    state, make_referral, retention
):
    referral = finished(make_referral, state, 31, parent_email="ouder@example.org")
    ReferralEvent.objects.filter(referral=referral).update(note="moeder belde op")
    Notification.objects.create(
        kind="declined",
        referral=referral,
        recipient_email="ouder@example.org",
        subject="s",
        body="b",
        dedupe_key="p",
    )
    timings = (
        referral.status,
        referral.referred_on,
        referral.received_on,
        referral.started_on,
        referral.ended_on,
        referral.declined_on,
        referral.withdrawn_on,
    )
    output = purge()
    referral.refresh_from_db()
    assert "Purged 1 referral(s)" in output
    assert referral.child_initials == ""
    assert referral.child_birth_date is None
    assert referral.help_question == ""
    assert referral.parent_email == ""
    assert referral.personal_data_purged_at is not None
    assert not ReferralEvent.objects.filter(referral=referral).exclude(note="").exists()
    assert Notification.objects.get().recipient_email == ""
    assert (
        referral.status,
        referral.referred_on,
        referral.received_on,
        referral.started_on,
        referral.ended_on,
        referral.declined_on,
        referral.withdrawn_on,
    ) == timings
    assert referral.events.count() > 0


@pytest.mark.django_db
def test_it_keeps_recent_finished_and_all_open_or_running_referrals(
    make_referral, retention
):
    recent = finished(make_referral, "ended", 29)
    running = make_referral(days_ago=400, started=True)
    waiting = make_referral(days_ago=400, received=True)
    assert "Purged 0 referral(s)" in purge()
    for referral in (recent, running, waiting):
        referral.refresh_from_db()
        assert referral.child_initials == "J.B."
        assert referral.help_question
        assert referral.personal_data_purged_at is None


@pytest.mark.django_db
def test_running_it_again_changes_nothing(make_referral, retention):
    referral = finished(make_referral, "declined", 60)
    purge()
    referral.refresh_from_db()
    first = referral.personal_data_purged_at
    assert "Purged 0 referral(s)" in purge()
    referral.refresh_from_db()
    assert referral.personal_data_purged_at == first


@pytest.mark.django_db
def test_the_retention_period_comes_from_the_setting(make_referral, settings):
    settings.REFERRAL_RETENTION_DAYS = 100
    referral = finished(make_referral, "declined", 60)
    purge()
    referral.refresh_from_db()
    assert referral.child_initials == "J.B."
    settings.REFERRAL_RETENTION_DAYS = 50
    purge()
    referral.refresh_from_db()
    assert referral.child_initials == ""
    assert referral.declined_on == timezone.localdate() - timedelta(days=60)
