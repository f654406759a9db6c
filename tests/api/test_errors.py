"""API-wide behaviour: problem+json for every error (404, 405, 406, 415, 429),
the API-Version header, throttling, no trailing slashes, and the OpenAPI
document's error responses."""

import re

from django.db import connection
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

import pytest
import yaml
from rest_framework.test import APIClient

from sociale_kaart.api import api_version
from sociale_kaart.apps import create_cache_table
from tests.api.helpers import PROBLEM, assert_problem, logged_in, token_client

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_an_unknown_api_path_is_a_problem_json_404():
    for path in ("/api/v1/nothing-here", "/api/v1/services/", "/api/v2/services"):
        response = APIClient().get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM
        assert response.json()["status"] == 404
        assert response["API-Version"] == api_version()


def test_an_unknown_page_outside_the_api_is_still_html(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "API-Version" not in response


def test_a_method_the_endpoint_does_not_have_is_405_with_allow(provider_org, service):
    client = token_client(provider_org)
    response = client.delete(f"{API}/services/{service.pk}/capacity")
    problem = assert_problem(response, 405)
    assert problem["code"] == "method_not_allowed"
    assert "PATCH" in response["Allow"]


def test_asking_for_anything_but_json_is_406(service):
    response = APIClient().get(f"{API}/services", HTTP_ACCEPT="text/html")
    assert_problem(response, 406)


def test_a_body_that_is_not_json_is_415_and_changes_nothing(provider_org, service):
    client = token_client(provider_org)
    url = f"{API}/services/{service.pk}/capacity"
    response = client.patch(url, "status=closed", content_type="text/plain")
    assert_problem(response, 415)
    form = client.patch(
        url, "status=closed", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(form, 415)
    service.capacity.refresh_from_db()
    assert service.capacity.status == "open"


def test_a_referral_from_a_form_post_is_415(referrer_user, service):
    response = logged_in(referrer_user).post(
        f"{API}/referrals", {"service": service.pk}, format="multipart"
    )
    assert_problem(response, 415)


def test_malformed_json_is_400_and_changes_nothing(provider_org, service):
    response = token_client(provider_org).generic(
        "PATCH",
        f"{API}/services/{service.pk}/capacity",
        '{"status": "closed",',
        content_type="application/json",
    )
    assert assert_problem(response, 400)["code"] == "parse_error"
    service.capacity.refresh_from_db()
    assert service.capacity.status == "open"


def test_every_api_response_carries_the_api_version(service):
    client = APIClient()
    for path in (
        "services",
        f"services/{service.pk}/capacity",
        "services?age=old",
        "openapi.yaml",
        "openapi.json",
        "docs",
        "referrals",
    ):
        response = client.get(f"{API}/{path}")
        assert response["API-Version"] == api_version() == "1.0.0", path


def test_anonymous_clients_are_throttled_with_retry_after(settings, service):
    settings.API_THROTTLE_ANON = "3/min"
    client = APIClient()
    statuses = [client.get(f"{API}/lots").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(f"{API}/services/{service.pk}")
    problem = assert_problem(response, 429)
    assert problem["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    # Another address has its own count.
    assert client.get(f"{API}/lots", REMOTE_ADDR="10.9.9.9").status_code == 200


def test_each_token_and_each_user_has_its_own_count(
    settings, provider_org, outsider_org, provider_user
):
    settings.API_THROTTLE_USER = "2/min"
    clients = [
        token_client(provider_org),
        token_client(outsider_org),
        logged_in(provider_user),
    ]
    for client in clients:
        statuses = [client.get(f"{API}/lots").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]


def test_throttling_is_off_with_an_empty_rate(settings):
    settings.API_THROTTLE_ANON = ""
    client = APIClient()
    assert {client.get(f"{API}/forms").status_code for _ in range(5)} == {200}


def test_behind_a_proxy_the_client_address_counts(settings):
    settings.API_THROTTLE_ANON = "1/min"
    settings.CLIENT_IP_PROXY_COUNT = 1
    client = APIClient()
    first = client.get(f"{API}/forms", HTTP_X_FORWARDED_FOR="10.0.0.1")
    other = client.get(f"{API}/forms", HTTP_X_FORWARDED_FOR="10.0.0.2")
    again = client.get(f"{API}/forms", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert [first.status_code, other.status_code, again.status_code] == [
        200,
        200,
        429,
    ]


def test_without_redis_the_throttle_counts_in_a_database_table(settings):
    """A fresh ``migrate`` creates the cache table (post_migrate), so every
    server process shares the counts without an extra step."""
    settings.API_THROTTLE_ANON = "1/min"
    database_cache = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "test_api_cache",
    }
    with override_settings(CACHES={"default": database_cache}):
        create_cache_table(sender=None, using="default", verbosity=0)
        assert "test_api_cache" in connection.introspection.table_names()
        client = APIClient()
        assert client.get(f"{API}/forms").status_code == 200
        assert client.get(f"{API}/forms").status_code == 429
        with connection.cursor() as cursor:
            cursor.execute("SELECT cache_key FROM test_api_cache")
            keys = [row[0] for row in cursor.fetchall()]
        assert any("throttle_anon" in key for key in keys)


# --- URLs and the OpenAPI document --------------------------------------------------


def _api_routes(patterns=None, prefix="") -> list[str]:
    routes = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            routes += _api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/"):
            routes.append(route)
    return routes


def test_no_api_url_ends_with_a_slash():
    routes = _api_routes()
    assert len(routes) > 20
    # The one exception: HSDA requires the Open Referral API's root "/" endpoint.
    slashed = [route for route in routes if route.endswith("/")]
    assert slashed == ["api/v1/hsds/"]


@pytest.fixture(scope="module")
def openapi():
    with open("openapi.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_its_errors_as_problem_json(openapi):
    for path, method, operation in _operations(openapi):
        responses = operation["responses"]
        assert {"401", "406", "429"} <= set(responses), (path, method)
        if "{" in path:
            assert "404" in responses, (path, method)
        if "requestBody" in operation:
            assert {"400", "415"} <= set(responses), (path, method)
        for code, response in responses.items():
            assert "API-Version" in response["headers"], (path, method, code)
            if code >= "400":
                assert list(response["content"]) == [PROBLEM], (path, method, code)


def test_paths_are_plural_kebab_case_without_trailing_slashes(openapi):
    for path in openapi["paths"]:
        assert re.fullmatch(r"(/([a-z0-9-]+|\{[a-z_]+\}|openapi\.(json|yaml)))+", path)
        assert not path.endswith("/")


def test_the_documentation_page_serves_its_assets_itself(client):
    html = client.get(f"{API}/docs").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html


# --- NL API Design Rules: unknown query keys, servers, contact, 400 ---------------


@pytest.mark.parametrize(
    ("url", "unknown"),
    [
        ("/api/v1/services?page_size=5", ["page_size"]),  # the old snake_case name
        ("/api/v1/services?organisatie=x&lot=begeleiding", ["organisatie"]),
        ("/api/v1/lots/begeleiding?x=1&y=2", ["x", "y"]),
        ("/api/v1/services/1/capacity?format=json", ["format"]),
    ],
)
def test_unknown_query_keys_are_400_naming_them(client, url, unknown):
    problem = assert_problem(client.get(url), 400, *unknown)
    assert [p["name"] for p in problem["invalid_params"]] == unknown


def test_unknown_query_keys_change_nothing_on_a_write(provider_user, service):
    api = logged_in(provider_user)
    before = service.capacity.version
    response = api.post(f"{API}/services/{service.pk}/capacity/confirmation?dryRun=1")
    assert_problem(response, 400, "dryRun")
    service.capacity.refresh_from_db()
    assert service.capacity.version == before


def test_declared_camel_case_keys_pass(client):
    assert client.get(f"{API}/problem-areas?pageSize=5&page=1").status_code == 200


def test_the_document_names_a_versioned_server_full_contact_and_400s(openapi):
    assert openapi["servers"] == [
        {"url": "/api/v1", "description": "This server, API version 1"}
    ]
    assert {"name", "url", "email"} <= set(openapi["info"]["contact"])
    for path, method, operation in _operations(openapi):
        if operation.get("parameters") or method not in ("get", "head", "delete"):
            assert "400" in operation["responses"], (path, method)
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                assert re.fullmatch(r"[a-z][a-zA-Z0-9]*", parameter["name"]), path
    assert not any(path.startswith("/hsds") for path in openapi["paths"])
