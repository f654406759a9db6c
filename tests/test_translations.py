"""English is complete: every message has a checked translation, and pages,
error pages and API problems follow the language the visitor chose.

The catalogue checks fail as soon as a message arrives untranslated or fuzzy,
or a translation drops a placeholder or a tag. To fix: ``manage.py
makemessages -l en --no-obsolete --no-location``, translate the new entries in
locale/en/LC_MESSAGES/django.po, then ``manage.py compilemessages -l en``.
"""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import translation

import polib
import pytest

from referrals.models import ACCESS_PURPOSE_LABELS, AccessLogEntry
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    referral,
    school_org,
)

CATALOGUE = Path(__file__).resolve().parents[1] / "locale/en/LC_MESSAGES/django.po"

# What a translation must carry over unchanged: Python placeholders (and the
# escaped percent sign of a python-format string), str.format fields and the
# HTML tags of a message (with their attributes, so a link keeps its target).
PYTHON_FORMAT = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|%%")
BRACES = re.compile(r"\{\w*\}")
HTML_TAG = re.compile(r"</?(?:a|abbr|b|br|code|em|i|p|span|strong|time)\b[^>]*>")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(CATALOGUE))


def _listed(msgids) -> str:
    msgids = list(msgids)
    shown = "\n  ".join(repr(m) for m in msgids[:20])
    more = f"\n  ... and {len(msgids) - 20} more" if len(msgids) > 20 else ""
    return f"{len(msgids)}:\n  {shown}{more}"


def test_every_message_has_an_english_translation(catalogue):
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    assert not untranslated, "Untranslated messages " + _listed(untranslated)


def test_no_translation_is_fuzzy(catalogue):
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not fuzzy, "Fuzzy (unchecked) translations " + _listed(fuzzy)


def test_plural_messages_have_both_english_forms(catalogue):
    assert "nplurals=2; plural=(n != 1);" in catalogue.metadata["Plural-Forms"]
    incomplete = [
        e.msgid
        for e in catalogue
        if e.msgid_plural and sorted(e.msgstr_plural) != [0, 1]
    ]
    assert not incomplete, "Plural messages without two forms " + _listed(incomplete)


def _tokens(entry: polib.POEntry, text: str) -> list[str]:
    found = BRACES.findall(text) + HTML_TAG.findall(text)
    if "python-format" in entry.flags:
        found += PYTHON_FORMAT.findall(text)
    return sorted(found)


def _pairs(entry: polib.POEntry):
    """(source, translation) pairs: the plural forms against msgid_plural, except
    that the singular may also follow the msgid."""
    if not entry.msgid_plural:
        yield entry.msgid, entry.msgstr
        return
    for index, text in entry.msgstr_plural.items():
        source = entry.msgid_plural
        if index == 0 and _tokens(entry, text) == _tokens(entry, entry.msgid):
            source = entry.msgid
        yield source, text


def test_translations_keep_every_placeholder_and_tag(catalogue):
    broken = [
        f"{source!r} -> {text!r}"
        for entry in catalogue.translated_entries()
        for source, text in _pairs(entry)
        if _tokens(entry, text) != _tokens(entry, source)
    ]
    assert not broken, "Translations that lose or add a placeholder " + _listed(broken)


def test_the_placeholder_check_catches_a_lost_placeholder():
    entry = polib.POEntry(
        msgid="Verwijzing <strong>%(reference)s</strong> is verstuurd.",
        msgstr="Referral <strong>%(ref)s</strong> has been sent.",
        flags=["python-format"],
    )
    assert _tokens(entry, entry.msgstr) != _tokens(entry, entry.msgid)


# --- pages and problems in the chosen language ---------------------------------


