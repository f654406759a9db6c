"""Issue 14: the provider hears of new, urgent and withdrawn referrals (mail via
the outbox to the intake address and opted-in staff, no personal data), and the
inbox shows "nieuw" until the provider side opens one, urgent first."""

# ruff: noqa: F811

from django.core import mail
from django.urls import reverse
from django.utils import timezone

import pytest
from rest_framework.test import APIClient

from referrals import services
from referrals.models import Notification, Referral
from tests import factories
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    outsider_referrer_user,
    outsider_school_user,
    referral,
    school_org,
    school_user,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
SECRET_HELP = "GEHEIM: slaapt slecht sinds de scheiding"


def _data(**overrides):
    today = TODAY()
    values = {
        "child_initials": "Q.Z.",
        "child_birth_date": today.replace(year=today.year - 8, day=1),
        "help_question": SECRET_HELP,
        "urgency": "regular",
        "consent_by": "parent",
        "consent_date": today,
        "parent_name": "Ouder Zwaluw",
        "parent_phone": "06 11122233",
        "parent_email": "zwaluw@example.org",
    }
    values.update(overrides)
    return values


@pytest.fixture
def provider_setup(service, provider_org, provider_user, outsider_user):
    service.intake_email = "intake@aanbieder.example"
    service.save()
    opted = factories.MembershipFactory(
        organisation=provider_org, notify_referrals=True
    ).user
    # Another organisation's opted-in member hears nothing of this referral.
    factories.MembershipFactory(
        organisation=outsider_user.memberships.get().organisation,
        notify_referrals=True,
    )
    return opted


def _refer(referrer_user, service, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        return services.referral_create(
            actor=referrer_user, service=service, data=_data(**overrides)
        )


def _assert_no_personal_data(text: str):
    for secret in (SECRET_HELP, "Q.Z.", "Zwaluw", "06 11122233", "zwaluw@"):
        assert secret not in text


def test_a_new_referral_mails_the_intake_address_and_opted_in_staff(
    referrer_user, service, provider_setup, django_capture_on_commit_callbacks
):
    referral = _refer(referrer_user, service, django_capture_on_commit_callbacks)
    rows = Notification.objects.filter(referral=referral)
    assert {(n.kind, n.recipient_email) for n in rows} == {
        ("new", "intake@aanbieder.example"),
        ("new", provider_setup.email),
    }
    assert {m.to[0] for m in mail.outbox} == {
        "intake@aanbieder.example",
        provider_setup.email,
    }
    message = mail.outbox[0]
    assert message.subject == f"Nieuwe verwijzing {referral.reference}"
    assert referral.get_absolute_url() in message.body
    _assert_no_personal_data(message.subject + message.body)


def test_an_urgent_referral_is_marked_in_the_subject(
    referrer_user, service, provider_setup, django_capture_on_commit_callbacks
):
    referral = _refer(
        referrer_user, service, django_capture_on_commit_callbacks, urgency="urgent"
    )
    subjects = {m.subject for m in mail.outbox}
    assert subjects == {f"SPOED: nieuwe verwijzing {referral.reference}"}
    assert "2 werkdagen" in mail.outbox[0].body
    assert set(Notification.objects.values_list("kind", flat=True)) == {"urgent"}
    _assert_no_personal_data(mail.outbox[0].body)


def test_without_an_intake_address_the_organisation_address_is_used(
    referrer_user, service, provider_org, django_capture_on_commit_callbacks
):
    provider_org.email = "info@aanbieder.example"
    provider_org.save()
    _refer(referrer_user, service, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["info@aanbieder.example"]]


def test_a_refused_referral_mails_nobody(
    referrer_user, service, provider_setup, django_capture_on_commit_callbacks
):
    with pytest.raises(services.ValidationError):
        _refer(
            referrer_user,
            service,
            django_capture_on_commit_callbacks,
            parent_phone="",
            parent_email="",
        )
    assert not Referral.objects.exists()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_withdrawal_mails_the_provider(
    referral, referrer_user, provider_setup, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_event_record(
            referral=referral,
            type="withdrawn",
            occurred_on=TODAY(),
            actor=referrer_user,
        )
    assert {m.to[0] for m in mail.outbox} == {
        "intake@aanbieder.example",
        provider_setup.email,
    }
    assert mail.outbox[0].subject == f"Verwijzing {referral.reference} is ingetrokken"
    assert referral.help_question not in mail.outbox[0].body


# --- the inbox ------------------------------------------------------------------


def test_the_inbox_shows_urgent_first_then_oldest(client, provider_user, make_referral):
    old = make_referral(days_ago=20)
    urgent = make_referral(days_ago=1, urgency="urgent")
    middle = make_referral(days_ago=5)
    client.force_login(provider_user)
    text = client.get(reverse("referrals:inbox")).text
    positions = [text.index(r.reference) for r in (urgent, old, middle)]
    assert positions == sorted(positions)


def test_nieuw_until_the_provider_side_opens_it(
    client, referral, provider_user, referrer_user, school_user
):
    def inbox_says_new():
        client.force_login(provider_user)
        row = client.get(reverse("referrals:inbox")).text
        return "badge--new" in row

    assert inbox_says_new()
    # The referrer and the school opening it change nothing.
    for user in (referrer_user, school_user):
        client.force_login(user)
        assert client.get(referral.get_absolute_url()).status_code == 200
    assert inbox_says_new()
    client.force_login(provider_user)
    client.get(referral.get_absolute_url())
    assert not inbox_says_new()
    referral.refresh_from_db()
    first = referral.provider_opened_at
    assert first is not None
    client.get(referral.get_absolute_url())
    referral.refresh_from_db()
    assert referral.provider_opened_at == first  # the first moment stays


def test_an_outsider_cannot_mark_it_opened(client, referral, outsider_user):
    client.force_login(outsider_user)
    assert client.get(referral.get_absolute_url()).status_code == 404
    referral.refresh_from_db()
    assert referral.provider_opened_at is None


def test_the_provider_system_opening_it_by_api_counts(referral, provider_org):
    from registry import services as registry_services

    _token, key = registry_services.api_token_create(
        organisation=provider_org, actor=None, name="Planning"
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"/api/v1/referrals/{referral.reference}").status_code == 200
    referral.refresh_from_db()
    assert referral.provider_opened_at is not None
