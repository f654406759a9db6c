"""Links in mails and documents follow SITE_URL, or when it is unset (development)
the address served; bin/run-demo serves the address PORT names and prints it."""

import re
import subprocess
import sys
from pathlib import Path

from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

import pytest

from sociale_kaart import served
from sociale_kaart.env import env_url
from sociale_kaart.site import check_site_url, site_domain, site_url
from tests import factories

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("port", "bind", "url"),
    [
        ("", "127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("8080", "127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("0.0.0.0:9000", "0.0.0.0:9000", "http://127.0.0.1:9000"),
        ("localhost:8001", "localhost:8001", "http://localhost:8001"),
        ("[::1]:8002", "[::1]:8002", "http://[::1]:8002"),
        (":8003", "127.0.0.1:8003", "http://127.0.0.1:8003"),
    ],
)
def test_port_may_be_a_port_or_host_and_port(port, bind, url):
    assert served.parse(port) == (bind, url)


@pytest.mark.parametrize("port", ["abc", "0", "70000", "host:", "1.2.3.4:x"])
def test_a_bad_port_is_refused_naming_the_variable(port):
    with pytest.raises(served.AddressError, match="PORT must be"):
        served.parse(port)


def test_run_demo_prints_and_serves_the_parsed_address():
    done = subprocess.run(
        [sys.executable, "-m", "sociale_kaart.served", "0.0.0.0:8123"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.split() == ["0.0.0.0:8123", "http://127.0.0.1:8123"]
    script = (ROOT / "bin" / "run-demo").read_text()
    assert 'export SERVED_URL="$url"' in script
    assert 'echo "==> open $url' in script
    assert 'runserver "$bind"' in script
    refused = subprocess.run(
        [sys.executable, "-m", "sociale_kaart.served", "nonsense"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert refused.returncode == 2 and "PORT must be" in refused.stderr


def test_site_url_prefers_site_url_then_the_request_then_the_served_address(
    settings,
):
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8123")
    settings.SERVED_URL = "http://127.0.0.1:8555"
    settings.SITE_URL = "https://kaart.example"
    assert site_url(request) == site_url() == "https://kaart.example"
    assert site_domain() == "kaart.example"
    settings.SITE_URL = ""
    assert site_url(request) == "http://127.0.0.1:8123"
    assert site_url() == "http://127.0.0.1:8555"
    assert site_domain() == "127.0.0.1"


def test_a_bad_site_url_stops_start_up(monkeypatch):
    monkeypatch.setenv("SITE_URL", "kaart.example")
    with pytest.raises(ImproperlyConfigured, match="SITE_URL must be"):
        env_url("SITE_URL")
    monkeypatch.setenv("SITE_URL", "https://kaart.example/")
    assert env_url("SITE_URL") == "https://kaart.example"


def test_production_without_site_url_fails_the_deploy_check(settings):
    settings.DEBUG = False
    settings.SITE_URL = ""
    assert [w.id for w in check_site_url()] == ["sociale_kaart.W001"]
    settings.SITE_URL = "https://kaart.example"
    assert check_site_url() == []


@pytest.mark.django_db
def test_unset_site_url_reset_links_follow_the_address_served(client, settings):
    settings.SITE_URL = ""
    factories.UserFactory(email="jan@example.org")
    response = client.post(
        reverse("password_reset"),
        {"email": "jan@example.org"},
        HTTP_HOST="127.0.0.1:8123",
    )
    assert response.status_code == 302
    link = r"http://127\.0\.0\.1:8123/wachtwoord-herstellen/\S+"
    assert re.search(link, mail.outbox[0].body)
