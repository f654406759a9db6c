"""purge_referral_personal_data: personal data goes once nothing has happened on a
referral for REFERRAL_RETENTION_DAYS, whatever its status; anonymous timings stay.
Referrer and provider are warned (reference and link only) a month before, once."""

from datetime import datetime, time, timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone

import pytest
import time_machine

from referrals import notifications, services
from referrals.models import AccessLogEntry, Notification, Referral, ReferralEvent
from tests import factories

pytestmark = pytest.mark.django_db

RETENTION = 100
PERSONAL = (
    "child_initials",
    "child_birth_date",
    "help_question",
    "parent_name",
    "parent_phone",
    "parent_email",
)
STATES = [
    "sent",
    "received",
    "first_contact",
    "waitlisted",
    "intake",
    "started",
    "ended",
    "declined",
    "withdrawn",
]


def purge() -> str:
    out = StringIO()
    call_command("purge_referral_personal_data", stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def retention(settings):
    settings.REFERRAL_RETENTION_DAYS = RETENTION
    settings.REFERRAL_RETENTION_WARNING_DAYS = 30
    return RETENTION


def idle(make_referral, state: str, days: int, **kwargs) -> Referral:
    """A referral in ``state`` whose last step happened, and was recorded,
    ``days`` days ago (steps are one day apart from the referral date)."""
    steps = {"sent": 0, "first_contact": 2, "waitlisted": 3, "intake": 2}
    steps.update({"received": 1, "started": 3, "ended": 4})
    steps.update({"declined": 1, "withdrawn": 1})
    flags = {} if state == "sent" else {state: True}
    referral = make_referral(days_ago=days + steps[state], **flags, **kwargs)
    ReferralEvent.objects.filter(referral=referral).update(recorded_at=noon(days))
    return referral


def noon(days_ago: int) -> datetime:
    """Midday (local time) ``days_ago`` days ago: clear of midnight and DST."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(12)))


def snapshot(referral: Referral) -> dict:
    referral.refresh_from_db()
    return {
        "referral": model_to_dict(referral),
        "events": [model_to_dict(e) for e in referral.events.order_by("id")],
        "notices": [model_to_dict(n) for n in referral.notifications.order_by("id")],
        "log": list(referral.access_log.values_list("pk", "purpose")),
    }


def without(data: dict, *names) -> dict:
    return {key: value for key, value in data.items() if key not in names}


# --- purging ------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
def test_it_blanks_personal_data_once_nothing_happened_for_the_retention_period(
    state, make_referral
):
    referral = idle(
        make_referral,
        state,
        RETENTION + 1,
        parent_name="J. de Vries",
        parent_phone="06 12345678",
        parent_email="o@example.org",
    )
    ReferralEvent.objects.filter(referral=referral).update(
        note="moeder belde op", retraction_reason="verkeerde datum"
    )
    before = snapshot(referral)

    output = purge()

    after = snapshot(referral)
    assert "Purged 1 referral(s)" in output
    assert {name: after["referral"][name] for name in PERSONAL} == {
        "child_initials": "",
        "child_birth_date": None,
        "help_question": "",
        "parent_name": "",
        "parent_phone": "",
        "parent_email": "",
    }
    assert referral.personal_data_purged_at is not None
    # Nothing else changed: status, milestone dates, references, events but notes.
    changed = (*PERSONAL, "personal_data_purged_at")
    assert without(after["referral"], *changed) == without(before["referral"], *changed)
    free_text = ("note", "retraction_reason")
    assert [without(e, *free_text) for e in after["events"]] == [
        without(e, *free_text) for e in before["events"]
    ]
    assert all(e["note"] == e["retraction_reason"] == "" for e in after["events"])
    assert after["log"] == before["log"]


@pytest.mark.parametrize("state", STATES)
def test_it_keeps_a_referral_where_something_happened_within_the_period(
    state, make_referral
):
    referral = idle(make_referral, state, RETENTION - 1)
    before = snapshot(referral)
    assert "Purged 0 referral(s)" in purge()
    # Only the warning was added (see below).
    assert without(snapshot(referral), "notices") == without(before, "notices")


def test_a_step_recorded_recently_counts_even_when_dated_long_ago(make_referral):
    """A provider that records today that help ended a year ago has just done
    something on the referral: the clock starts again."""
    referral = idle(make_referral, "ended", RETENTION + 200)
    ReferralEvent.objects.filter(referral=referral, type="ended").update(
        recorded_at=noon(3)
    )
    before = snapshot(referral)
    assert "Purged 0 referral(s)" in purge()
    assert snapshot(referral) == before


def test_other_referrals_and_notices_to_professionals_are_untouched(
    make_referral, referrer_user
):
    old = idle(make_referral, "started", RETENTION + 5, parent_email="o@example.org")
    young = idle(make_referral, "started", 3, parent_email="p@example.org")
    to_parent, to_referrer = (
        Notification.objects.create(
            kind="started",
            referral=old,
            recipient_user=user,
            recipient_email=address,
            subject="Hulp gestart",
            body="b",
            dedupe_key=key,
        )
        for user, address, key in (
            (None, "o@example.org", "parent"),
            (referrer_user, "verwijzer@example.org", "referrer"),
        )
    )
    AccessLogEntry.objects.create(referral=old, user=referrer_user, purpose="detail")
    before_young = snapshot(young)
    before = snapshot(old)

    purge()

    assert snapshot(young) == before_young
    to_parent.refresh_from_db()
    to_referrer.refresh_from_db()
    assert to_parent.recipient_email == ""
    assert model_to_dict(to_referrer) == next(
        n for n in before["notices"] if n["id"] == to_referrer.pk
    )
    assert AccessLogEntry.objects.filter(referral=old).count() == 1


def test_running_it_again_changes_nothing(make_referral):
    referral = idle(make_referral, "declined", RETENTION + 60)
    purge()
    before = snapshot(referral)
    assert "Purged 0 referral(s)" in purge()
    assert snapshot(referral) == before


def test_the_retention_period_comes_from_the_setting(make_referral, settings):
    referral = idle(make_referral, "waitlisted", 60)
    purge()
    referral.refresh_from_db()
    assert referral.child_initials == "J.B."
    settings.REFERRAL_RETENTION_DAYS = 50
    purge()
    referral.refresh_from_db()
    assert referral.child_initials == ""
    assert referral.status == "waitlisted"


# --- warning a month before ---------------------------------------------------


@pytest.fixture
def provider_admins(provider_org):
    return [
        factories.MembershipFactory(organisation=provider_org, role="admin").user
        for _ in range(2)
    ]


def warnings():
    return Notification.objects.filter(kind=Notification.Kind.RETENTION)


@pytest.mark.parametrize("state", ["received", "started", "ended"])
def test_referrer_and_provider_admins_are_warned_a_month_before(
    state,
    make_referral,
    referrer_user,
    provider_user,
    provider_admins,
    outsider_user,
    municipality_user,
    school_user,
):
    referral = idle(make_referral, state, RETENTION - 30, parent_email="o@example.org")
    personal = snapshot(referral)["referral"]

    output = purge()

    assert "Warned about 1 referral(s)" in output
    rows = list(warnings().order_by("recipient_user_id"))
    assert {row.recipient_user for row in rows} == {referrer_user, *provider_admins}
    assert all(row.recipient_email == row.recipient_user.email for row in rows)
    assert all(row.referral_id == referral.pk for row in rows)
    due = timezone.localdate() + timedelta(days=30)
    text = rows[0].subject + rows[0].body
    assert referral.reference in rows[0].subject
    assert f"{due.day} " in rows[0].subject
    assert referral.get_absolute_url() in rows[0].body
    for secret in (
        personal["child_initials"],
        personal["help_question"],
        personal["parent_email"],
        referral.service.name,
        referral.family_code,
        "2015",
        "17-05",
    ):
        assert secret not in text
    # Nobody else hears of it (the outsider, municipality and school, the parent).
    assert (
        not warnings()
        .filter(
            recipient_user__in=[
                outsider_user,
                municipality_user,
                school_user,
                provider_user,
            ]
        )
        .exists()
    )
    assert not warnings().filter(recipient_user=None).exists()
    # Personal data is still there.
    assert snapshot(referral)["referral"] == personal


def test_the_warning_is_mailed_through_the_outbox_once(
    make_referral, referrer_user, provider_user
):
    referral = idle(make_referral, "intake", RETENTION - 25)
    purge()
    notifications.notification_send_due()
    purge()
    notifications.notification_send_due()

    assert len(mail.outbox) == 2  # referrer + the provider (no admin: its member)
    assert warnings().count() == 2
    assert {m.to[0] for m in mail.outbox} == set(
        warnings().values_list("recipient_email", flat=True)
    )
    assert referral.reference in mail.outbox[0].subject


def test_without_admins_the_provider_members_are_warned(make_referral, provider_user):
    idle(make_referral, "received", RETENTION - 30)
    purge()
    assert warnings().filter(recipient_user=provider_user).count() == 1


def test_no_warning_earlier_than_a_month_before(make_referral):
    idle(make_referral, "started", RETENTION - 31)
    assert "Warned about 0 referral(s)" in purge()
    assert not warnings().exists()


@time_machine.travel(noon(0), tick=False)
def test_new_activity_after_a_warning_earns_a_new_warning_later(
    make_referral, provider_user
):
    referral = idle(make_referral, "received", RETENTION - 30)
    purge()
    assert warnings().count() == 2
    services.referral_event_record(
        referral=referral,
        type="first_contact",
        occurred_on=timezone.localdate(),
        actor=provider_user,
    )
    assert "Warned about 0 referral(s)" in purge()
    with time_machine.travel(noon(-(RETENTION - 31)), tick=False):
        assert "Warned about 0 referral(s)" in purge()
    with time_machine.travel(noon(-(RETENTION - 30)), tick=False):
        assert "Warned about 1 referral(s)" in purge()
        assert "Purged 0 referral(s)" in purge()
    assert warnings().count() == 4


def test_a_purged_referral_gets_no_warning(make_referral):
    idle(make_referral, "ended", RETENTION + 10)
    output = purge()
    assert "Warned about 0 referral(s)" in output
    assert not warnings().exists()
