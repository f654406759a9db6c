"""Issue 14: inbox and referral list get search, filters, sort and a
spreadsheet-safe CSV; each shows only what the actor may see."""

# ruff: noqa: F811

import csv
import io

from django.urls import reverse

import pytest

from referrals.models import AccessLogEntry
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    outsider_referrer_user,
    outsider_school_user,
    referral,
    school_org,
    school_user,
)

pytestmark = pytest.mark.django_db
INBOX = reverse("referrals:inbox")
LIST = reverse("referrals:referral-list")


@pytest.fixture
def three(make_referral):
    return {
        "old": make_referral(child_initials="A.B.", days_ago=40),
        "urgent": make_referral(child_initials="C.D.", days_ago=3, urgency="urgent"),
        "intake": make_referral(child_initials="E.F.", days_ago=10, intake=True),
    }


def _refs(response, three):
    return {k for k, r in three.items() if r.reference in response.text}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"old", "urgent", "intake"}),
        ({"q": "c.d"}, {"urgent"}),
        ({"status": "intake"}, {"intake"}),
        ({"urgentie": "urgent"}, {"urgent"}),
        ({"te_laat": "on"}, {"old"}),
    ],
)
def test_the_inbox_searches_and_filters(client, provider_user, three, params, expected):
    client.force_login(provider_user)
    assert _refs(client.get(INBOX, params), three) == expected


def test_search_by_reference_and_period_on_the_referral_list(
    client, referrer_user, three
):
    client.force_login(referrer_user)
    ref = three["intake"].reference
    assert _refs(client.get(LIST, {"q": ref.lower()}), three) == {"intake"}
    since = three["intake"].referred_on.isoformat()
    assert _refs(client.get(LIST, {"van": since}), three) == {"urgent", "intake"}


def test_sorting_by_reference(client, provider_user, three):
    client.force_login(provider_user)
    text = client.get(INBOX, {"sorteer": "referentie"}).text
    refs = sorted(r.reference for r in three.values())
    assert [text.index(r) for r in refs] == sorted(text.index(r) for r in refs)


def test_the_csv_is_spreadsheet_safe_and_logged(
    client, provider_user, make_referral, service
):
    service.name = '=HYPERLINK("http://x")'
    service.save()
    made = make_referral(child_initials="Q.R.")
    client.force_login(provider_user)
    response = client.get(INBOX, {"formaat": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "referentie"
    assert rows[1][0] == made.reference
    assert rows[1][4].startswith("'=")
    assert made.help_question not in response.content.decode()
    assert AccessLogEntry.objects.filter(purpose="csv", referral=made).exists()


def test_others_get_nothing_in_the_csv(
    client, outsider_user, municipality_user, referral
):
    for user in (outsider_user, municipality_user):
        client.force_login(user)
        for url in (INBOX, LIST):
            text = client.get(url, {"formaat": "csv"}).content.decode()
            assert referral.reference not in text
    assert not AccessLogEntry.objects.exists()


def test_a_school_csv_says_jeugdhulp_not_the_service(client, school_user, referral):
    client.force_login(school_user)
    text = client.get(LIST, {"formaat": "csv"}).content.decode()
    assert referral.reference in text
    assert f"Jeugdhulp ({referral.perceel.name})" in text
    assert referral.service.name not in text


def test_a_bad_filter_is_ignored_not_an_error(client, provider_user, three):
    client.force_login(provider_user)
    response = client.get(INBOX, {"van": "gisteren", "sorteer": "drop table"})
    assert response.status_code == 200
    assert "Kies een geldige" in response.text or "geldige datum" in response.text


@pytest.mark.parametrize("count", [4, 12])
def test_a_filtered_inbox_keeps_its_query_count(
    client, provider_user, make_referral, count, django_assert_num_queries
):
    for number in range(count):
        make_referral(
            days_ago=number + 20, urgency="urgent" if number % 2 else "regular"
        )
    client.force_login(provider_user)
    # session, user, memberships, subcontracts, norms, page count, page rows,
    # access log INSERT
    with django_assert_num_queries(8):
        client.get(INBOX, {"urgentie": "urgent", "te_laat": "on", "sorteer": "status"})
