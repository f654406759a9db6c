"""Issue 14: a step recorded in error is marked so (never deleted), the status is
derived again and the referrer is told; steps that are hard to undo are
confirmed first."""

# ruff: noqa: F811

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

import pytest

from referrals import services
from referrals import workflow as wf
from referrals.models import Notification, ReferralEvent
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


def test_derive_skips_a_step_marked_in_error():
    d0 = date(2026, 3, 2)
    events = [
        wf.Event(wf.RECEIVED, d0),
        wf.Event(wf.INTAKE, d0 + timedelta(days=3), retracted=True),
    ]
    derived = wf.derive(events)
    assert (derived.status, derived.intake_on) == (wf.RECEIVED, None)
    assert wf.INTAKE in wf.allowed_events(derived)


def _state(referral):
    referral.refresh_from_db()
    return (
        referral.status,
        referral.intake_on,
        list(referral.events.values_list("type", "retracted_at")),
        Notification.objects.filter(kind="corrected").count(),
    )


def test_the_provider_marks_its_latest_step_in_error(
    make_referral, provider_user, referrer_user, django_capture_on_commit_callbacks
):
    referral = make_referral(intake=True, referrer_user=referrer_user)
    intake = referral.events.get(type="intake")
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_event_retract(
            referral=referral,
            event_id=intake.pk,
            actor=provider_user,
            reason="Verkeerde datum ingevuld.",
        )
    referral.refresh_from_db()
    assert (referral.status, referral.intake_on) == (wf.RECEIVED, None)
    intake.refresh_from_db()
    assert intake.retracted_at is not None
    assert intake.retracted_by == provider_user
    assert ReferralEvent.objects.filter(referral=referral).count() == 2  # kept
    notice = Notification.objects.get(kind="corrected")
    assert notice.recipient_user == referrer_user
    assert referral.reference in notice.subject
    assert "Verkeerde datum" not in notice.body  # the reason stays in the app
    # The right step can now be recorded again.
    services.referral_event_record(
        referral=referral, type="intake", occurred_on=TODAY(), actor=provider_user
    )
    referral.refresh_from_db()
    assert (referral.status, referral.intake_on) == (wf.INTAKE, TODAY())


@pytest.mark.parametrize(
    ("reason", "field"),
    [("", "reason"), ("  ", "reason"), ("bsn 111222333", "reason")],
)
def test_a_correction_needs_a_reason_without_a_bsn(
    make_referral, provider_user, reason, field
):
    referral = make_referral(intake=True)
    before = _state(referral)
    with pytest.raises(ValidationError) as exc:
        services.referral_event_retract(
            referral=referral,
            event_id=referral.events.get(type="intake").pk,
            actor=provider_user,
            reason=reason,
        )
    assert field in exc.value.message_dict
    assert _state(referral) == before


def test_only_the_latest_step_can_be_marked(make_referral, provider_user):
    referral = make_referral(intake=True)
    before = _state(referral)
    with pytest.raises(ValidationError) as exc:
        services.referral_event_retract(
            referral=referral,
            event_id=referral.events.get(type="received").pk,
            actor=provider_user,
            reason="Fout",
        )
    assert "event" in exc.value.message_dict
    assert _state(referral) == before


def test_the_provider_cannot_mark_the_referrers_withdrawal(
    make_referral, provider_user
):
    referral = make_referral(withdrawn=True)
    before = _state(referral)
    with pytest.raises(ValidationError):
        services.referral_event_retract(
            referral=referral,
            event_id=referral.events.get().pk,
            actor=provider_user,
            reason="Fout",
        )
    assert _state(referral) == before


@pytest.mark.parametrize(
    ("user", "error"),
    [
        ("referrer_user", PermissionDenied),
        ("school_user", PermissionDenied),
        ("outsider_user", Http404),
        ("municipality_user", Http404),
    ],
)
def test_others_cannot_mark_a_step(make_referral, request, user, error):
    referral = make_referral(intake=True)
    before = _state(referral)
    with pytest.raises(error):
        services.referral_event_retract(
            referral=referral,
            event_id=referral.events.get(type="intake").pk,
            actor=request.getfixturevalue(user),
            reason="Fout",
        )
    assert _state(referral) == before


def test_the_page_marks_the_step_and_the_timeline_keeps_both(
    client, make_referral, provider_user, referrer_user
):
    referral = make_referral(intake=True, referrer_user=referrer_user)
    intake = referral.events.get(type="intake")
    client.force_login(provider_user)
    page = client.get(referral.get_absolute_url()).text
    assert "verkeerd vastgelegd?" in page
    url = reverse(
        "referrals:referral-event-retract", args=[referral.reference, intake.pk]
    )
    response = client.post(url, {"reason": "Verkeerde verwijzing."}, follow=True)
    assert "Gemarkeerd als fout" in response.text
    assert "Fout vastgelegd" in response.text
    assert "Verkeerde verwijzing." in response.text
    client.force_login(referrer_user)
    page = client.get(referral.get_absolute_url()).text
    assert "Fout vastgelegd" in page
    assert "verkeerd vastgelegd?" not in page  # the referrer cannot correct


def test_the_page_refuses_an_empty_reason_and_changes_nothing(
    client, make_referral, provider_user
):
    referral = make_referral(intake=True)
    before = _state(referral)
    intake = referral.events.get(type="intake")
    client.force_login(provider_user)
    url = reverse(
        "referrals:referral-event-retract", args=[referral.reference, intake.pk]
    )
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Geef aan wat er fout was." in response.text
    assert _state(referral) == before


# --- confirmation before steps that are hard to undo ----------------------------


@pytest.mark.parametrize(
    ("trait", "step", "extra"),
    [("intake", "started", {}), ("started", "ended", {"ended-end_reason": "31"})],
)
def test_started_and_ended_are_confirmed_first(
    client, make_referral, provider_user, trait, step, extra
):
    referral = make_referral(**{trait: True})
    before = _state(referral)
    client.force_login(provider_user)
    url = reverse("referrals:referral-event-create", args=[referral.reference])
    data = {"type": step, f"{step}-occurred_on": TODAY().isoformat(), **extra}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "vastleggen?" in response.text
    assert TODAY().strftime("%Y") in response.text
    assert _state(referral) == before
    response = client.post(url, {**data, "confirmed": "1"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == step


def test_an_illegal_step_shows_the_error_not_a_confirmation(
    client, referral, provider_user
):
    client.force_login(provider_user)
    url = reverse("referrals:referral-event-create", args=[referral.reference])
    response = client.post(
        url, {"type": "started", "started-occurred_on": TODAY().isoformat()}
    )
    assert response.status_code == 400
    assert "kan niet na" in response.text
    assert not referral.events.exists()
