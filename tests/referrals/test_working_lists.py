"""Issue 14: inbox and referral list get search, filters, sort and a
spreadsheet-safe CSV; each shows only what the actor may see."""

# ruff: noqa: F811

import csv
import html
import io
import re
from urllib.parse import parse_qs

from django.urls import reverse

import pytest

from referrals.models import AccessLogEntry, Referral
from tests import factories
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


def test_a_bad_filter_is_named_and_left_out_the_others_still_apply(
    client, provider_user, three
):
    client.force_login(provider_user)
    response = client.get(
        INBOX, {"van": "gisteren", "sorteer": "drop table", "status": "intake"}
    )
    assert response.status_code == 200
    assert "Sorteer op: “drop table” is geen kolom om op te sorteren." in response.text
    assert "geldige datum" in response.text
    assert _refs(response, three) == {"intake"}


def test_a_column_of_the_other_list_is_no_sort_on_the_inbox(
    client, provider_user, three
):
    client.force_login(provider_user)
    response = client.get(INBOX, {"sorteer": "gestart"})
    assert response.status_code == 200
    assert "Sorteer op: “gestart” is geen kolom" in response.text
    assert _order(response, three) == ["urgent", "old", "intake"]  # the default


def test_a_csv_with_a_bad_sort_is_refused_naming_the_field(
    client, provider_user, three
):
    client.force_login(provider_user)
    response = client.get(INBOX, {"formaat": "csv", "sorteer": "-wachtwoord"})
    assert response.status_code == 400
    assert response.content.decode().startswith("Sorteer op: “-wachtwoord”")
    assert not any(r.reference in response.content.decode() for r in three.values())
    assert not AccessLogEntry.objects.exists()


def _order(response, made) -> list[str]:
    text = response.text
    return sorted(
        (k for k, r in made.items() if r.reference in text),
        key=lambda k: text.index(made[k].reference),
    )


def _header(response, label):
    match = re.search(
        rf'<th scope="col"( aria-sort="(\w+)")?><a href="([^"]+)">{label}',
        response.text,
    )
    assert match, label
    return match.group(2), html.unescape(match.group(3))


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["urgent", "old", "intake"]),  # urgent first, then oldest first
        ("verwezen", ["old", "intake", "urgent"]),
        ("-verwezen", ["urgent", "intake", "old"]),
        ("status", ["intake", "old", "urgent"]),  # "intake" < "sent"
    ],
)
def test_the_inbox_sorts_on_a_column(client, provider_user, three, sort, expected):
    client.force_login(provider_user)
    assert _order(client.get(INBOX, {"sorteer": sort}), three) == expected


def test_the_column_headers_sort_and_keep_the_filters(client, provider_user, three):
    client.force_login(provider_user)
    response = client.get(INBOX, {"filter": "all", "urgentie": "regular"})
    # The default (urgent first, then oldest) is no single column.
    assert _header(response, "Verwezen op")[0] is None
    direction, href = _header(response, "Verwezen op")
    assert parse_qs(href[1:]) == {
        "filter": ["all"], "urgentie": ["regular"], "sorteer": ["verwezen"]
    }  # fmt: skip

    response = client.get(INBOX + href)
    assert _header(response, "Verwezen op")[0] == "ascending"
    assert _header(response, "Referentie")[0] is None
    assert parse_qs(_header(response, "Verwezen op")[1][1:])["sorteer"] == ["-verwezen"]
    assert _order(response, three) == ["old", "intake"]
    # CSV and the "Alle / Alleen lopende" links keep the sort as well.
    assert "sorteer=verwezen&amp;formaat=csv" in response.text
    assert 'href="?urgentie=regular&amp;sorteer=verwezen"' in response.text


def test_the_referral_list_is_newest_first_and_says_so(client, referrer_user, three):
    client.force_login(referrer_user)
    response = client.get(LIST)
    assert _header(response, "Verwezen op")[0] == "descending"
    assert _order(response, three) == ["urgent", "intake", "old"]
    response = client.get(LIST, {"sorteer": "-gestart"})
    assert _header(response, "Hulp gestart op")[0] == "descending"


def _link(response, label):
    """The pagination link named ``label`` ("Volgende", "Vorige"), or None."""
    nav = response.text.split('aria-label="Paginering"')[-1]
    found = re.search(rf'<a (?:class="[^"]*" )?href="(\?[^"]*)">{label}</a>', nav)
    return html.unescape(found.group(1)) if found else None


