"""Issue 18: a hoofdaanbieder's inbox is merged from one ordered part per
provider (its own services; each onderaannemer in the subcontracted percelen),
and gives exactly the rows and the order of the straightforward query."""

# ruff: noqa: F811

from django.db import connection
from django.urls import reverse

import pytest

from referrals import keyset, selectors
from referrals import permissions as perms
from referrals.models import AccessLogEntry, Referral
from registry.models import Perceel
from tests import factories
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    outsider_referrer_user,
    school_org,
    school_user,
)
from tests.referrals.test_working_lists import _link

pytestmark = pytest.mark.django_db
INBOX = reverse("referrals:inbox")
STEPS = [{}, {"received": True}, {"started": True}, {"declined": True}]


@pytest.fixture
def lvb(provider_org):
    lvb = Perceel.objects.get(code="behandeling-lvb")
    factories.ContractFactory(organisation=provider_org, perceel=lvb)
    return lvb


@pytest.fixture
def wide(provider_org, perceel, lvb, service, make_referral):
    """Two onderaannemers (one in both percelen, one in begeleiding only, which
    also works in lvb outside the subcontract), ties on the date, both
    urgencies and several states; and referrals out of reach."""
    sub_a = factories.OnderaannemerFactory(
        main_contractor=provider_org, percelen=[perceel]
    )
    sub_b = factories.OnderaannemerFactory(
        main_contractor=provider_org, percelen=[perceel, lvb]
    )
    own_lvb = factories.ServiceFactory(organisation=provider_org, perceel=lvb)
    services = [
        service,
        own_lvb,
        factories.ServiceFactory(organisation=sub_a, perceel=perceel),
        factories.ServiceFactory(organisation=sub_b, perceel=perceel),
        factories.ServiceFactory(organisation=sub_b, perceel=lvb),
    ]
    outside = [
        factories.ServiceFactory(organisation=sub_a, perceel=lvb),
        factories.ServiceFactory(perceel=perceel),  # another organisation
    ]
    made, number = [], 0
    for target in services + outside:
        for _ in range(4):
            made.append(
                make_referral(
                    service=target,
                    days_ago=20 + number % 3,
                    urgency="urgent" if number % 5 == 0 else "regular",
                    **STEPS[number % len(STEPS)],
                )
            )
            number += 1
    reachable = {r.pk for r in made if r.service not in outside}
    return reachable


def _straight(qs) -> list[int]:
    terms = keyset._terms(qs)
    aliased = qs.alias(**{t.alias: t.expression for t in terms})
    return list(keyset._ordered(aliased, terms, False).values_list("pk", flat=True))


def _walk(qs, parts, size):
    pages = [keyset.keyset_page(qs, None, size, parts)]
    while pages[-1].has_next():
        token = pages[-1].next_page_number()
        pages.append(keyset.keyset_page(qs, token, size, parts))
    back = [pages[-1]]
    while back[-1].has_previous():
        token = back[-1].previous_page_number() or None
        back.append(keyset.keyset_page(qs, token, size, parts))
    return pages, back[::-1]


def test_the_branches_split_the_scope_per_provider(provider_user, provider_org, wide):
    branches = selectors.inbox_branches(actor=provider_user)
    assert len(branches) == 3  # own, and one per onderaannemer
    reach = perms.scope(provider_user).provider
    qs = Referral.objects.filter(reach.q("provider", "perceel"))
    parts = [set(qs.filter(b).values_list("pk", flat=True)) for b in branches]
    assert set().union(*parts) == wide
    assert sum(len(p) for p in parts) == len(wide)  # disjoint


def _split(actor, open_only: bool, how: str, change):
    """The inbox's parts as QuerySets, or as ``keyset.Branches`` (one LATERAL
    statement on PostgreSQL; the same QuerySets elsewhere)."""
    if how == "branches":
        branches = selectors.referral_inbox_branches(actor=actor, open_only=open_only)
        assert len(branches.rows) == 3
        return branches.map(change)
    parts = selectors.referral_inbox_parts(actor=actor, open_only=open_only)
    assert len(parts) == 3
    return [change(part) for part in parts]


