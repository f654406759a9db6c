"""GET/PATCH /api/v1/services/{id}/capacity: ETag, If-Match, access, problem+json."""

from django.urls import reverse

import pytest
from rest_framework.test import APIClient

from registry import services
from registry.models import Capacity
from tests import factories

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def url(service) -> str:
    return reverse("registry-api:service-capacity", args=[service.pk])


def token_client(organisation, name="Planningssysteem") -> APIClient:
    _token, key = services.api_token_create(
        organisation=organisation, actor=None, name=name
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def provider_api(provider_org):
    return token_client(provider_org)


def snapshot(service):
    capacity = Capacity.objects.get(service=service)
    return (
        capacity.status,
        capacity.intake_wait_weeks,
        capacity.note,
        capacity.version,
        capacity.history.count(),
    )


def test_the_path_has_no_trailing_slash(service):
    assert url(service) == f"/api/v1/services/{service.pk}/capacity"
    assert APIClient().get(url(service) + "/").status_code == 404


def test_anyone_reads_the_current_capacity_with_an_etag(service):
    capacity = service.capacity
    response = APIClient().get(url(service))
    assert response.status_code == 200
    assert response["ETag"] == f'"{capacity.pk}-1"'
    assert response.json() == {
        "service": service.pk,
        "status": "open",
        "intake_wait_weeks": 2,
        "treatment_wait_weeks": 4,
        "total_wait_weeks": 6,
        "free_places": None,
        "note": "",
        "updated_at": response.json()["updated_at"],
        "stale": False,
        "version": 1,
    }


def test_an_unchanged_capacity_answers_304_to_if_none_match(service):
    client = APIClient()
    etag = client.get(url(service))["ETag"]
    response = client.get(url(service), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag


def test_an_inactive_service_is_not_found(service):
    service.active = False
    service.save()
    response = APIClient().get(url(service))
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_a_provider_updates_its_capacity_with_a_token(provider_api, service):
    response = provider_api.patch(
        url(service),
        {"status": "waitlist", "intake_wait_weeks": 6, "note": "Tot 1 maart vol"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["intake_wait_weeks"], body["version"]) == (
        "waitlist",
        6,
        2,
    )
    assert response["ETag"] == f'"{service.capacity.pk}-2"'
    record = Capacity.objects.get(service=service).history.latest()
    assert record.history_user is None
    assert record.history_change_reason == "api: Planningssysteem"


def test_a_patch_is_six_queries(provider_api, service, django_assert_num_queries):
    etag = provider_api.get(url(service))["ETag"]  # the token's use is noted now
    # 1 the token, 2 the provider scope (subcontracts), 3 the service with its
    # capacity, 4 the capacity row locked, 5 UPDATE, 6 the history row; plus the
    # SAVEPOINT and RELEASE the test's transaction makes of the service's
    # atomic() (BEGIN/COMMIT outside tests). No constraint re-checks, no second
    # scope computation, no token write within the minute.
    with django_assert_num_queries(6 + 2):
        response = provider_api.patch(
            url(service), {"intake_wait_weeks": 3}, format="json", HTTP_IF_MATCH=etag
        )
    assert response.status_code == 200
    assert Capacity.objects.get(service=service).intake_wait_weeks == 3


def test_merge_patch_json_is_accepted(provider_api, service):
    response = provider_api.patch(
        url(service),
        data=b'{"free_places": 3}',
        content_type="application/merge-patch+json",
    )
    assert response.status_code == 200
    assert Capacity.objects.get(service=service).free_places == 3


def test_if_match_with_the_current_etag_applies_the_update(provider_api, service):
    etag = provider_api.get(url(service))["ETag"]
    response = provider_api.patch(
        url(service), {"free_places": 2}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200


@pytest.mark.parametrize("if_match", ['"{pk}-1"', '"{pk}-9", "{pk}-1"', "*"])
def test_if_match_accepts_the_current_etag_in_a_list_or_a_star(
    provider_api, service, if_match
):
    header = if_match.format(pk=service.capacity.pk)
    response = provider_api.patch(
        url(service), {"note": "x"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 200


@pytest.mark.parametrize("if_match", ['"{pk}-0"', 'W/"{pk}-1"', '"999999-1"', '""'])
def test_a_stale_or_foreign_etag_gets_412_and_changes_nothing(
    provider_api, service, if_match
):
    before = snapshot(service)
    header = if_match.format(pk=service.capacity.pk)
    response = provider_api.patch(
        url(service), {"intake_wait_weeks": 9}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 412
    assert response["Content-Type"] == PROBLEM
    assert response["ETag"] == f'"{service.capacity.pk}-1"'
    assert response.json()["code"] == "precondition_failed"
    assert snapshot(service) == before


def test_a_lost_update_is_refused(provider_api, service):
    etag = provider_api.get(url(service))["ETag"]
    first = provider_api.patch(
        url(service), {"intake_wait_weeks": 3}, format="json", HTTP_IF_MATCH=etag
    )
    before = snapshot(service)
    second = provider_api.patch(
        url(service), {"intake_wait_weeks": 4}, format="json", HTTP_IF_MATCH=etag
    )
    assert (first.status_code, second.status_code) == (200, 412)
    assert snapshot(service) == before


def test_another_organisations_service_is_not_found_and_unchanged(
    outsider_org, service
):
    before = snapshot(service)
    response = token_client(outsider_org).patch(
        url(service), {"intake_wait_weeks": 9}, format="json"
    )
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert snapshot(service) == before


def test_an_onderaannemer_cannot_update_its_hoofdaanbieders_service(
    subcontractor_org, service
):
    before = snapshot(service)
    response = token_client(subcontractor_org).patch(
        url(service), {"intake_wait_weeks": 9}, format="json"
    )
    assert response.status_code == 404
    assert snapshot(service) == before


def test_a_hoofdaanbieder_updates_its_onderaannemers_service(
    provider_api, subcontractor_service
):
    response = provider_api.patch(
        url(subcontractor_service), {"status": "closed"}, format="json"
    )
    assert response.status_code == 200
    assert Capacity.objects.get(service=subcontractor_service).status == "closed"


def test_an_onderaannemers_service_outside_the_subcontracts_perceel_is_not_found(
    provider_api, subcontractor_org
):
    from registry.models import Perceel

    other = Perceel.objects.exclude(code="begeleiding").first()
    service = factories.ServiceFactory(organisation=subcontractor_org, perceel=other)
    before = snapshot(service)
    response = provider_api.patch(url(service), {"status": "closed"}, format="json")
    assert response.status_code == 404
    assert snapshot(service) == before


def test_municipality_staff_update_a_providers_capacity_with_a_session(
    municipality_user, service
):
    client = APIClient()
    client.force_login(municipality_user)
    response = client.patch(url(service), {"free_places": 2}, format="json")
    assert response.status_code == 200, response.content
    assert Capacity.objects.get(service=service).free_places == 2


def test_a_service_of_no_provider_is_not_found_for_municipality_staff(
    municipality_user, referrer_org
):
    service = factories.ServiceFactory(organisation=referrer_org)
    client = APIClient()
    client.force_login(municipality_user)
    before = snapshot(service)
    response = client.patch(url(service), {"free_places": 2}, format="json")
    assert response.status_code == 404
    assert snapshot(service) == before


@pytest.mark.parametrize("number", [2**31 - 1, 2**63, 519397889510445350912])
def test_an_unknown_service_is_not_found(provider_api, number):
    """Also an id past any integer column (found by schemathesis: SQLite refused
    the number with a 500)."""
    response = provider_api.patch(
        reverse("registry-api:service-capacity", args=[number]),
        {"status": "closed"},
        format="json",
    )
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_an_anonymous_patch_gets_401_and_changes_nothing(service):
    before = snapshot(service)
    response = APIClient().patch(url(service), {"status": "closed"}, format="json")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert snapshot(service) == before


def test_a_logged_in_editor_may_patch_with_a_session(provider_user, service):
    client = APIClient()
    client.force_login(provider_user)
    response = client.patch(url(service), {"intake_wait_weeks": 3}, format="json")
    assert response.status_code == 200
    record = Capacity.objects.get(service=service).history.latest()
    assert (record.history_user, record.history_change_reason) == (
        provider_user,
        "api",
    )


def test_a_session_of_another_organisation_gets_404(outsider_user, service):
    client = APIClient()
    client.force_login(outsider_user)
    before = snapshot(service)
    response = client.patch(url(service), {"intake_wait_weeks": 3}, format="json")
    assert response.status_code == 404
    assert snapshot(service) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"intake_wait_weeks": 300}, "intake_wait_weeks"),
        ({"treatment_wait_weeks": -1}, "treatment_wait_weeks"),
        ({"status": "foo"}, "status"),
        ({"status": None}, "status"),
        ({"intake_wait_weeks": "4"}, "intake_wait_weeks"),
        ({"free_places": True}, "free_places"),
        ({"note": "x" * 1001}, "note"),
        ({"colour": "red"}, "colour"),
        ({"version": 7}, "version"),
        ({"status": "open", "updated_at": "2020-01-01T00:00:00Z"}, "updated_at"),
        ({}, "nonFieldErrors"),
    ],
)
def test_bad_values_get_400_naming_the_field_and_change_nothing(
    provider_api, service, body, field
):
    before = snapshot(service)
    response = provider_api.patch(url(service), body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 400
    assert [p["name"] for p in problem["invalid_params"]] == [field]
    assert snapshot(service) == before


def test_a_json_array_body_is_refused(provider_api, service):
    response = provider_api.patch(
        url(service), data=b"[1]", content_type="application/json"
    )
    assert response.status_code == 400


def test_invalid_json_gets_400(provider_api, service):
    response = provider_api.patch(
        url(service), data=b"{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"status=closed", "application/x-www-form-urlencoded"),
        (b"status: closed", "text/plain"),
        (b"", None),
    ],
)
def test_a_non_json_body_gets_415(provider_api, service, data, content_type):
    before = snapshot(service)
    kwargs = {"content_type": content_type} if content_type else {}
    response = provider_api.generic("PATCH", url(service), data, **kwargs)
    assert response.status_code == 415
    assert response["Content-Type"] == PROBLEM
    assert snapshot(service) == before


# --- history ---------------------------------------------------------------------


def history_url(service):
    return reverse("registry-api:service-capacity-history", args=[service.pk])


def test_the_capacity_history_lists_changes_newest_first(
    provider_api, provider_user, service
):
    services.capacity_update(
        capacity=service.capacity,
        actor=provider_user,
        data={"intake_wait_weeks": 3},
    )
    provider_api.patch(url(service), {"status": "waitlist"}, format="json")
    response = APIClient().get(history_url(service))
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (3, None, None)
    newest, middle, first = body["results"]
    assert newest["changed_by"] == "API-koppeling"
    assert newest["source"] == "api"
    assert newest["changes"] == [
        {"field": "status", "label": "status", "old": "open", "new": "waitlist"}
    ]
    assert middle["changed_by"] == service.organisation.name  # no personal name
    assert middle["changes"][0]["old"] == 2
    assert middle["changes"][0]["new"] == 3
    assert first["kind"] == "created"


def test_the_history_is_paginated(service, provider_user):
    for weeks in range(3, 8):
        services.capacity_update(
            capacity=service.capacity, actor=provider_user, data={"free_places": weeks}
        )
    body = APIClient().get(history_url(service) + "?pageSize=2&page=2").json()
    assert body["count"] == 6
    assert len(body["results"]) == 2
    assert body["next"] and body["previous"]


def test_the_history_of_an_unknown_service_is_404():
    response = APIClient().get("/api/v1/services/999999/capacity/history")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


# --- OpenAPI ---------------------------------------------------------------------


def test_the_openapi_document_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/openapi.yaml")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/services/{id}/capacity:" in text
    assert "- url: /api/v1" in text
    assert "application/problem+json" in text
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html and "unpkg" not in html
    assert "/static/drf_spectacular_sidecar/" in html