def test_equal_dates_keep_a_stable_order_across_pages(
    client, referrer_user, make_referral, monkeypatch
):
    from referrals import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = {str(n): make_referral(days_ago=5) for n in range(5)}
    client.force_login(referrer_user)
    for sort, ids in (("verwezen", "01234"), ("-verwezen", "43210")):
        pages = [client.get(LIST, {"sorteer": sort})]
        while (following := _link(pages[-1], "Volgende")) is not None:
            assert f"sorteer={sort}&page=" in following
            pages.append(client.get(LIST + following))
        assert [k for page in pages for k in _order(page, made)] == list(ids)
        assert [_link(page, "Vorige") is None for page in pages] == [True, False, False]
        # Back from the last page: the same rows, page by page.
        back = client.get(LIST + _link(pages[2], "Vorige"))
        assert _order(back, made) == _order(pages[1], made)
        assert "Pagina 2 van 3" in back.text


def test_the_inbox_filters_on_its_own_and_onderaannemers_services(
    client,
    provider_user,
    make_referral,
    service,
    subcontractor_service,
    outsider_service,
):
    other = factories.ServiceFactory(
        organisation=service.organisation, perceel=service.perceel
    )
    made = {
        "own": make_referral(service=service),
        "other": make_referral(service=other),
        "sub": make_referral(service=subcontractor_service),
    }
    client.force_login(provider_user)
    response = client.get(INBOX)
    options = re.findall(r'<option value="(\d+)"', response.text)
    assert sorted(options) == sorted(
        str(s.pk) for s in (service, other, subcontractor_service)
    )
    assert _refs(client.get(INBOX, {"aanbod": other.pk}), made) == {"other"}
    # Another provider's service is no choice: named, and the list unfiltered.
    response = client.get(INBOX, {"aanbod": outsider_service.pk})
    assert "Aanbod: Selecteer een geldige keuze" in response.text
    assert _refs(response, made) == {"own", "other", "sub"}


def test_the_referral_list_filters_on_the_services_referred_to(
    client, referrer_user, make_referral, service, subcontractor_service
):
    made = {
        "own": make_referral(service=service),
        "sub": make_referral(service=subcontractor_service),
    }
    client.force_login(referrer_user)
    response = client.get(LIST)
    assert f'<option value="{service.pk}">{service.name} (' in response.text
    response = client.get(LIST, {"aanbod": subcontractor_service.pk})
    assert _refs(response, made) == {"sub"}


def test_a_school_gets_no_service_filter_and_cannot_probe_one(
    client, school_user, referral
):
    client.force_login(school_user)
    response = client.get(LIST)
    assert 'name="aanbod"' not in response.text
    other = factories.ServiceFactory()
    for pk in (referral.service_id, other.pk):
        response = client.get(LIST, {"aanbod": pk})
        assert referral.reference in response.text
        assert referral.service.name not in response.text


def test_a_referrer_who_also_follows_as_school_filters_only_its_own_referrals(
    client, referrer_user, referrer_org, school_org, make_referral, service
):
    factories.MembershipFactory(user=referrer_user, organisation=school_org)
    others = factories.OrganisationFactory(kind="huisartsenpraktijk")
    followed = make_referral(referrer_organisation=others, referrer_user=None)
    own = make_referral()
    client.force_login(referrer_user)
    response = client.get(LIST)
    assert followed.reference in response.text
    response = client.get(LIST, {"aanbod": service.pk})
    assert own.reference in response.text
    assert followed.reference not in response.text


@pytest.mark.parametrize("count", [4, 12])
def test_a_filtered_inbox_keeps_its_query_count(
    client, provider_user, make_referral, count, django_assert_num_queries
):
    for number in range(count):
        make_referral(
            days_ago=number + 20, urgency="urgent" if number % 2 else "regular"
        )
    client.force_login(provider_user)
    service = Referral.objects.first().service_id
    # session, user, memberships, subcontracts, the services for the service
    # filter, page count, page rows, access log INSERT (norms: the cache)
    with django_assert_num_queries(8):
        client.get(
            INBOX,
            {
                "urgentie": "urgent",
                "te_laat": "on",
                "sorteer": "-status",
                "aanbod": service,
            },
        )


@pytest.mark.parametrize("count", [4, 12])
def test_a_sorted_and_filtered_referral_list_keeps_its_query_count(
    client, referrer_user, make_referral, count, django_assert_num_queries
):
    for number in range(count):
        make_referral(days_ago=number + 1)
    client.force_login(referrer_user)
    service = Referral.objects.first().service_id
    # session, user, memberships, the services for the service filter, page
    # count, page rows, access log INSERT, unread notices (no declined rows, so
    # no alternatives; the norms come from the cache)
    with django_assert_num_queries(8):
        client.get(LIST, {"sorteer": "-referentie", "aanbod": service, "q": "VW"})
