"""The readable history of a service: who changed what and when, old → new, from
the page, the import and the API alike; personal names only for editors."""

from django.urls import reverse

import pytest

from registry import history, services
from registry.api.authentication import TokenActor, change_reason, history_actor
from registry.models import District
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def named_user(provider_org):
    user = factories.UserFactory(first_name="Anna", last_name="de Vries")
    factories.MembershipFactory(user=user, organisation=provider_org)
    return user


def _entries(service, reveal=True):
    return history.service_history(service=service, reveal_names=reveal)


def test_a_capacity_change_shows_who_when_and_old_to_new(named_user, service):
    services.capacity_update(
        capacity=service.capacity,
        actor=named_user,
        data={"intake_wait_weeks": 5, "status": "waitlist"},
    )
    newest = _entries(service)[0]
    assert (newest.changed_by, newest.source, newest.kind) == (
        "Anna de Vries",
        "page",
        "changed",
    )
    assert newest.subject == "Capaciteit en wachttijden"
    assert [(c.label, c.old, c.new) for c in newest.changes] == [
        ("status", "Open", "Wachtlijst"),
        ("aanmeldwachttijd (weken)", "2", "5"),
    ]


def test_the_public_sees_the_organisation_not_the_person(
    named_user, service, provider_org
):
    services.capacity_update(
        capacity=service.capacity, actor=named_user, data={"free_places": 1}
    )
    newest = _entries(service, reveal=False)[0]
    assert newest.changed_by == provider_org.name


def test_an_import_change_is_shown_as_import(service):
    services.capacity_update(
        capacity=service.capacity, actor=None, data={"note": "Vol"}, reason="import"
    )
    newest = _entries(service)[0]
    assert (newest.changed_by, newest.source) == ("Import", "import")
    assert [(c.old, c.new) for c in newest.changes] == [("—", "Vol")]


def test_an_api_change_names_the_token_only_to_editors(provider_org, service):
    token, _key = services.api_token_create(
        organisation=provider_org, actor=None, name="Planning"
    )
    actor = TokenActor(token)
    services.capacity_update(
        capacity=service.capacity,
        actor=history_actor(actor),
        data={"free_places": 4},
        reason=change_reason(actor),
    )
    assert _entries(service)[0].changed_by == "API-koppeling (Planning)"
    public = _entries(service, reveal=False)[0]
    assert (public.changed_by, public.reason) == ("API-koppeling", "api")


def test_a_confirmation_is_shown_as_nog_actueel(provider_user, service):
    services.capacity_confirm_current(capacity=service.capacity, actor=provider_user)
    newest = _entries(service)[0]
    assert (newest.kind, newest.changes) == ("confirmed", [])


def test_contact_and_location_changes_are_part_of_the_history(
    provider_user, provider_org, service
):
    location = factories.LocationFactory(organisation=provider_org, district=None)
    service.locations.add(location)
    haven = District.objects.get(slug="almere-haven")
    services.location_update(
        location=location, actor=provider_user, data={"district": haven}
    )
    services.service_update_details(
        service=service, actor=provider_user, data={"intake_phone": "036 123 45 67"}
    )
    services.organisation_update_contact(
        organisation=provider_org,
        actor=provider_user,
        data={"email": "info@example.org"},
    )
    changes = {
        (entry.subject, c.label, c.old, c.new)
        for entry in _entries(service)
        if entry.kind == "changed"
        for c in entry.changes
    }
    assert changes == {
        (f"Locatie {location.name}", "stadsdeel", "—", "Almere Haven"),
        ("Aanbod", "telefoon intake", "—", "036 123 45 67"),
        ("Organisatie", "e-mail", "—", "info@example.org"),
    }


def test_an_unchanged_save_adds_no_history(provider_user, service):
    before = len(_entries(service))
    services.capacity_update(
        capacity=service.capacity, actor=provider_user, data={"intake_wait_weeks": 2}
    )
    services.service_update_details(
        service=service, actor=provider_user, data={"description": service.description}
    )
    assert len(_entries(service)) == before


# --- the page ---------------------------------------------------------------------


def test_the_history_page_is_public_and_shows_old_to_new(
    client, named_user, service, provider_org
):
    services.capacity_update(
        capacity=service.capacity, actor=named_user, data={"intake_wait_weeks": 3}
    )
    response = client.get(reverse("provider:service-history", args=[service.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<del>2</del> → <ins>3</ins>" in page
    assert provider_org.name in page
    assert "Anna de Vries" not in page


def test_editors_and_the_municipality_see_names_on_the_history_page(
    client, named_user, municipality_user, outsider_user, service
):
    services.capacity_update(
        capacity=service.capacity, actor=named_user, data={"intake_wait_weeks": 3}
    )
    url = reverse("provider:service-history", args=[service.pk])
    for user, sees in [
        (named_user, True),
        (municipality_user, True),
        (outsider_user, False),
    ]:
        client.force_login(user)
        assert ("Anna de Vries" in client.get(url).content.decode()) is sees


def test_the_history_page_needs_a_fixed_number_of_queries(
    client, provider_user, service, django_assert_num_queries
):
    for places in range(3, 13):
        services.capacity_update(
            capacity=service.capacity,
            actor=provider_user,
            data={"free_places": places},
        )
    # service, capacity/service/location/organisation history, memberships of
    # the editors (for the public label).
    with django_assert_num_queries(6):
        response = client.get(reverse("provider:service-history", args=[service.pk]))
    # 10 changes plus the creation of the capacity and of the service
    assert len(response.context["page"].object_list) == 12


def test_the_history_of_an_inactive_service_is_hidden_from_the_public(
    client, provider_user, service
):
    service.active = False
    service.save()
    url = reverse("provider:service-history", args=[service.pk])
    assert client.get(url).status_code == 404
    client.force_login(provider_user)
    assert client.get(url).status_code == 200
