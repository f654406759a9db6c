"""Issue 18: the working lists page by keyset (no OFFSET, no COUNT(*) over the
history); every sort walks forwards and back through the same rows."""

# ruff: noqa: F811

import base64
import json

from django.urls import reverse

import pytest

from referrals import keyset, selectors
from referrals.models import AccessLogEntry, Referral
from tests import factories
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    outsider_referrer_user,
    school_org,
)
from tests.referrals.test_working_lists import _link

pytestmark = pytest.mark.django_db
INBOX = reverse("referrals:inbox")
LIST = reverse("referrals:referral-list")


@pytest.fixture
def history(make_referral):
    """Seven referrals with equal dates, missing start dates and both urgencies."""
    rows = []
    for number in range(7):
        rows.append(
            make_referral(
                days_ago=30 + number % 3,
                urgency="urgent" if number % 2 else "regular",
                started=number in (1, 4),
            )
        )
    return rows


def _walk(qs, size=2):
    """Every page forwards, then every page backwards from the last one."""
    pages = [keyset.keyset_page(qs, None, size)]
    while pages[-1].has_next():
        pages.append(keyset.keyset_page(qs, pages[-1].next_page_number(), size))
    back = [pages[-1]]
    while back[-1].has_previous():
        back.append(
            keyset.keyset_page(qs, back[-1].previous_page_number() or None, size)
        )
    return pages, back[::-1]


@pytest.mark.parametrize(
    "sort",
    [None, *selectors.SORTS],  # None: the list's own order
)
@pytest.mark.parametrize("which", ["inbox", "list"])
def test_every_sort_walks_the_whole_list_forwards_and_back(
    history, provider_user, referrer_user, sort, which
):
    if which == "inbox":
        qs = selectors.referral_inbox(actor=provider_user, open_only=False)
    else:
        qs = selectors.referral_list_for_referrer(actor=referrer_user)
    qs = selectors.referral_filter(qs, {"sorteer": sort})
    expected = [r.pk for r in keyset._ordered(qs.alias(**{
        t.alias: t.expression for t in keyset._terms(qs)
    }), keyset._terms(qs), False)]  # fmt: skip
    assert sorted(expected) == sorted(r.pk for r in history)
    pages, back = _walk(qs)
    assert [r.pk for page in pages for r in page] == expected
    assert [[r.pk for r in page] for page in back] == [
        [r.pk for r in page] for page in pages
    ]
    assert [page.number for page in pages] == [1, 2, 3, 4]
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert all(page.count == 7 and page.num_pages == 4 for page in pages)


def test_nulls_come_where_postgresql_puts_them(history, referrer_user):
    qs = selectors.referral_list_for_referrer(actor=referrer_user)
    for sort, nulls_first in (("gestart", False), ("-gestart", True)):
        pages, _ = _walk(selectors.referral_filter(qs, {"sorteer": sort}))
        started = [r.started_on is not None for page in pages for r in page]
        assert started == (
            [False] * 5 + [True] * 2 if nulls_first else [True] * 2 + [False] * 5
        )


def _token(values, page=2, forward=True):
    raw = json.dumps([values, page, forward]).encode()
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    "token",
    [
        "niet-base64!",
        base64.urlsafe_b64encode(b"{not json").decode(),
        _token(["2026-01-01"]),  # too few values for the sort
        _token(["geen datum", 1]),  # not a date
        _token(["2026-01-01", "x"]),  # not an id
        _token(["2026-01-01", 1], page=0),
        _token(["2026-01-01", 1], page=True),
        _token(["2026-01-01", 1], forward="ja"),
        _token([["lijst"], 1]),
        _token(["1900-01-01", 1]),  # nothing beyond it: the first page
    ],
)
def test_a_token_that_does_not_fit_gives_the_first_page(
    client, referrer_user, history, token
):
    client.force_login(referrer_user)
    first = client.get(LIST)
    response = client.get(LIST, {"page": token})
    assert response.status_code == 200
    assert _link(response, "Vorige") is None
    for referral in history:
        assert (referral.reference in response.text) == (
            referral.reference in first.text
        )


def test_a_token_reveals_nothing_beyond_the_actors_own_list(
    client, referrer_user, outsider_referrer_user, history, monkeypatch
):
    from referrals import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(referrer_user)
    following = _link(client.get(LIST), "Volgende")
    before = AccessLogEntry.objects.count()
    client.force_login(outsider_referrer_user)
    response = client.get(LIST + following)
    assert response.status_code == 200
    assert not any(r.reference in response.text for r in history)
    assert AccessLogEntry.objects.count() == before


