"""Security headers and cookies on real responses (in-process, with the
production values switched on where the test suite turns them off)."""

from django.urls import reverse

import pytest

from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def test_pages_forbid_inline_scripts_framing_and_foreign_forms(client):
    response = client.get(reverse("registry:home"))
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_pages_send_frame_referrer_sniffing_and_opener_policies(client):
    response = client.get(reverse("registry:search"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_api_answers_and_error_pages_carry_the_csp_too(client):
    api = client.get("/api/v1/referrals")
    missing = client.get("/bestaat-niet")
    assert "Content-Security-Policy" in api
    assert missing.status_code == 404
    assert "frame-ancestors 'none'" in missing["Content-Security-Policy"]


def test_https_requests_get_hsts_for_a_year_with_subdomains(client, settings):
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    response = client.get(reverse("registry:home"), secure=True)
    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_plain_http_is_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("registry:search") + "?q=x")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/zoeken?q=x"


def test_session_and_csrf_cookies_are_secure_httponly_and_same_site(
    client, settings, provider_org
):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    user = factories.MembershipFactory(organisation=provider_org).user
    login_page = client.get(reverse("login"), secure=True)
    csrf = login_page.cookies["csrftoken"]
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    for cookie in (csrf, session):
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


def test_a_stale_form_gets_a_dutch_403_without_inline_style():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Het formulier is verlopen" in page
    assert "<style" not in page


def test_the_health_check_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200


def test_unknown_api_urls_are_problem_json_and_pages_a_static_dutch_404(client):
    api = client.get("/api/v1/bestaat-niet")
    assert api.status_code == 404
    assert api["Content-Type"] == "application/problem+json"
    assert api.json()["status"] == 404
    page = client.get("/bestaat-niet")
    assert page.status_code == 404
    assert "Pagina niet gevonden" in page.content.decode()
