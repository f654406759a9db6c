"""Deeply nested JSON is a 400 problem+json naming the problem, never a 500,
on every JSON write operation; nothing changes."""

import pytest
from rest_framework.test import APIClient

from referrals.models import Referral, ReferralEvent
from registry.models import Capacity
from tests.api.helpers import PROBLEM, token_client
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    school_org,
)

pytestmark = pytest.mark.django_db

DEEP = b"[" * 100_000 + b"]" * 100_000
NESTED = (b'{"a":' * 200) + b"1" + (b"}" * 200)


@pytest.fixture
def writes(referrer_user, provider_org, service, make_referral):  # noqa: F811
    """(client, method, path) of each JSON write operation."""
    referrer = APIClient()
    referrer.force_authenticate(referrer_user)
    provider = token_client(provider_org)
    referral = make_referral()
    return [
        (referrer, "post", "/api/v1/referrals"),
        (provider, "post", f"/api/v1/referrals/{referral.reference}/events"),
        (provider, "patch", f"/api/v1/services/{service.pk}/capacity"),
        (provider, "patch", f"/api/v1/services/{service.pk}"),
        (provider, "post", f"/api/v1/organisations/{provider_org.slug}/locations"),
    ]


def state():
    return (
        Referral.objects.count(),
        ReferralEvent.objects.count(),
        list(Capacity.objects.values_list("status", "intake_wait_weeks", "version")),
    )


@pytest.mark.parametrize("payload", [DEEP, NESTED], ids=["100000-deep", "200-deep"])
def test_deeply_nested_json_is_a_400_problem(writes, payload):
    before = state()
    for client, method, path in writes:
        response = getattr(client, method)(
            path, payload, content_type="application/json", HTTP_IF_MATCH="*"
        )
        assert response.status_code == 400, (path, response.status_code)
        assert response["Content-Type"] == PROBLEM
        assert "genest" in response.json()["detail"], path
    assert state() == before


def test_ordinary_nesting_still_parses(referrer_user, service):
    client = APIClient()
    client.force_authenticate(referrer_user)
    response = client.post("/api/v1/referrals", {"service": service.pk}, format="json")
    assert response.status_code == 400
    assert "genest" not in response.content.decode()
