"""Idle timeout for professionals: a session ends SESSION_TIMEOUT_MINUTES (60)
after the last request that used it, and is renewed at most once a minute."""

import datetime

from django.contrib.sessions.models import Session
from django.urls import reverse

import pytest
import time_machine

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _at(minutes: int):
    return time_machine.travel(START + datetime.timedelta(minutes=minutes), tick=False)


def _logged_in(client, user):
    with _at(0):
        client.force_login(user)
    return Session.objects.get()


def _is_logged_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("login")
    )


def test_an_idle_session_ends_after_the_timeout(client, provider_user):
    _logged_in(client, provider_user)
    page = reverse("provider:my-services")
    with _at(59):
        assert client.get(page).status_code == 200
    with _at(59 + 61):
        assert _is_logged_out(client.get(page))


def test_activity_keeps_the_session_alive_past_the_timeout(client, provider_user):
    _logged_in(client, provider_user)
    page = reverse("provider:my-services")
    for minute in (40, 80, 120, 160):
        with _at(minute):
            assert client.get(page).status_code == 200, minute


def test_a_session_is_renewed_at_most_once_a_minute(client, provider_user):
    session = _logged_in(client, provider_user)
    page = reverse("provider:my-services")
    with _at(0.5):
        client.get(page)
    session.refresh_from_db()
    assert session.expire_date == START + datetime.timedelta(minutes=60)
    with _at(5):
        client.get(page)
    session.refresh_from_db()
    assert session.expire_date == START + datetime.timedelta(minutes=65)


def test_the_session_cookie_lives_as_long_as_the_idle_timeout(client, provider_user):
    _logged_in(client, provider_user)
    with _at(5):
        response = client.get(reverse("provider:my-services"))
    assert response.cookies["sessionid"]["max-age"] == 60 * 60
