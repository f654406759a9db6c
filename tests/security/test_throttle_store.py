"""Log-in and family-code throttles count in a store every server process
shares: the database by default (django-axes' AccessAttempt rows, the
StatusLookupFailure rows), Redis for log-ins when REDIS_URL is set.

"Another process" is simulated by a thread: it has its own database connection
(and its own Redis connection), so it sees only what is really stored."""

import threading
import uuid
from datetime import date

from django.db import connection
from django.test import Client
from django.urls import reverse

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt

from referrals.models import StatusLookupFailure
from tests import factories

PASSWORD = "correct horse battery staple"
WRONG = "fout"
REDIS_URL = "redis://127.0.0.1:6379/15"


def _login(username, password=WRONG, address="10.1.1.1"):
    return Client().post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def _in_other_process(function):
    """Run ``function`` in a thread with its own database connection."""
    results = []

    def run():
        try:
            results.append(function())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return results[0]


@pytest.mark.django_db(transaction=True)
def test_login_failures_from_two_processes_add_up_in_the_database(provider_org):
    user = factories.MembershipFactory(organisation=provider_org).user
    for _ in range(3):
        assert _login(user.username).status_code == 200
    statuses = _in_other_process(
        lambda: [_login(user.username).status_code for _ in range(2)]
    )
    assert statuses[-1] == 429  # 3 + 2 = the limit of 5
    attempt = AccessAttempt.objects.get(username=user.username)
    assert attempt.failures_since_start == 5
    assert _login(user.username, PASSWORD).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_family_code_failures_from_two_processes_add_up(settings):
    settings.FAMILY_STATUS_MAX_ATTEMPTS_PER_ADDRESS = 4

    def check(code):
        return Client().post(
            reverse("referrals:status"),
            {"family_code": code, "birth_date": date(2015, 5, 17).isoformat()},
            REMOTE_ADDR="10.2.2.2",
        )

    for code in ("AAAA-AAAA-A1", "AAAA-AAAA-A2"):
        assert check(code).status_code == 200
    assert _in_other_process(lambda: check("AAAA-AAAA-A3").status_code) == 200
    assert _in_other_process(lambda: check("AAAA-AAAA-A4").status_code) == 200
    assert check("AAAA-AAAA-A5").status_code == 429
    assert StatusLookupFailure.objects.filter(scope="address").count() == 4


def _redis():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    return client


@pytest.fixture
def redis_store(settings):
    """Django's cache and axes on a Redis database of their own (db 15), under
    a prefix used by this test only."""
    raw = _redis()
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "sociale_kaart.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    settings.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    AxesProxyHandler.get_implementation(force=True)
    yield raw, prefix
    for key in raw.scan_iter(f"{prefix}:*"):
        raw.delete(key)
    settings.AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
    AxesProxyHandler.get_implementation(force=True)


@pytest.mark.django_db(transaction=True)
def test_with_redis_login_failures_from_two_processes_add_up_in_redis(
    redis_store, provider_org
):
    raw, prefix = redis_store
    user = factories.MembershipFactory(organisation=provider_org).user
    for _ in range(3):
        assert _login(user.username).status_code == 200
    statuses = _in_other_process(
        lambda: [_login(user.username).status_code for _ in range(2)]
    )
    assert statuses[-1] == 429
    # The same cache holds other things (the norms, the catalogue version):
    # the counters are the keys whose value is a plain number.
    values = [raw.get(key) for key in raw.scan_iter(f"{prefix}:*")]
    counts = [int(value) for value in values if value.isdigit()]
    assert counts == [5, 5]  # two keys: the username + address pair, the username
    assert _login(user.username, PASSWORD).status_code == 429
    assert not AccessAttempt.objects.exists()
