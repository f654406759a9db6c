"""Issue 18: the working lists' filter form, while nothing is filled in, is
rendered once per process for each language, list and set of choices
(``views._filters_html``); a filled-in form is rendered every time."""

from django.urls import reverse
from django.utils import translation

import pytest

from referrals import views

pytestmark = pytest.mark.django_db

INBOX = reverse("referrals:inbox")
LIST = reverse("referrals:referral-list")


def _filters(response) -> str:
    text = response.content.decode()
    start = text.index('<form method="get" class="list-filters"')
    return text[start : text.index("</form>", start)]


@pytest.fixture(autouse=True)
def _empty_memo():
    views._FILTERS_MEMO.clear()
    yield
    views._FILTERS_MEMO.clear()


def test_the_kept_form_is_the_form_rendered_afresh(
    client, provider_user, service, monkeypatch
):
    client.force_login(provider_user)
    first = _filters(client.get(INBOX))
    assert len(views._FILTERS_MEMO) == 1
    assert _filters(client.get(INBOX)) == first
    views._FILTERS_MEMO.clear()
    monkeypatch.setattr(views, "_FILTERS_MEMO_SIZE", -1)  # nothing kept
    assert _filters(client.get(INBOX)) == first
    assert service.name in first


def test_each_actor_gets_the_form_with_its_own_services(
    client, provider_user, subcontractor_user, service, subcontractor_service
):
    client.force_login(provider_user)
    assert service.name in _filters(client.get(INBOX))
    client.force_login(subcontractor_user)
    theirs = _filters(client.get(INBOX))
    assert subcontractor_service.name in theirs
    assert service.name not in theirs
    assert len(views._FILTERS_MEMO) == 2


def test_the_all_list_and_the_open_list_keep_their_own_form(client, provider_user):
    client.force_login(provider_user)
    assert 'name="filter" value="all"' in _filters(client.get(INBOX, {"filter": "all"}))
    assert 'name="filter"' not in _filters(client.get(INBOX))


def test_a_filled_in_form_shows_its_values_and_errors_and_is_not_kept(
    client, referrer_user
):
    client.force_login(referrer_user)
    client.get(LIST)
    kept = len(views._FILTERS_MEMO)
    filters = _filters(client.get(LIST, {"q": "AB", "van": "gisteren"}))
    assert 'value="AB"' in filters
    assert "utrecht-textbox--invalid" in filters or "aria-invalid" in filters
    assert len(views._FILTERS_MEMO) == kept
    assert 'value="AB"' not in _filters(client.get(LIST))


def test_the_form_follows_the_language(client, referrer_user):
    client.force_login(referrer_user)
    dutch = _filters(client.get(LIST))
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        english = _filters(client.get(LIST))
    assert dutch != english
    assert "Sorteer op" in dutch
    assert "Sort by" in english


def test_a_list_sorted_or_filtered_by_its_choices_keeps_its_form(
    client, referrer_user, monkeypatch
):
    client.force_login(referrer_user)
    by_reference = {"sorteer": "referentie", "status": "sent"}
    first = _filters(client.get(LIST, by_reference))
    assert len(views._FILTERS_MEMO) == 1
    assert 'value="referentie" selected' in first
    assert 'value="sent" selected' in first

    def fail(*args, **kwargs):
        raise AssertionError("the kept form was rendered again")

    with monkeypatch.context() as patched:
        patched.setattr(views, "render_to_string", fail)
        assert _filters(client.get(LIST, by_reference)) == first
    views._FILTERS_MEMO.clear()
    monkeypatch.setattr(views, "_FILTERS_MEMO_SIZE", -1)  # nothing kept
    assert _filters(client.get(LIST, by_reference)) == first


def test_another_choice_keeps_another_form(client, referrer_user):
    client.force_login(referrer_user)
    by_reference = _filters(client.get(LIST, {"sorteer": "referentie"}))
    newest = _filters(client.get(LIST, {"sorteer": "-verwezen"}))
    assert by_reference != newest
    assert 'value="-verwezen" selected' in newest
    assert 'value="referentie" selected' not in newest
    assert len(views._FILTERS_MEMO) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"q": "AB-12"},  # valid, but typed: never kept
        {"aanbod_naam": "Trauma", "sorteer": "referentie"},
        {"sorteer": "bestaat-niet"},  # an error to show
    ],
)
def test_typed_words_or_errors_are_never_kept(client, referrer_user, params):
    client.force_login(referrer_user)
    filters = _filters(client.get(LIST, params))
    assert views._FILTERS_MEMO == {}
    if "q" in params:
        assert 'value="AB-12"' in filters
    if params.get("sorteer") == "bestaat-niet":
        assert "aria-invalid" in filters or "utrecht-select--invalid" in filters
