"""The API throttle holds under concurrency: 300 requests from 32 threads against
a limit of 120 per minute let exactly 120 through, whatever the shared store
(process memory in tests, Redis, or the database cache table on PostgreSQL)."""

import threading
import uuid

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory, override_settings

import pytest
from rest_framework.request import Request

from sociale_kaart.apps import create_cache_table
from sociale_kaart.throttling import AnonymousRateThrottle
from tests.security.test_throttle_store import REDIS_URL, _redis

THREADS, REQUESTS, LIMIT = 32, 300, 120


def _allowed_under_threads(address: str) -> int:
    """How many of REQUESTS from THREADS threads the anonymous throttle allows."""
    factory = RequestFactory()
    per_thread = [REQUESTS // THREADS + (i < REQUESTS % THREADS) for i in range(32)]
    allowed, start = [], threading.Barrier(THREADS)

    def run(count):
        try:
            start.wait(timeout=30)
            for _ in range(count):
                request = Request(factory.get("/api/v1/forms", REMOTE_ADDR=address))
                request.user = AnonymousUser()
                allowed.append(AnonymousRateThrottle().allow_request(request, None))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(allowed) == REQUESTS
    return sum(allowed)


@pytest.fixture
def limit(settings):
    settings.API_THROTTLE_ANON = f"{LIMIT}/min"
    cache.clear()
    yield
    cache.clear()


def test_in_process_memory_exactly_the_limit_gets_through(limit):
    assert _allowed_under_threads("10.3.3.3") == LIMIT


def test_in_redis_exactly_the_limit_gets_through(limit, settings):
    _redis()
    settings.CACHES = {
        "default": {
            "BACKEND": "sociale_kaart.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    assert _allowed_under_threads("10.3.3.4") == LIMIT
    cache.clear()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_in_the_database_cache_exactly_the_limit_gets_through(limit):
    database_cache = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "test_throttle_cache",
    }
    with override_settings(CACHES={"default": database_cache}):
        create_cache_table(sender=None, using="default", verbosity=0)
        assert _allowed_under_threads("10.3.3.5") == LIMIT


def test_the_window_resets_after_a_minute(limit, settings):
    settings.API_THROTTLE_ANON = "2/min"
    throttle_times = iter([0.0, 1.0, 2.0, 61.0])
    factory = RequestFactory()
    results = []
    for _ in range(4):
        request = Request(factory.get("/api/v1/forms", REMOTE_ADDR="10.3.3.6"))
        request.user = AnonymousUser()
        throttle = AnonymousRateThrottle()
        throttle.timer = lambda: next(throttle_times)
        results.append(throttle.allow_request(request, None))
    assert results == [True, True, False, True]
    assert 0 < throttle.wait() <= 60
