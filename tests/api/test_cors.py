"""CORS (issue 15): the published OpenAPI document and the public, read-only
catalogue, capacity and HSDS endpoints answer any origin without credentials;
nothing that needs a key or a session does."""

import pytest

from registry import hsds

pytestmark = pytest.mark.django_db

ORIGIN = "https://andere-sociale-kaart.example"
ALLOW = "access-control-allow-origin"


def public_urls(service):
    return [
        "/api/v1/openapi.json",
        "/api/v1/openapi.yaml",
        "/api/v1/lots",
        "/api/v1/districts",
        "/api/v1/problem-areas",
        "/api/v1/forms",
        "/api/v1/organisations",
        f"/api/v1/organisations/{service.organisation.slug}",
        "/api/v1/services",
        f"/api/v1/services/{service.pk}",
        f"/api/v1/services/{service.pk}/capacity",
        f"/api/v1/services/{service.pk}/capacity/history",
        "/api/v1/hsds/services",
        f"/api/v1/hsds/services/{hsds.hsds_id('service', service.pk)}",
        "/api/v1/hsds/organizations",
    ]


PRIVATE = [
    "/api/v1/referrals",
    "/api/v1/referrals/ABC-123",
    "/api/v1/me",
    "/api/v1/dashboard/summary",
    "/api/v1/ijw/messages",
]


def test_public_read_only_endpoints_answer_any_origin_without_credentials(
    client, service
):
    for url in public_urls(service):
        response = client.get(url, headers={"origin": ORIGIN})
        assert response.status_code == 200, url
        assert response[ALLOW] == "*", url
        assert "access-control-allow-credentials" not in response, url


def test_a_preflight_allows_get_only_and_no_authorization_header(client, service):
    response = client.options(
        f"/api/v1/services/{service.pk}/capacity",
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "GET",
            "access-control-request-headers": "if-none-match",
        },
    )
    assert response[ALLOW] == "*"
    assert response["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    assert "authorization" not in response["access-control-allow-headers"]


@pytest.mark.parametrize("url", PRIVATE)
def test_endpoints_that_need_a_key_or_session_carry_no_cors_header(client, url):
    for method in ("get", "options"):
        response = getattr(client, method)(
            url,
            headers={
                "origin": ORIGIN,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization",
            },
        )
        assert ALLOW not in response, (method, url)


def test_pages_carry_no_cors_header(client):
    assert ALLOW not in client.get("/zoeken", headers={"origin": ORIGIN})
