"""Error pages: site chrome, the visitor's language, a next step; the API
keeps application/problem+json."""

import re

from django.conf import settings
from django.test import Client

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.error_urls")]

# status -> (path, Dutch heading, English heading)
PAGES = {
    400: (
        "/fout/400",
        "Dit verzoek konden we niet verwerken",
        "We could not process this request",
    ),
    403: (
        "/fout/403",
        "U heeft geen toegang tot deze pagina",
        "You do not have access to this page",
    ),
    404: ("/bestaat-niet", "Pagina niet gevonden", "Page not found"),
    405: (
        "/fout/405",
        "Dit kan op deze pagina niet",
        "This cannot be done on this page",
    ),
    429: ("/fout/429", "Even wachten", "Please wait a moment"),
    500: ("/fout/500", "Er ging iets mis", "Something went wrong"),
    503: ("/fout/503", "Even niet beschikbaar", "Temporarily unavailable"),
}


def _client(language):
    client = Client(raise_request_exception=False)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _assert_site_page(response, status, heading, language):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    assert re.search(f"<h1[^>]*>{re.escape(heading)}</h1>", page)
    # Site chrome with a way on: header, main landmark, link home.
    assert 'class="site-header"' in page
    assert '<main id="main"' in page
    assert 'href="/"' in page
    assert "403 Forbidden" not in page
    assert "<style" not in page


@pytest.mark.parametrize("status", sorted(PAGES))
@pytest.mark.parametrize("language", ["nl", "en"])
def test_each_error_status_has_a_page_in_the_chosen_language(status, language):
    path, dutch, english = PAGES[status]
    response = _client(language).get(path)
    heading = dutch if language == "nl" else english
    _assert_site_page(response, status, heading, language)
    other = english if language == "nl" else dutch
    assert other not in response.content.decode()


def test_without_a_choice_the_page_is_dutch_even_for_an_english_browser():
    client = _client(None)
    response = client.get("/bestaat-niet", HTTP_ACCEPT_LANGUAGE="en")
    _assert_site_page(response, 404, "Pagina niet gevonden", "nl")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_too_large_body_gets_the_413_page_in_the_chosen_language(language):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = _client(language).post(
        "/zoeken", data=b"x", content_type="text/plain", CONTENT_LENGTH=limit + 1
    )
    heading = {
        "nl": "Dit is te groot om te versturen",
        "en": "This is too large to send",
    }
    _assert_site_page(response, 413, heading[language], language)


def test_headers_of_the_original_answer_stay():
    assert _client("nl").get("/fout/405")["Allow"] == "POST"
    assert _client("nl").get("/fout/429")["Retry-After"] == "60"
    assert _client("nl").get("/fout/503")["Retry-After"]


def test_a_real_post_only_page_gets_the_405_page():
    response = _client("en").get("/uitloggen")
    _assert_site_page(response, 405, PAGES[405][2], "en")


@pytest.mark.parametrize("status", sorted(PAGES))
def test_api_paths_keep_problem_json(status):
    path = PAGES[status][0]
    path = "/api/v1/bestaat-niet" if status == 404 else "/api/v1" + path
    response = _client("en").get(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == status


def test_error_pages_never_touch_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        for status in (404, 500, 503):
            assert _client("en").get(PAGES[status][0]).status_code == status
