"""PostgreSQL (or SQLite) unreachable: requests get 503 with Retry-After, as
``application/problem+json`` on the API and a plain Dutch page elsewhere, never
a stack trace; the health check says 503; the next request after the database
is back succeeds without restarting anything.

The in-process tests make every new cursor fail the way a lost connection does
(the driver's own OperationalError, which Django wraps). The PostgreSQL test
points the connection at a closed port, so the reconnect itself is refused. The
real thing (PostgreSQL restarted under load against gunicorn) is the drill
bin/drill-db-restart; its output is in the README."""

import socket
import sqlite3
from contextlib import contextmanager
from unittest import mock

from django.db import connection, connections
from django.test import Client
from django.urls import reverse

import pytest

from referrals.models import ReferralEvent
from sociale_kaart.api import PROBLEM_CONTENT_TYPE
from tests.factories import ReferralFactory


def _driver_error():
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.OperationalError("server closed the connection unexpectedly")
    return sqlite3.OperationalError("disk I/O error")


@contextmanager
def database_down():
    """Every new cursor fails as with a dropped connection."""
    error = _driver_error()
    with mock.patch.object(
        type(connections["default"]), "create_cursor", side_effect=error
    ):
        yield


@pytest.fixture
def web():
    # A real client answers with the error page instead of re-raising in the test.
    return Client(raise_request_exception=False)


def _assert_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "Traceback" not in body
    assert "OperationalError" not in body


@pytest.mark.django_db
def test_the_api_answers_503_problem_json_while_the_database_is_down(web):
    with database_down():
        response = web.get("/api/v1/services")
    _assert_503(response)
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    problem = response.json()
    assert problem["status"] == 503
    assert problem["title"] == "Dienst niet beschikbaar"


@pytest.mark.django_db
def test_pages_answer_a_plain_503_page_while_the_database_is_down(web):
    with database_down():
        response = web.get(reverse("registry:search"))
    _assert_503(response)
    assert response["Content-Type"].startswith("text/html")
    assert "Even niet beschikbaar" in response.content.decode()


@pytest.mark.django_db
def test_a_logged_in_page_also_gets_503_not_500(web, provider_user):
    web.force_login(provider_user)
    with database_down():
        response = web.get(reverse("provider:my-services"))
    _assert_503(response)


@pytest.mark.django_db
def test_healthz_says_503_while_down_and_200_when_back(web):
    with database_down():
        down = web.get("/healthz")
    assert down.status_code == 503
    assert down.json() == {"status": "unavailable", "database": "down"}
    up = web.get("/healthz")
    assert up.status_code == 200
    assert up.json() == {"status": "ok", "database": "up"}


@pytest.mark.django_db
def test_the_next_request_after_the_outage_succeeds(web, service):
    with database_down():
        assert web.get("/api/v1/services").status_code == 503
    response = web.get("/api/v1/services")
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.django_db
def test_a_step_posted_during_the_outage_stores_nothing(web, provider_user, service):
    referral = ReferralFactory(received=True, service=service)
    web.force_login(provider_user)
    url = reverse("referrals:referral-event-create", args=[referral.reference])
    with database_down():
        response = web.post(url, {"type": "intake", "intake-occurred_on": "2026-01-01"})
    _assert_503(response)
    assert not ReferralEvent.objects.filter(type="intake").exists()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_refusing_connections_gives_503_then_recovers(web, service):
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = _closed_port()
    try:
        api = web.get("/api/v1/services")
        page = web.get(reverse("registry:home"))
        health = web.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    _assert_503(api)
    assert api["Content-Type"] == PROBLEM_CONTENT_TYPE
    _assert_503(page)
    assert health.status_code == 503
    # Back up: the same process reconnects on the next request.
    assert web.get("/api/v1/services").status_code == 200
    assert web.get("/healthz").status_code == 200