def test_the_count_stops_at_the_cap(client, referrer_user, history, monkeypatch):
    from referrals import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(keyset, "COUNT_CAP", 5)
    client.force_login(referrer_user)
    response = client.get(LIST)
    assert "Pagina 1 van meer dan 3" in response.text
    monkeypatch.setattr(keyset, "COUNT_CAP", 7)
    assert "Pagina 1 van 4" in client.get(LIST).text


@pytest.mark.parametrize("count", [3, 9])
def test_a_later_page_keeps_the_query_count(
    client, provider_user, make_referral, count, monkeypatch, django_assert_num_queries
):
    from referrals import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for number in range(count):
        make_referral(days_ago=number + 20)
    client.force_login(provider_user)
    following = _link(client.get(INBOX, {"filter": "all"}), "Volgende")
    # session, user, memberships, subcontracts, capped count, page rows,
    # access log INSERT (the norms and, since the first page, the services for
    # the service filter: the cache)
    with django_assert_num_queries(7):
        response = client.get(INBOX + following)
    assert "Pagina 2 van" in response.text
    assert Referral.objects.count() == count


def test_the_inbox_of_a_hoofdaanbieder_pages_through_its_onderaannemers_too(
    client, provider_user, make_referral, service, subcontractor_service, monkeypatch
):
    from referrals import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [make_referral(service=service, days_ago=5 + n) for n in range(2)]
    made += [make_referral(service=subcontractor_service, days_ago=n) for n in range(2)]
    made.append(make_referral(service=factories.ServiceFactory(), days_ago=1))
    client.force_login(provider_user)
    response = client.get(INBOX)
    seen = []
    while True:
        shown = [r for r in made if r.reference in response.text]
        seen += sorted(shown, key=lambda r: response.text.index(r.reference))
        following = _link(response, "Volgende")
        if following is None:
            break
        response = client.get(INBOX + following)
    # Oldest first; the outsider's referral never.
    assert seen == [made[1], made[0], made[3], made[2]]


def test_the_service_filter_escapes_names_and_keeps_the_choice(
    client, referrer_user, make_referral
):
    odd = factories.ServiceFactory(name='Hulp & "zorg" <b>')
    make_referral(service=odd)
    client.force_login(referrer_user)
    response = client.get(LIST, {"aanbod": odd.pk})
    assert (
        f'<option value="{odd.pk}" selected>Hulp &amp; &quot;zorg&quot; &lt;b&gt; ('
        in response.text
    )
    assert "<b>" not in response.text.split('name="aanbod"')[1].split("</select>")[0]


def _seek_walk(qs, *, parts=None, named=None, size=2):
    """Every page by ``seek_page``, forwards: (ids, previous, next) per page."""
    pages, position = [], None
    while True:
        rows, previous, following = keyset.seek_page(
            qs, position, size, parts, named=named
        )
        pages.append(([row.pk for row in rows], previous, following))
        if following is None:
            return pages, rows
        position = following


@pytest.mark.parametrize("merged", [False, True])
def test_named_rows_page_as_the_model_instances_do(
    history, provider_user, service, make_referral, merged
):
    """The API list reads its pages as named rows (``named``): the same rows
    and positions, by the plain page and by the merge of parts."""
    make_referral(service=factories.ServiceFactory(perceel=service.perceel))
    qs = Referral.objects.order_by("-referred_on", "-id")
    parts = [qs.filter(service=service), qs.exclude(service=service)]
    parts = parts if merged else None
    named = ("pk", "id", "referred_on", "reference", "service__name")
    expected, _rows = _seek_walk(qs, parts=parts)
    pages, rows = _seek_walk(qs, parts=parts, named=named)
    assert pages == expected
    assert len(expected) == 4
    last = Referral.objects.select_related("service").get(pk=rows[-1].pk)
    assert (rows[-1].reference, rows[-1].service__name) == (
        last.reference,
        last.service.name,
    )
    # Back from the last page: the same rows again.
    back = keyset.seek_page(qs, expected[-1][1], 2, parts, named=named)[0]
    assert [row.pk for row in back] == expected[-2][0]


def test_named_rows_need_a_list_ordered_on_fields(provider_user):
    from django.core.exceptions import ImproperlyConfigured

    inbox = selectors.referral_inbox(actor=provider_user)  # urgent first
    with pytest.raises(ImproperlyConfigured):
        keyset.seek_page(inbox, None, 2, named=("pk", "id"))
