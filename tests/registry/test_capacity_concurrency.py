"""Two simultaneous updates with the same ETag: exactly one wins (PostgreSQL).

Each thread has its own database connection; the row lock in capacity_update
makes the second writer see the first one's new version and refuse (412).
"""

import threading

from django.db import connection

import pytest
from rest_framework.test import APIClient

from registry import services
from registry.models import Capacity
from sociale_kaart.exceptions import PreconditionFailed
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def service(service):
    """The shared service, on the waitlist: any intake wait is coherent there
    (an open service needs free places or a wait within the norm)."""
    Capacity.objects.filter(service=service).update(status=Capacity.Status.WAITLIST)
    return service


def _race(worker, values):
    """Run ``worker(value)`` in one thread per value, released together."""
    barrier = threading.Barrier(len(values))
    results = []

    def run(value):
        try:
            barrier.wait(timeout=10)
            results.append(worker(value))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(v,)) for v in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_services_calls_with_the_same_version_one_wins(service, provider_user):
    capacity = Capacity.objects.get(service=service)
    history_before = capacity.history.count()

    def update(weeks):
        try:
            services.capacity_update(
                capacity=capacity,
                actor=provider_user,
                data={"intake_wait_weeks": weeks},
                expected_version=1,
            )
        except PreconditionFailed:
            return 412
        return 200

    results = _race(update, [5, 9])
    assert sorted(results) == [200, 412]
    capacity.refresh_from_db()
    assert capacity.version == 2
    assert capacity.intake_wait_weeks in (5, 9)
    assert capacity.history.count() == history_before + 1


def test_two_api_patches_with_the_same_etag_one_gets_412(provider_org, service):
    _token, key = services.api_token_create(
        organisation=provider_org, actor=None, name="Planning"
    )
    capacity = Capacity.objects.get(service=service)
    history_before = capacity.history.count()
    url = f"/api/v1/services/{service.pk}/capacity"

    def patch(weeks):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = client.patch(
            url,
            {"intake_wait_weeks": weeks},
            format="json",
            HTTP_IF_MATCH=capacity.etag,
        )
        return response.status_code, response.json()

    results = _race(patch, [5, 9])
    assert sorted(status for status, _body in results) == [200, 412]
    winner = next(body for status, body in results if status == 200)
    capacity.refresh_from_db()
    assert (capacity.version, capacity.intake_wait_weeks) == (
        2,
        winner["intake_wait_weeks"],
    )
    assert capacity.history.count() == history_before + 1


def test_many_writers_with_the_same_version_exactly_one_wins(provider_org, perceel):
    service = factories.ServiceFactory(organisation=provider_org, perceel=perceel)
    capacity = Capacity.objects.get(service=service)

    def update(weeks):
        try:
            services.capacity_update(
                capacity=capacity,
                actor=None,
                data={"free_places": weeks},
                expected_version=1,
                reason="import",
            )
        except PreconditionFailed:
            return 412
        return 200

    results = _race(update, list(range(1, 7)))
    assert sorted(results) == [200] + [412] * 5
    assert capacity.history.count() == 2  # created + the one winning change
