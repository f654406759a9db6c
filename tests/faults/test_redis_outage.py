"""Redis unreachable (REDIS_URL set, server down): the requests that count in
it (API throttle, log-in throttle) answer 503 with Retry-After, not a stack
trace; pages that do not need it keep working; /healthz (the database) stays
200, so a balancer does not take every server out for a cache outage."""

import socket

from django.test import Client
from django.urls import reverse

import pytest
from axes.handlers.proxy import AxesProxyHandler

from sociale_kaart.api import PROBLEM_CONTENT_TYPE

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "sociale_kaart.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    settings.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    AxesProxyHandler.get_implementation(force=True)
    yield
    settings.AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
    AxesProxyHandler.get_implementation(force=True)


def test_the_throttled_api_answers_503_problem_json(redis_down):
    response = Client(raise_request_exception=False).get("/api/v1/services")
    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response["Retry-After"] == "5"


def test_a_log_in_answers_503_and_logs_nobody_in(redis_down, provider_user):
    web = Client(raise_request_exception=False)
    response = web.post(
        reverse("login"), {"username": provider_user.username, "password": "fout"}
    )
    assert response.status_code == 503
    assert "Traceback" not in response.content.decode()
    assert "_auth_user_id" not in web.session


def test_public_pages_and_the_health_check_do_not_need_redis(redis_down):
    web = Client(raise_request_exception=False)
    assert web.get(reverse("registry:search")).status_code == 200
    assert web.get("/healthz").status_code == 200


def test_a_catalogue_write_does_not_need_redis(redis_down, service, provider_user):
    """The catalogue version lives in the cache, but a write that cannot bump it
    is still saved (the counts it would have made stale are unreadable too)."""
    from registry.services import capacity_update

    capacity_update(
        capacity=service.capacity,
        actor=provider_user,
        data={"status": "waitlist", "intake_wait_weeks": 9, "free_places": 0},
    )
    service.capacity.refresh_from_db()
    assert (service.capacity.status, service.capacity.intake_wait_weeks) == (
        "waitlist",
        9,
    )
