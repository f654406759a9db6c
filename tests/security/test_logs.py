"""No personal data in the logs: initials, dates of birth, help questions,
family codes, parents' e-mail addresses and search queries never reach a log
line, as production formats it (JSON, SQL logging off).

Two checks: the main flows run here with recognisable values and every logger
of the app at DEBUG; and the last test of the run looks at the log records of
the whole test run (collected by tests/security/logcapture.py)."""

import json
import logging

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from referrals.models import Referral
from sociale_kaart.logs import JsonFormatter
from tests.security import logcapture

SENTINEL = {
    "child_initials": "Q.X.",
    "child_birth_date": "2015-05-17",
    "help_question": "ZEBRAPAARD slaapt slecht en wil niet naar school",
    "parent_email": "zebra.ouder@example.org",
}
APP_LOGGERS = (
    "registry",
    "referrals",
    "dashboard",
    "sociale_kaart",
    "axes",
    "django.request",
    "django.security",
)


@pytest.fixture
def log_lines():
    """Every record of the test, formatted by the production formatter, with
    the app's loggers at DEBUG (SQL stays at INFO, as in production)."""
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect(level=logging.DEBUG)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in APP_LOGGERS}
    root.addHandler(handler)
    for name in APP_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield lines
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_the_json_formatter_writes_the_path_but_never_the_query_string(rf):
    request = rf.get("/zoeken", {"q": "ZEBRAPAARD"})
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/x",), None
    )
    record.request = request
    record.status_code = 404
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "WARNING"
    assert line["logger"] == "django.request"
    assert line["message"] == "Not Found: /x"
    assert (line["method"], line["path"], line["status_code"]) == (
        "GET",
        "/zoeken",
        404,
    )
    assert "request" not in line
    assert "ZEBRAPAARD" not in json.dumps(line)


def test_gunicorn_access_lines_are_json_with_the_path_but_not_the_query():
    atoms = {"h": "10.0.0.7", "m": "GET", "U": "/zoeken", "q": "q=ZEBRAPAARD"}
    atoms |= {"r": "GET /zoeken?q=ZEBRAPAARD HTTP/1.1", "s": "200", "b": "512"}
    atoms["M"] = "12"  # gunicorn passes strings
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        '%(h)s "%(m)s %(U)s" %(s)s',
        (),
        None,
    )
    record.args = atoms  # as gunicorn passes them (a dict, not a tuple)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == '10.0.0.7 "GET /zoeken" 200'
    assert (line["method"], line["path"], line["status_code"]) == (
        "GET",
        "/zoeken",
        200,
    )
    assert line["duration_ms"] == 12
    assert "ZEBRAPAARD" not in json.dumps(line)


def test_the_checker_recognises_personal_data():
    assert logcapture.personal_data_in('{"message": "ZEBRAPAARD"}')
    assert logcapture.personal_data_in("GET /zoeken?q=angst")
    assert logcapture.personal_data_in("code FC00000012 tried")
    assert not logcapture.personal_data_in('{"message": "Not Found: /aanbod/12"}')


def _refer(client, service, **overrides):
    url = reverse("referrals:referral-create", args=[service.pk])
    data = {
        **SENTINEL,
        "referrer_role": "jgz_toegang",
        "urgency": "regular",
        "consent_by": "parent",
        "parent_phone": "06 12345678",
        "consent_date": timezone.localdate().isoformat(),
        **overrides,
    }
    return client.post(url, data)


def _family_status(client, code, born="2015-05-17"):
    return client.post(
        reverse("referrals:status"), {"family_code": code, "birth_date": born}
    )


@pytest.mark.django_db
def test_the_main_flows_log_no_personal_data(
    log_lines, referrer_user, service, settings
):
    settings.FAMILY_STATUS_MAX_ATTEMPTS = 2
    web = Client(raise_request_exception=False)
    web.force_login(referrer_user)
    assert _refer(web, service, child_initials="ZEBRAPAARD Jansen").status_code == 200
    assert _refer(web, service).status_code == 302
    referral = Referral.objects.get(help_question__startswith="ZEBRAPAARD")
    api = Client(raise_request_exception=False)
    api.force_login(referrer_user)
    duplicate = api.post(
        "/api/v1/referrals",
        {
            **SENTINEL,
            "service": service.pk,
            "urgency": "regular",
            "consent_by": "parent",
            "parent_phone": "06 12345678",
            "consent_date": timezone.localdate().isoformat(),
        },
        content_type="application/json",
    )
    assert duplicate.status_code == 409
    assert web.get(referral.get_absolute_url()).status_code == 200

    family = Client(raise_request_exception=False)
    assert _family_status(family, referral.family_code).status_code == 200
    for _ in range(3):
        _family_status(family, referral.family_code, born="2014-01-01")
    assert _family_status(family, referral.family_code).status_code == 429

    public = Client(raise_request_exception=False)
    public.get(reverse("registry:search"), {"q": "ZEBRAPAARD"})
    public.get("/api/v1/services", {"q": "ZEBRAPAARD", "onbekend": "ZEBRAPAARD"})
    public.get("/bestaat-niet", {"q": "ZEBRAPAARD"})
    public.get(reverse("registry:search"), {"leeftijd": "ZEBRAPAARD"})
    for _ in range(6):
        public.post(
            reverse("login"),
            {"username": "zebra.ouder@example.org", "password": "ZEBRAPAARD"},
        )

    assert log_lines, "the flows above log something (warnings, log-in failures)"
    leaks = [line for line in log_lines if logcapture.personal_data_in(line)]
    assert leaks == []
    codes = (referral.family_code, referral.family_code.lower())
    assert not [line for line in log_lines if any(c in line for c in codes)]


def test_no_personal_data_in_the_logs_of_the_whole_run():
    """Runs last (tests/security/conftest.py): every log record of this pytest
    run, formatted as in production, is free of the suite's personal data."""
    assert logcapture.records_seen() > 0
    assert logcapture.offending_lines() == []
