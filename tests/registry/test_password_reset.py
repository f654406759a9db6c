"""Password reset (issue 12): the answer takes as long for an unknown address as
for a known one (the mail goes out after the response), requests are limited per
address and per client, and the reset link never reaches a log line."""

import logging
import re
import time
from datetime import timedelta

from django.contrib.sessions.middleware import SessionMiddleware
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

import pytest
import time_machine

from registry.provider_views import PasswordResetView
from sociale_kaart.logs import GunicornLogger, JsonFormatter
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("password_reset")
SLOW_SECONDS = 0.4


class SlowBackend(EmailBackend):
    """A mail server that takes its time (SMTP over a slow link)."""

    def send_messages(self, messages):
        time.sleep(SLOW_SECONDS)
        return super().send_messages(messages)


@pytest.fixture
def user(provider_org):
    user = factories.UserFactory(username="jan", email="jan@example.org")
    factories.MembershipFactory(user=user, organisation=provider_org)
    return user


@pytest.fixture(autouse=True)
def _fresh_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _answer_time(email: str) -> tuple[float, object]:
    request = RequestFactory().post(URL, {"email": email}, REMOTE_ADDR="10.8.0.1")
    SessionMiddleware(lambda r: None).process_request(request)
    request._dont_enforce_csrf_checks = True
    started = time.perf_counter()
    response = PasswordResetView.as_view()(request)
    return time.perf_counter() - started, response


def test_known_and_unknown_addresses_are_answered_equally_fast(user, settings):
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    known, known_response = _answer_time("jan@example.org")
    unknown, unknown_response = _answer_time("onbekend@example.org")
    assert known_response.status_code == unknown_response.status_code == 302
    assert known_response["Location"] == unknown_response["Location"]
    # The slow mail server is not in the answer time of either.
    assert known < SLOW_SECONDS and unknown < SLOW_SECONDS
    assert mail.outbox == []
    # The mail goes out once the response is sent (the WSGI server closes it).
    known_response.close()
    unknown_response.close()
    assert [m.to for m in mail.outbox] == [["jan@example.org"]]


def test_requests_are_limited_per_address(user, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 3
    answers = [
        Client().post(URL, {"email": "Jan@Example.org"}, REMOTE_ADDR=f"10.8.1.{n}")
        for n in range(4)
    ]
    assert [a.status_code for a in answers] == [302, 302, 302, 429]
    assert "te vaak een nieuw wachtwoord aangevraagd" in answers[-1].text
    assert len(mail.outbox) == 3
    # Unknown addresses are limited the same way (the limit says nothing).
    unknown = [
        Client().post(URL, {"email": "x@example.org"}, REMOTE_ADDR=f"10.8.2.{n}")
        for n in range(4)
    ]
    assert [a.status_code for a in unknown] == [302, 302, 302, 429]
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        again = Client().post(URL, {"email": "jan@example.org"}, REMOTE_ADDR="1.2.3.4")
    assert again.status_code == 302
    assert len(mail.outbox) == 4


def test_requests_are_limited_per_client(user, settings):
    settings.PASSWORD_RESET_LIMIT_PER_CLIENT = 5
    client = Client(REMOTE_ADDR="10.8.3.1")
    statuses = [
        client.post(URL, {"email": f"iemand{n}@example.org"}).status_code
        for n in range(5)
    ]
    last = client.post(URL, {"email": "jan@example.org"})
    assert statuses == [302] * 5
    assert last.status_code == 429
    assert "te vaak een nieuw wachtwoord aangevraagd" in last.text
    assert mail.outbox == []
    assert (
        Client(REMOTE_ADDR="10.8.3.2")
        .post(URL, {"email": "jan@example.org"})["Location"]
        .endswith(reverse("password_reset_done"))
    )


def _link(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/wachtwoord-herstellen/\S+)", body).group(1)


def test_the_reset_link_never_reaches_a_log_line(user, settings):
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect(level=logging.DEBUG)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        web = Client(raise_request_exception=False)
        web.post(URL, {"email": "jan@example.org"})
        link = _link(mail.outbox[0].body)
        web.get(link, follow=True)
        web.get(link + "x")  # a broken link too
        # Gunicorn's access line for the link, as gunicorn.conf.py sets it up.
        environ = {
            "REMOTE_ADDR": "10.0.0.1",
            "REQUEST_METHOD": "GET",
            "RAW_URI": link + "?a=b",
            "PATH_INFO": link,
            "QUERY_STRING": "a=b",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_REFERER": "https://kaart.example" + link,
        }
        response = type(
            "Response", (), {"status": "302 Found", "sent": 0, "headers": []}
        )()
        atoms = GunicornLogger.atoms(
            GunicornLogger.__new__(GunicornLogger),
            response,
            {"referer": environ["HTTP_REFERER"]},
            environ,
            timedelta(milliseconds=3),
        )
        record = logging.LogRecord(
            "gunicorn.access", logging.INFO, __file__, 1, '"%(r)s" %(U)s', (), None
        )
        record.args = atoms
        lines.append(JsonFormatter().format(record))
        lines.append(" ".join(atoms[k] for k in ("r", "U", "f", "{referer}i")))
    finally:
        root.removeHandler(handler)
    token = link.rstrip("/").split("/")[-1]
    assert lines
    assert [line for line in lines if token in line] == []
    assert any("/wachtwoord-herstellen/" in line for line in lines)