@pytest.mark.parametrize("how", ["parts", "branches"])
@pytest.mark.parametrize("sort", [None, *selectors.SORTS])
@pytest.mark.parametrize("open_only", [True, False])
@pytest.mark.parametrize("size", [1, 7])
def test_the_merged_inbox_is_the_straightforward_query(
    provider_user, wide, sort, open_only, size, how
):
    qs = selectors.referral_filter(
        selectors.referral_inbox(actor=provider_user, open_only=open_only),
        {"sorteer": sort},
    )
    expected = _straight(qs)
    assert set(expected) <= wide and (open_only or set(expected) == wide)
    parts = _split(
        provider_user,
        open_only,
        how,
        lambda part: selectors.referral_filter(part, {"sorteer": sort}),
    )
    pages, back = _walk(qs, parts, size)
    assert [r.pk for page in pages for r in page] == expected
    assert [[r.pk for r in p] for p in back] == [[r.pk for r in p] for p in pages]
    assert all(page.count == len(expected) for page in pages)


@pytest.mark.parametrize("how", ["parts", "branches"])
def test_the_merged_inbox_keeps_the_filters(provider_user, wide, how):
    filters = {"urgentie": "urgent", "sorteer": "-verwezen"}
    qs = selectors.referral_filter(
        selectors.referral_inbox(actor=provider_user, open_only=False), filters
    )
    parts = _split(
        provider_user,
        False,
        how,
        lambda part: selectors.referral_filter(part, filters),
    )
    pages, _ = _walk(qs, parts, 2)
    shown = [r.pk for page in pages for r in page]
    assert shown == _straight(qs)
    assert shown and all(
        Referral.objects.get(pk=pk).urgency == "urgent" for pk in shown
    )


def _pages(client, params):
    response = client.get(INBOX, params)
    following = _link(response, "Volgende")
    return response, following


@pytest.mark.parametrize(
    "params",
    [{}, {"filter": "all"}, {"filter": "all", "urgentie": "urgent", "q": "VW"}],
)
def test_the_hoofdaanbieders_inbox_keeps_its_query_count(
    client, provider_user, wide, params, monkeypatch, django_assert_num_queries
):
    from referrals import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(provider_user)
    # session, user, memberships, subcontracts, the services for the service
    # filter, capped count, page rows (the merge is a subquery of this one
    # statement), access log INSERT; the norms come from the cache
    with django_assert_num_queries(8):
        response, following = _pages(client, params)
    assert response.status_code == 200
    if following:  # a keyset page: the same statements, the services cached
        with django_assert_num_queries(7):
            assert client.get(INBOX + following).status_code == 200


@pytest.mark.parametrize(
    "who", ["outsider_user", "municipality_user", "school_user", "referrer_user"]
)
def test_others_still_get_nothing_from_the_hoofdaanbieders_inbox(
    client, request, provider_user, wide, who
):
    client.force_login(provider_user)
    following = _link(client.get(INBOX, {"filter": "all"}), "Volgende")
    client.force_login(request.getfixturevalue(who))
    before = AccessLogEntry.objects.count()
    for url in (INBOX + "?filter=all", INBOX + (following or "")):
        response = client.get(url)
        assert response.status_code == 200
        shown = [r for r in Referral.objects.all() if r.reference in response.text]
        assert shown == []
    assert AccessLogEntry.objects.count() == before


@pytest.mark.parametrize("how", ["parts", "branches"])
@pytest.mark.parametrize("cap", [1, 5, 15, 100])
def test_the_merged_count_stops_at_the_cap(provider_user, wide, monkeypatch, cap, how):
    monkeypatch.setattr(keyset, "COUNT_CAP", cap)
    qs = selectors.referral_inbox(actor=provider_user, open_only=False)
    parts = _split(provider_user, False, how, lambda part: part)
    page = keyset.keyset_page(qs, None, 2, parts)
    assert page.count == min(len(wide), cap + 1)
    assert page.more_than == (len(wide) > cap)


def test_one_provider_has_no_branches(provider_user, service, make_referral):
    make_referral(service=service)
    assert selectors.referral_inbox_branches(actor=provider_user) is None


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the LATERAL statement is PostgreSQL's"
)
def test_the_branches_compile_one_part_for_every_provider(
    provider_user, wide, django_assert_num_queries
):
    """On PostgreSQL the merge does not build the per-provider QuerySets; the
    capped count and the page are one statement each."""
    branches = selectors.referral_inbox_branches(actor=provider_user, open_only=False)

    def refuse():
        raise AssertionError("the parts were built")

    branches = keyset.Branches(branches.template, branches.rows, refuse)
    qs = selectors.referral_inbox(actor=provider_user, open_only=False)
    with django_assert_num_queries(2) as captured:
        page = keyset.keyset_page(qs, None, 3, branches)
    assert "LATERAL" in captured.captured_queries[0]["sql"]
    assert [r.pk for r in page] == _straight(qs)[:3]