@pytest.fixture(autouse=True)
def back_to_dutch():
    """The locale middleware leaves the thread's language active after a
    request; later tests expect Dutch."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_404_page_speaks_the_chosen_language(client, db):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert '<html lang="nl"' in response.text
    assert "Pagina niet gevonden" in response.text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert '<html lang="en"' in response.text
    assert "Page not found" in response.text
    assert "Pagina niet gevonden" not in response.text


def test_api_problems_speak_the_chosen_language(client, db):
    assert client.get("/api/v1/bestaat-niet").json()["title"] == "Niet gevonden"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/api/v1/bestaat-niet").json()
    assert (body["title"], body["detail"]) == (
        "Not found",
        "This resource does not exist.",
    )
    invalid = client.get("/api/v1/services?age=abc").json()
    assert invalid["status"] == 400
    assert invalid["title"] == "Invalid input"
    assert invalid["detail"] == "One or more fields are invalid."


def test_the_413_answer_follows_the_visitors_language_not_the_threads(
    client, db, settings
):
    """The size limit answers before the locale middleware runs, so it must
    not speak the language a previous request left active in the thread."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    url = reverse("referrals:status")
    translation.activate("en")
    response = client.post(url, {"family_code": "x" * 4096})
    assert response.status_code == 413
    assert "Dit is te groot om te versturen" in response.text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    translation.activate("nl")
    response = client.post(url, {"family_code": "x" * 4096})
    assert response.status_code == 413
    assert '<html lang="en"' in response.text
    assert "This is too large to send" in response.text


@pytest.mark.django_db
def test_the_access_log_names_screens_in_words_in_both_languages(
    client, municipality_user, provider_user, request
):
    logged = request.getfixturevalue("referral")
    client.force_login(provider_user)
    client.get(logged.get_absolute_url())
    client.get(reverse("referrals:inbox"))
    assert set(AccessLogEntry.objects.values_list("purpose", flat=True)) == {
        "detail_provider",
        "inbox",
    }
    client.force_login(municipality_user)
    page = client.get(reverse("referrals:access-log")).text
    assert "verwijzing (aanbieder)" in page
    assert "inbox aanbieder" in page
    assert "detail_provider" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("referrals:access-log")).text
    assert "referral (provider)" in page
    assert "provider inbox" in page


def test_every_logged_screen_has_a_name():
    """Each purpose the code logs under has a human name (see referrals/views.py,
    referrals/api/views.py and referrals/services.py)."""
    code = "".join(
        (Path(__file__).resolve().parents[1] / path).read_text()
        for path in (
            "referrals/views.py",
            "referrals/api/views.py",
            "referrals/services.py",
        )
    )
    logged = set(re.findall(r'purpose=f?"([a-z_]+)', code))
    logged |= {f"detail_{view}" for view in ("referrer", "provider", "school")}
    logged.discard("detail_")
    assert logged <= set(ACCESS_PURPOSE_LABELS), logged - set(ACCESS_PURPOSE_LABELS)


@pytest.mark.django_db
def test_dashboard_labels_built_at_import_follow_the_language(
    client, municipality_user
):
    client.force_login(municipality_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("dashboard:organisations")).text
    assert "Within norm: Total wait" in page
    assert 'placeholder="YYYY-MM"' in page
    assert "Binnen norm" not in page
    assert "JJJJ-MM" not in page


def test_chart_numbers_use_the_languages_decimal_mark():
    from dashboard.charts import _number

    with translation.override("nl"):
        assert (_number(2.25), _number(3.0)) == ("2,2", "3")
    with translation.override("en"):
        assert (_number(2.25), _number(3.0)) == ("2.2", "3")


def test_english_dates_are_day_first_with_a_24_hour_clock():
    from datetime import date, datetime

    from django import forms
    from django.utils.formats import date_format

    with translation.override("en"):
        assert date_format(date(2026, 12, 6)) == "6 Dec 2026"
        moment = datetime(2026, 12, 6, 14, 30)
        assert date_format(moment, "DATETIME_FORMAT") == "6 Dec 2026, 14:30"
        assert forms.DateField().clean("06/12/2026") == date(2026, 12, 6)
        assert forms.DateInput().format_value(date(2026, 12, 6)) == "2026-12-06"
