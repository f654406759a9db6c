"""Two provider users record the same step at the same moment: one event.

PostgreSQL only: SQLite has no row locks (select_for_update is a no-op there).
"""

import threading
import time

from django.db import connection
from django.utils import timezone

import pytest

from referrals import services
from referrals import workflow as wf
from referrals.models import Referral, ReferralEvent


def race(referral, users, **kwargs):
    """Run ``referral_event_record`` for each user in its own thread and
    connection, started together. Returns each outcome."""
    barrier = threading.Barrier(len(users))
    outcomes = []

    def run(user):
        try:
            barrier.wait()
            event = services.referral_event_record(
                referral=Referral.objects.get(pk=referral.pk),
                type=wf.RECEIVED,
                occurred_on=timezone.localdate(),
                actor=user,
                **kwargs,
            )
            outcomes.append(("replayed" if event.replayed else "recorded", event.pk))
        except wf.TransitionNotAllowed as exc:
            outcomes.append(("refused", exc.message_dict["type"][0]))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes, key=lambda o: o[0])


@pytest.fixture
def slow_check(monkeypatch):
    """Widen the race: hold the (locked) transaction a moment after the check."""
    check = wf.check_transition

    def slow(derived, event_type):
        check(derived, event_type)
        time.sleep(0.3)

    monkeypatch.setattr(wf, "check_transition", slow)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_provider_users_recording_received_at_once_yield_one_event(
    referral, provider_user, provider_admin, slow_check
):
    outcomes = race(referral, [provider_user, provider_admin])
    assert [kind for kind, _ in outcomes] == ["recorded", "refused"]
    assert "al vastgelegd" in outcomes[1][1]
    assert ReferralEvent.objects.filter(referral=referral).count() == 1
    referral.refresh_from_db()
    assert referral.status == wf.RECEIVED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_retries_with_one_idempotency_key_yield_one_event(
    referral, provider_user, provider_admin, slow_check
):
    outcomes = race(
        referral, [provider_user, provider_admin], idempotency_key="same-step"
    )
    assert [kind for kind, _ in outcomes] == ["recorded", "replayed"]
    assert outcomes[0][1] == outcomes[1][1]
    assert ReferralEvent.objects.filter(referral=referral).count() == 1


# --- ten identical referrals at once -------------------------------------------


@pytest.fixture
def slow_create(monkeypatch):
    """Widen the race: a moment between the duplicate check and the INSERT."""
    from referrals import identifiers

    draw = identifiers.new_reference

    def slow():
        time.sleep(0.2)
        return draw()

    monkeypatch.setattr(identifiers, "new_reference", slow)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_identical_referrals_at_once_create_one(
    referrer_user, service, slow_create
):
    from rest_framework.test import APIClient

    payload = {
        "service": service.pk,
        "child_initials": "S.V.",
        "child_birth_date": "2012-09-01",
        "help_question": "Somber, trekt zich terug.",
        "urgency": "regular",
        "consent_by": "both",
        "consent_date": timezone.localdate().isoformat(),
        "parent_phone": "06 12345678",
    }
    barrier = threading.Barrier(10)
    statuses = []

    def run():
        try:
            client = APIClient()
            client.force_authenticate(referrer_user)
            barrier.wait()
            response = client.post("/api/v1/referrals", payload, format="json")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201] + [409] * 9
    assert Referral.objects.count() == 1
