"""A worker that dies in the middle of a request leaves nothing half-written:
each write is one transaction, so a crash between its statements rolls all of
them back.

In-process, an exception stands in for the crash at the worst moment (after the
first rows are written, before the rest). On PostgreSQL a subprocess really
dies with ``os._exit`` at that moment, holding its open transaction; the
database rolls it back when the connection drops."""

import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from referrals import services as referral_services
from referrals.models import Notification, Referral, ReferralEvent
from registry import services as registry_services
from registry.services import importer as registry_importer
from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]
ORGANISATION = {
    "kvk": "30000001",
    "naam": "Hoofd Zorg Almere",
    "rol": "hoofdaanbieder",
    "percelen": "begeleiding",
    "adres": "Stadhuisplein 1",
    "postcode": "1315hr",
    "plaats": "Almere",
    "stadsdeel": "stad",
}
SERVICE = {
    "kvk": "30000001",
    "aanbod": "Gezinsbegeleiding",
    "perceel": "begeleiding",
    "leeftijd_van": "4",
    "leeftijd_tot": "17",
    "problematiek": "opvoeding",
    "vorm": "ambulant",
    "status": "open",
    "vrije_plekken": "2",  # open needs room (Capacity.clean)
}


class WorkerKilled(BaseException):
    """Not an Exception: nothing in the app may catch it, as nothing can catch
    SIGKILL."""


def _die(*args, **kwargs):
    raise WorkerKilled


def _registry_counts() -> dict[str, int]:
    models = apps.get_app_config("registry").get_models(include_auto_created=True)
    return {model._meta.label: model.objects.count() for model in models}


def _referral_state(referral) -> tuple:
    fresh = Referral.objects.get(pk=referral.pk)
    return (
        fresh.status,
        fresh.intake_on,
        ReferralEvent.objects.filter(referral=referral).count(),
        Notification.objects.count(),
    )


@pytest.mark.django_db
def test_a_step_interrupted_after_its_insert_leaves_no_event_and_the_old_status(
    make_referral, provider_user
):
    referral = make_referral(received=True)
    before = _referral_state(referral)
    with (
        mock.patch.object(referral_services, "_store_derived", _die),
        pytest.raises(WorkerKilled),
    ):
        referral_services.referral_event_record(
            referral=referral,
            type="intake",
            occurred_on=timezone.localdate(),
            actor=provider_user,
        )
    assert _referral_state(referral) == before


@pytest.mark.django_db
def test_a_started_step_interrupted_before_commit_queues_no_notice(
    make_referral, provider_user
):
    referral = make_referral(intake=True, parent_email="ouder@example.org")
    before = _referral_state(referral)
    with (
        mock.patch.object(
            referral_services.notifications, "notifications_for_event", _die
        ),
        pytest.raises(WorkerKilled),
    ):
        referral_services.referral_event_record(
            referral=referral,
            type="started",
            occurred_on=timezone.localdate(),
            actor=provider_user,
        )
    assert _referral_state(referral) == before


@pytest.mark.django_db
def test_an_api_retry_after_a_crash_records_the_step_once(make_referral, provider_user):
    referral = make_referral(received=True)
    api = Client(raise_request_exception=False)
    api.force_login(provider_user)
    url = f"/api/v1/referrals/{referral.reference}/events"
    body = json.dumps({"type": "intake", "occurred_on": str(timezone.localdate())})
    headers = {"HTTP_IDEMPOTENCY_KEY": "stap-1"}
    with mock.patch.object(
        referral_services, "_store_derived", side_effect=RuntimeError("crash")
    ):
        crashed = api.post(url, body, content_type="application/json", **headers)
    assert crashed.status_code == 500
    assert not ReferralEvent.objects.filter(type="intake").exists()
    retry = api.post(url, body, content_type="application/json", **headers)
    again = api.post(url, body, content_type="application/json", **headers)
    assert (retry.status_code, again.status_code) == (201, 200)
    assert ReferralEvent.objects.filter(type="intake").count() == 1


@pytest.mark.django_db
def test_a_form_post_interrupted_mid_write_answers_500_and_stores_nothing(
    make_referral, provider_user
):
    referral = make_referral(received=True)
    before = _referral_state(referral)
    web = Client(raise_request_exception=False)
    web.force_login(provider_user)
    url = reverse("referrals:referral-event-create", args=[referral.reference])
    with mock.patch.object(
        referral_services, "_store_derived", side_effect=RuntimeError("crash")
    ):
        response = web.post(
            url, {"type": "intake", "intake-occurred_on": str(timezone.localdate())}
        )
    assert response.status_code == 500
    assert "Traceback" not in response.content.decode()
    assert _referral_state(referral) == before


@pytest.mark.django_db
def test_an_import_interrupted_after_the_first_tables_leaves_nothing(db):
    before = _registry_counts()
    # Organisations, locations, contracts and services are written by then.
    with (
        mock.patch.object(registry_importer, "_service_links_save", _die),
        pytest.raises(WorkerKilled),
    ):
        registry_services.catalogue_import_rows(
            organisations=[ORGANISATION], services=[SERVICE]
        )
    assert _registry_counts() == before


@pytest.mark.django_db
def test_a_capacity_update_interrupted_before_its_history_row_changes_nothing(
    service, provider_user
):
    capacity = service.capacity
    history_rows = capacity.history.count()
    # simple-history writes the row in post_save, after the UPDATE of capacity.
    with (
        mock.patch(
            "simple_history.models.HistoricalRecords.create_historical_record", _die
        ),
        pytest.raises(WorkerKilled),
    ):
        registry_services.capacity_update(
            capacity=capacity,
            actor=provider_user,
            data={"status": "waitlist", "intake_wait_weeks": 9},
            expected_version=capacity.version,
        )
    capacity.refresh_from_db()
    assert (capacity.status, capacity.intake_wait_weeks) == ("open", 2)
    assert capacity.history.count() == history_rows


# --- a real process death (PostgreSQL) ---------------------------------------

KILLED_WORKER = """
import os, sys
import django
django.setup()
from datetime import date
from unittest import mock
from referrals import services
from referrals.models import Referral, ReferralEvent
from registry.models import User

referral = Referral.objects.get(pk=int(sys.argv[1]))
actor = User.objects.get(pk=int(sys.argv[2]))

def die(locked, events):
    # The event row is inserted in this still-open transaction: show it, then die.
    print(ReferralEvent.objects.filter(referral=locked).count(), flush=True)
    os._exit(9)

with mock.patch.object(services, "_store_derived", die):
    services.referral_event_record(
        referral=referral, type="intake", occurred_on=date.today(), actor=actor
    )
"""


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return (
        f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_killed_mid_transaction_leaves_nothing(perceel):
    service = factories.ServiceFactory(perceel=perceel)
    provider = factories.MembershipFactory(organisation=service.organisation).user
    referral = factories.ReferralFactory(service=service, received=True)
    before = _referral_state(referral)
    env = {**os.environ, "DATABASE_URL": _database_url(), "TESTING": "1"}
    env["DJANGO_SETTINGS_MODULE"] = "sociale_kaart.settings"
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", KILLED_WORKER, str(referral.pk), str(provider.pk)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 9, result.stderr
    # Inside the dead worker's transaction the event existed (1 received + 1 new).
    assert result.stdout.split() == [str(before[2] + 1)]
    assert _referral_state(referral) == before
