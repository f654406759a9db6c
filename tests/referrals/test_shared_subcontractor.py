"""An onderaannemer under two hoofdaanbieders (for different percelen): each
hoofdaanbieder is logged, named and reminded only for its own perceel, and as
itself (the organisation through which its people are entitled)."""

from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

import pytest
from rest_framework.test import APIClient

from referrals import services
from referrals import workflow as wf
from referrals.models import AccessLogEntry, Referral
from registry import permissions as registry_permissions
from registry import selectors as registry_selectors
from registry.models import Capacity, Organisation, Service
from tests import factories
from tests.security.matrix_world import build_shared_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_shared_world()


def _referral(world, lot: str) -> Referral:
    return Referral.objects.get(reference=world.values[f"reference_{lot}"])


def _org(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def test_a_hoofdaanbieders_reader_is_logged_under_the_hoofdaanbieder(client, world):
    reader = world.users["main_a"]
    client.force_login(reader)
    referral = _referral(world, "a")
    response = client.get(
        reverse("referrals:referral-detail", args=[referral.reference])
    )
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.organisation) == (reader, _org("hoofd-a"))
    assert entry.referral == referral


def test_each_hoofdaanbieders_inbox_is_logged_under_itself(client, world):
    for role, slug, lot in (("main_a", "hoofd-a", "a"), ("main_b", "hoofd-b", "b")):
        AccessLogEntry.objects.all().delete()
        client.force_login(world.users[role])
        client.get(reverse("referrals:inbox"))
        logged = list(
            AccessLogEntry.objects.values_list("referral", "organisation", "user")
        )
        assert logged == [
            (_referral(world, lot).pk, _org(slug).pk, world.users[role].pk)
        ]


def test_the_onderaannemers_own_reader_is_logged_under_the_onderaannemer(client, world):
    client.force_login(world.users["shared"])
    client.get(
        reverse("referrals:referral-detail", args=[_referral(world, "b").reference])
    )
    assert AccessLogEntry.objects.get().organisation == _org("gedeeld")


def test_a_hoofdaanbieders_key_is_logged_under_the_hoofdaanbieder(world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.sessions['token_b']}")
    referral = _referral(world, "b")
    response = api.get(f"/api/v1/referrals/{referral.reference}")
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.organisation) == (None, _org("hoofd-b"))


def test_a_step_is_recorded_for_the_hoofdaanbieder_whose_perceel_it_is(world):
    """A person in both hoofdaanbieders acts, on an onderaannemer's referral, for
    the one whose subcontract covers its perceel."""
    both = world.users["main_a"]
    factories.MembershipFactory(user=both, organisation=_org("hoofd-b"))
    event = services.referral_event_record(
        referral=_referral(world, "b"),
        type=wf.FIRST_CONTACT,
        occurred_on=timezone.localdate(),
        actor=both,
    )
    assert event.actor_organisation == _org("hoofd-b")


def test_the_referrers_mail_names_the_hoofdaanbieder_that_declined(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_event_record(
            referral=_referral(world, "a"),
            type=wf.DECLINED,
            occurred_on=timezone.localdate(),
            actor=world.users["main_a"],
            decline_reason="no_capacity",
        )
    [message] = [m for m in mail.outbox if world.users["referrer"].email in m.to]
    hoofd_a, shared = _org("hoofd-a"), _org("gedeeld")
    assert f"{hoofd_a.name} heeft namens {shared.name} verwijzing" in message.body
    assert _org("hoofd-b").name not in message.body


def test_the_referrers_mail_names_only_the_provider_when_it_acted_itself(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_event_record(
            referral=_referral(world, "b"),
            type=wf.DECLINED,
            occurred_on=timezone.localdate(),
            actor=world.users["shared"],
            decline_reason="no_capacity",
        )
    [message] = [m for m in mail.outbox if world.users["referrer"].email in m.to]
    assert f"{_org('gedeeld').name} heeft verwijzing" in message.body
    assert "namens" not in message.body


def test_a_hoofdaanbieder_is_reminded_of_its_own_perceel_only(world):
    Capacity.objects.update(updated_at=timezone.now() - timedelta(days=60))
    reminded = registry_selectors.stale_services_by_organisation()
    service_a = Service.objects.get(pk=world.values["service_a"])
    service_b = Service.objects.get(pk=world.values["service_b"])
    assert reminded[_org("hoofd-a")] == [service_a]
    assert reminded[_org("hoofd-b")] == [service_b]
    assert set(reminded[_org("gedeeld")]) == {service_a, service_b}


def test_the_scope_holds_organisation_and_perceel_pairs(world):
    reach = registry_permissions.provider_reach(world.users["main_a"])
    shared = _org("gedeeld")
    service_a = Service.objects.get(pk=world.values["service_a"])
    service_b = Service.objects.get(pk=world.values["service_b"])
    assert reach.covers(shared.pk, service_a.perceel_id)
    assert not reach.covers(shared.pk, service_b.perceel_id)
    assert (
        reach.entitled_through(shared.pk, service_a.perceel_id)
        == world.values["main_a"]
    )
    assert list(Service.objects.filter(reach.q())) == [service_a]
    assert registry_permissions.can_edit_service(world.users["main_a"], service_a)
    assert not registry_permissions.can_edit_service(world.users["main_a"], service_b)


def test_a_subcontract_that_has_not_started_gives_no_reach(world):
    shared = _org("gedeeld")
    shared.subcontracts.update(start_date=timezone.localdate() + timedelta(days=1))
    reach = registry_permissions.provider_reach(world.users["main_a"])
    assert shared.pk not in reach.organisation_ids


def test_the_started_mail_says_which_hoofdaanbieder_recorded_it(
    world, django_capture_on_commit_callbacks
):
    referral = _referral(world, "b")
    actor = world.users["main_b"]
    with django_capture_on_commit_callbacks(execute=True):
        for step in (wf.INTAKE, wf.STARTED):
            services.referral_event_record(
                referral=referral,
                type=step,
                occurred_on=timezone.localdate(),
                actor=actor,
            )
    [message] = [m for m in mail.outbox if world.users["referrer"].email in m.to]
    assert f"Vastgelegd door hoofdaanbieder {_org('hoofd-b').name}." in message.body


@pytest.mark.parametrize("count", [1, 6])
def test_the_hoofdaanbieders_inbox_query_count_does_not_grow_with_the_pairs(
    count, client, world, django_assert_num_queries
):
    for lot in "ab":
        service = Service.objects.get(pk=world.values[f"service_{lot}"])
        factories.ReferralFactory.create_batch(count, service=service, received=True)
    client.force_login(world.users["main_a"])
    # session, user, memberships, subcontracts, the services for the service
    # filter, page count, page rows, access log INSERT (as the inbox's own pin
    # in test_working_lists; the norms come from the cache)
    with django_assert_num_queries(8):
        response = client.get(reverse("referrals:inbox") + "?filter=all")
    assert response.status_code == 200
    assert len(response.context["rows"]) == count + 1  # lot a only
