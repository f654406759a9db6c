"""Issue 18: the referral list's service filter costs the same however many
services the organisation referred to: a list up to SERVICE_CHOICES_MAX, past
that a search on the service's name (still only the actor's own referrals)."""

# ruff: noqa: F811

from django.urls import reverse

import pytest

from referrals import selectors
from tests import factories
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    outsider_referrer_user,
    school_org,
    school_user,
)

pytestmark = pytest.mark.django_db
LIST = reverse("referrals:referral-list")


@pytest.fixture
def referred(make_referral, service):
    """Four services referred to (one twice), and one the referrer never used."""
    names = ["Kanjertraining", "Gezinscoach", "Kanjer plus", "Beweegmaatje"]
    services = [service] + [factories.ServiceFactory(name=n) for n in names[1:]]
    service.name = names[0]
    service.save()
    made = [make_referral(service=s) for s in services]
    made.append(make_referral(service=services[0], days_ago=3))
    factories.ServiceFactory(name="Kanjer nooit verwezen")
    return services, made


def _shown(response, made):
    return {r.reference for r in made if r.reference in response.text}


def test_the_choices_are_the_services_referred_to_in_name_order(
    referrer_user, referred
):
    services, _ = referred
    choices = selectors.service_choices_for_referrer(actor=referrer_user)
    assert [pk for pk, _label in choices] == [
        s.pk for s in sorted(services, key=lambda s: (s.name, s.organisation.name))
    ]


def test_past_the_cap_the_choices_are_cut_there(referrer_user, referred, monkeypatch):
    monkeypatch.setattr(selectors, "SERVICE_CHOICES_MAX", 2)
    assert len(selectors.service_choices_for_referrer(actor=referrer_user)) == 3


def test_past_the_cap_the_list_searches_on_the_service_name(
    client, referrer_user, referred, monkeypatch, make_referral, school_org
):
    services, made = referred
    # Followed as a school, made by another organisation: never in the filter.
    factories.MembershipFactory(user=referrer_user, organisation=school_org)
    others = factories.OrganisationFactory(kind="huisartsenpraktijk")
    followed = make_referral(
        service=services[0], referrer_organisation=others, referrer_user=None
    )
    monkeypatch.setattr(selectors, "SERVICE_CHOICES_MAX", 2)
    client.force_login(referrer_user)
    response = client.get(LIST)
    assert 'name="aanbod_naam"' in response.text
    assert 'name="aanbod"' not in response.text
    response = client.get(LIST, {"aanbod_naam": "kanjer"})
    assert _shown(response, made) == {
        made[0].reference,
        made[2].reference,
        made[4].reference,
    }
    assert followed.reference not in response.text
    assert _shown(client.get(LIST, {"aanbod_naam": "nooit"}), made) == set()


def test_under_the_cap_the_name_search_is_not_offered(client, referrer_user, referred):
    _, made = referred
    client.force_login(referrer_user)
    response = client.get(LIST, {"aanbod_naam": "kanjer"})
    assert 'name="aanbod_naam"' not in response.text
    assert _shown(response, made) == {r.reference for r in made}


def test_a_school_gets_neither_filter_and_cannot_search_a_name(
    client, school_user, referred, monkeypatch
):
    _, made = referred
    monkeypatch.setattr(selectors, "SERVICE_CHOICES_MAX", 2)
    client.force_login(school_user)
    response = client.get(LIST, {"aanbod_naam": "gezinscoach"})
    assert 'name="aanbod_naam"' not in response.text
    assert 'name="aanbod"' not in response.text
    assert _shown(response, made) == {r.reference for r in made}
    assert "Gezinscoach" not in response.text


@pytest.mark.parametrize("cap", [2, 200])
def test_the_list_keeps_its_query_count_either_way(
    client, referrer_user, referred, monkeypatch, cap, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "SERVICE_CHOICES_MAX", cap)
    client.force_login(referrer_user)
    params = {"aanbod_naam": "kanjer"} if cap == 2 else {}
    # session, user, memberships, the services for the service filter (capped),
    # page count, page rows, access log INSERT, unread notices (norms: the cache)
    with django_assert_num_queries(8):
        assert client.get(LIST, params).status_code == 200
