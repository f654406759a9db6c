"""/status: the family checks its referral with the code and the date of birth."""

import re
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest
import time_machine

from referrals.models import AccessLogEntry, StatusLookupFailure

URL = reverse("referrals:status")
BORN = date(2015, 5, 17)  # ReferralFactory's child


def check(client, code, born=BORN, address="10.0.0.1"):
    return client.post(
        URL,
        {"family_code": code, "birth_date": born.isoformat()},
        REMOTE_ADDR=address,
    )


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.django_db
def test_the_form_is_public(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert 'name="family_code"' in response.text


@pytest.mark.django_db
def test_the_right_code_and_birth_date_show_the_status_in_plain_dutch(
    client, make_referral
):
    referral = make_referral(waitlisted=True)
    response = check(client, referral.family_code)
    assert response.status_code == 200
    assert "Uw kind staat sinds" in response.text
    assert "op de wachtlijst" in response.text
    # Never the help question or the service (its name reveals the problem).
    assert referral.service.name not in response.text
    assert referral.help_question not in response.text
    assert referral.parent_phone not in response.text


@pytest.mark.django_db
def test_the_family_sees_the_steps_so_far_with_dates(client, make_referral):
    from django.utils.formats import date_format

    referral = make_referral(steps=("received", "first_contact", "waitlisted"))
    wrong = referral.events.get(type="waitlisted")
    wrong.retracted_at = wrong.recorded_at  # marked as recorded in error
    wrong.save()
    text = check(client, referral.family_code).text
    received = referral.events.get(type="received").occurred_on
    assert f"{date_format(received, 'j F Y')}</strong>: " in text
    assert "heeft de verwijzing ontvangen." in text
    assert "heeft met u contact gehad." in text
    assert "Uw kind staat op de wachtlijst." not in text  # the corrected step


@pytest.mark.django_db
def test_started_help_shows_the_start_date(client, make_referral):
    referral = make_referral(started=True)
    response = check(client, referral.family_code)
    assert "De hulp is gestart op" in response.text


@pytest.mark.django_db
def test_the_code_may_be_typed_grouped_lower_case_and_with_o_for_zero(
    client, make_referral
):
    referral = make_referral(family_code="0ABC1DEF0G")
    typed = "oabc-1def-og"
    response = check(client, typed)
    assert "Waar staat het nu?" in response.text
    assert referral.help_question not in response.text


@pytest.mark.django_db
def test_unknown_code_and_wrong_birth_date_give_the_same_answer(client, referral):
    wrong_birth = check(client, referral.family_code, born=date(2014, 1, 1))
    unknown = check(client, "ZZZZZZZZZZ")
    assert wrong_birth.status_code == unknown.status_code == 200
    assert without_csrf(wrong_birth.text) == without_csrf(unknown.text)
    assert "We vinden geen verwijzing" in unknown.text
    assert referral.service.name not in wrong_birth.text
    assert referral.help_question not in wrong_birth.text


@pytest.mark.django_db
def test_a_successful_check_is_logged_without_a_user(client, referral):
    check(client, referral.family_code)
    entry = AccessLogEntry.objects.get()
    assert (entry.referral, entry.user, entry.purpose) == (
        referral,
        None,
        "family_status",
    )


@pytest.mark.django_db
def test_a_wrong_answer_reveals_nothing_and_is_not_logged_as_a_read(client, referral):
    check(client, referral.family_code, born=date(2014, 1, 1))
    assert not AccessLogEntry.objects.exists()


@pytest.mark.django_db
def test_the_throttle_stores_hashes_never_the_code_or_address(client, referral):
    check(client, referral.family_code, born=date(2014, 1, 1), address="10.9.8.7")
    keys = list(StatusLookupFailure.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert all(
        referral.family_code not in k and "10.9.8.7" not in k and len(k) == 64
        for k in keys
    )


@pytest.mark.django_db
def test_five_wrong_birth_dates_lock_the_code_even_for_the_right_answer(
    client, referral, settings
):
    settings.FAMILY_STATUS_MAX_ATTEMPTS = 5
    for attempt in range(5):
        response = check(
            client,
            referral.family_code,
            born=date(2014, 1, 1),
            address=f"10.0.0.{attempt}",
        )
        assert response.status_code == 200
    locked = check(client, referral.family_code, address="10.0.1.1")
    assert locked.status_code == 429
    assert "te vaak" in locked.text
    assert referral.service.name not in locked.text


@pytest.mark.django_db
def test_the_code_lock_ends_after_the_window(client, referral, settings):
    settings.FAMILY_STATUS_MAX_ATTEMPTS = 2
    settings.FAMILY_STATUS_WINDOW_MINUTES = 15
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        for _ in range(2):
            check(client, referral.family_code, born=date(2014, 1, 1))
        assert check(client, referral.family_code).status_code == 429
    with time_machine.travel(now + timedelta(minutes=16), tick=False):
        response = check(client, referral.family_code)
    assert response.status_code == 200
    assert "Waar staat het nu?" in response.text


@pytest.mark.django_db
def test_one_address_trying_many_codes_is_locked(client, referral, settings):
    settings.FAMILY_STATUS_MAX_ATTEMPTS_PER_ADDRESS = 3
    for number in range(3):
        assert check(client, f"AAAAAAAAA{number}").status_code == 200
    assert check(client, referral.family_code).status_code == 429
    # Another address is not affected.
    response = check(client, referral.family_code, address="10.0.0.99")
    assert response.status_code == 200
    assert "Waar staat het nu?" in response.text


@pytest.mark.django_db
def test_unknown_codes_count_against_the_code_too(client, settings):
    settings.FAMILY_STATUS_MAX_ATTEMPTS = 2
    for number in range(2):
        check(client, "BBBBBBBBBB", address=f"10.1.0.{number}")
    assert check(client, "BBBBBBBBBB", address="10.1.0.9").status_code == 429


@pytest.mark.django_db
def test_right_answers_do_not_count_towards_the_lock(client, referral, settings):
    settings.FAMILY_STATUS_MAX_ATTEMPTS = 2
    for _ in range(5):
        assert check(client, referral.family_code).status_code == 200
    assert not StatusLookupFailure.objects.exists()


@pytest.mark.django_db
def test_purged_referrals_are_not_found(client, make_referral):
    referral = make_referral(ended=True)
    referral.child_birth_date = None
    referral.save()
    response = check(client, referral.family_code)
    assert "We vinden geen verwijzing" in response.text


@pytest.mark.django_db
def test_an_incomplete_form_is_not_counted(client):
    response = client.post(URL, {"family_code": "ABCD", "birth_date": ""})
    assert response.status_code == 200
    assert not StatusLookupFailure.objects.exists()


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.1"),  # no proxy: the socket address
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),  # the address our proxy saw
        (2, "6.6.6.6, 1.1.1.1, 2.2.2.2", "1.1.1.1"),
        (1, "", "10.0.0.1"),  # header missing: the socket address
    ],
)
def test_the_client_address_trusts_only_our_own_proxies(
    proxies, forwarded, expected, rf, settings
):
    from referrals.views import client_address

    settings.CLIENT_IP_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


@pytest.mark.django_db
def test_the_status_page_is_never_cached(client, referral):
    response = check(client, referral.family_code)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_right_answer_takes_six_statements(client, referral):
    """The attempt stored, both limits counted in one query, the referral, its
    attempt removed, the read logged, the steps; the norms come from the cached
    table the page's footer already read (the GET warms it)."""
    client.get(URL)
    with CaptureQueriesContext(connection) as captured:
        response = check(client, referral.family_code)
    assert response.status_code == 200
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].split()[0].upper()
        not in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}
    ]
    assert len(statements) == 6, statements
    assert StatusLookupFailure.objects.count() == 0


@pytest.mark.django_db
def test_the_status_page_reads_what_it_shows_in_a_fixed_number_of_queries(
    client, make_referral, django_assert_num_queries
):
    """The right code: the attempt stored and counted, the referral with its
    service and organisations (without their long texts and search document,
    which the page never shows: reading one would cost a query more), the
    attempt removed, the read logged, the steps (the norms are cached)."""
    referral = make_referral(steps=("received", "first_contact"))
    client.get(URL)  # the session and the norms are in place
    with django_assert_num_queries(6):
        response = check(client, referral.family_code)
    assert "heeft met u contact gehad." in response.text
