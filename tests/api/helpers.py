"""Helpers of the API tests: clients and the problem+json shape."""

from rest_framework.test import APIClient

from registry import services

PROBLEM = "application/problem+json"


def token_client(organisation, name="Koppeling") -> APIClient:
    _token, key = services.api_token_create(
        organisation=organisation, actor=None, name=name
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def logged_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def assert_problem(response, status, *params):
    """A problem+json body (RFC 9457) with ``status`` naming each of ``params``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    assert {"type", "title", "detail", "code"} <= set(problem)
    if params:
        named = {p["name"] for p in problem["invalid_params"]}
        assert set(params) <= named, named
    return problem
