"""Provider self-service through the API, as /mijn/... on the pages: confirm
capacity as still current, change a service's details, the organisation's
contact data and its locations. Same permissions as the pages; bad input
changes nothing."""

from datetime import timedelta

from django.utils import timezone

import pytest
from rest_framework.test import APIClient

from registry.models import Capacity, Location, Organisation, Service
from tests import factories
from tests.api.helpers import assert_problem, logged_in, token_client

pytestmark = pytest.mark.django_db
API = "/api/v1"


def confirm_url(service) -> str:
    return f"{API}/services/{service.pk}/capacity/confirmation"


# --- "nog actueel" -------------------------------------------------------------------


def test_a_provider_confirms_its_capacity_is_still_current(provider_org, service):
    Capacity.objects.filter(service=service).update(
        updated_at=timezone.now() - timedelta(days=30)
    )
    response = token_client(provider_org, name="Planning").post(confirm_url(service))
    assert response.status_code == 200, response.content
    capacity = Capacity.objects.get(service=service)
    assert response.json()["stale"] is False
    assert response.json()["version"] == capacity.version == 2
    assert response["ETag"] == capacity.etag
    assert capacity.history.latest().history_change_reason == "api: Planning"
    assert (capacity.status, capacity.intake_wait_weeks) == ("open", 2)


def test_a_hoofdaanbieder_confirms_for_its_onderaannemer_not_the_reverse(
    provider_org, subcontractor_org, service, subcontractor_service
):
    response = token_client(provider_org).post(confirm_url(subcontractor_service))
    assert response.status_code == 200
    assert_problem(token_client(subcontractor_org).post(confirm_url(service)), 404)
    assert Capacity.objects.get(service=service).version == 1


def test_confirming_needs_a_token_or_session_of_the_provider(
    service, outsider_user, referrer_user
):
    assert_problem(APIClient().post(confirm_url(service)), 401)
    for user in (outsider_user, referrer_user):
        assert_problem(logged_in(user).post(confirm_url(service)), 404)
    assert Capacity.objects.get(service=service).history.count() == 1


# --- service details ----------------------------------------------------------------


def test_a_provider_changes_a_services_details(provider_org, service):
    response = token_client(provider_org).patch(
        f"{API}/services/{service.pk}",
        {"how_to_refer": "Bel ons.", "intake": {"phone": "036 765 43 21"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["how_to_refer"] == "Bel ons."
    assert body["intake"] == {"phone": "036 765 43 21", "email": ""}
    assert body["description"] == service.description
    service.refresh_from_db()
    assert (service.how_to_refer, service.intake_phone) == ("Bel ons.", "036 765 43 21")
    assert service.history.latest().history_change_reason.startswith("api")


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"intake": {"phone": "bel maar"}}, "intake.phone"),
        ({"intake": {"email": "geen-adres"}}, "intake.email"),
        ({"intake": {"fax": "1"}}, "intake.fax"),
        ({"name": "Nieuwe naam"}, "name"),
        ({}, "nonFieldErrors"),
        ({"description": None}, "description"),
    ],
)
def test_bad_service_details_are_400_naming_the_field_and_change_nothing(
    provider_org, service, body, name
):
    history = service.history.count()
    response = token_client(provider_org).patch(
        f"{API}/services/{service.pk}", body, format="json"
    )
    assert_problem(response, 400, name)
    assert service.history.count() == history
    assert Service.objects.get(pk=service.pk).intake_phone == ""


def test_only_the_provider_changes_its_services(service, outsider_org, provider_user):
    url = f"{API}/services/{service.pk}"
    assert_problem(APIClient().patch(url, {"description": "x"}, format="json"), 401)
    outsider = token_client(outsider_org)
    assert_problem(outsider.patch(url, {"description": "x"}, format="json"), 404)
    form = logged_in(provider_user).patch(
        url, "description=x", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(form, 415)
    assert Service.objects.get(pk=service.pk).description != "x"


# --- organisation and locations -----------------------------------------------------


def test_a_provider_changes_its_contact_data(provider_org):
    response = token_client(provider_org).patch(
        f"{API}/organisations/{provider_org.slug}",
        {"phone": "036 111 22 33", "website": "https://example.org"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "phone": "036 111 22 33",
        "email": "",
        "website": "https://example.org",
    }
    assert Organisation.objects.get(pk=provider_org.pk).phone == "036 111 22 33"


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"phone": "nul-zes"}, "phone"),
        ({"email": "x"}, "email"),
        ({"name": "Andere naam"}, "name"),
        ({"kvk": "12345678"}, "kvk"),
    ],
)
def test_bad_contact_data_is_400_naming_the_field(provider_org, body, name):
    response = token_client(provider_org).patch(
        f"{API}/organisations/{provider_org.slug}", body, format="json"
    )
    assert_problem(response, 400, name)
    assert Organisation.objects.get(pk=provider_org.pk).name == provider_org.name


def test_another_organisation_is_not_found(provider_org, outsider_org, referrer_user):
    url = f"{API}/organisations/{outsider_org.slug}"
    for client in (token_client(provider_org), logged_in(referrer_user)):
        assert_problem(client.patch(url, {"phone": ""}, format="json"), 404)
    assert_problem(APIClient().patch(url, {"phone": ""}, format="json"), 401)


def test_a_provider_adds_and_changes_a_location(provider_org):
    client = token_client(provider_org)
    url = f"{API}/organisations/{provider_org.slug}/locations"
    created = client.post(
        url,
        {"name": "Vestiging Haven", "postcode": "1351ab", "district": "almere-haven"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["is_main"], body["postcode"]) == (True, "1351 AB")
    assert body["district"] == {"slug": "almere-haven", "name": "Almere Haven"}
    changed = client.patch(
        f"{url}/{body['id']}",
        {"phone": "036 555 00 11", "district": None},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    location = Location.objects.get(pk=body["id"])
    assert (location.phone, location.district) == ("036 555 00 11", None)


def test_a_location_is_written_and_read_as_its_bag_parts(provider_org):
    client = token_client(provider_org)
    url = f"{API}/organisations/{provider_org.slug}/locations"
    created = client.post(
        url,
        {
            "name": "Vestiging Kalkovenweg",
            "street": "Kalkovenweg",
            "house_number": 12,
            "house_letter": "a",
            "house_number_addition": "2",
            "postcode": "1356tl",
            "city": "Almere",
            "latitude": 52.33682,
            "longitude": 5.21772,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body == {
        "id": body["id"],
        "name": "Vestiging Kalkovenweg",
        "is_main": True,
        "address": "Kalkovenweg 12A-2",
        "street": "Kalkovenweg",
        "house_number": 12,
        "house_letter": "A",
        "house_number_addition": "2",
        "postcode": "1356 TL",
        "city": "Almere",
        "district": None,
        "phone": "",
        "latitude": 52.33682,
        "longitude": 5.21772,
    }
    changed = client.patch(
        f"{url}/{body['id']}",
        {"house_letter": "", "house_number_addition": "", "latitude": 52.3369},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["address"], changed.json()["latitude"]) == (
        "Kalkovenweg 12",
        52.3369,
    )


def test_a_bad_location_change_names_the_field_and_changes_nothing(provider_org):
    location = factories.LocationFactory(organisation=provider_org)
    url = f"{API}/organisations/{provider_org.slug}/locations/{location.pk}"
    client = token_client(provider_org)
    for body, name in (
        ({"house_number": 0}, "house_number"),
        ({"house_number": None, "house_letter": "A"}, "house_letter"),
        ({"latitude": 40.0, "longitude": 5.0}, "latitude"),
        ({"address": "Sluis 3"}, "address"),
    ):
        assert_problem(client.patch(url, body, format="json"), 400, name)
    location.refresh_from_db()
    assert (location.address, location.latitude, location.history.count()) == (
        "Stadhuisplein 1",
        None,
        1,
    )


def test_html_in_a_street_is_kept_as_text(provider_org):
    street = "<script>alert(1)</script>straat"
    response = token_client(provider_org).post(
        f"{API}/organisations/{provider_org.slug}/locations",
        {"name": "X", "street": street, "city": "=1+1"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    assert (response.json()["street"], response.json()["city"]) == (street, "=1+1")


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"name": "X", "postcode": "1351"}, "postcode"),
        ({"name": "X", "district": "atlantis"}, "district"),
        ({"name": "X", "is_main": True}, "is_main"),
        ({"street": "Zonder naam", "house_number": 1}, "name"),
        ({"address": "Sluis 3"}, "address"),  # composed, not writable
        ({"name": "X", "house_number": 0}, "house_number"),
        ({"name": "X", "house_number": 100000}, "house_number"),
        ({"name": "X", "house_number": 1, "house_letter": "AB"}, "house_letter"),
        ({"name": "X", "house_number": 1, "house_letter": "1"}, "house_letter"),
        ({"name": "X", "house_letter": "A"}, "house_letter"),
        (
            {"name": "X", "house_number": 1, "house_number_addition": "a-b"},
            ("house_number_addition"),
        ),
        ({"name": "X", "latitude": 48.85, "longitude": 2.35}, "latitude"),
        ({"name": "X", "latitude": 52.37}, "longitude"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_location_is_400_naming_the_field_and_stores_nothing(
    provider_org, body, name
):
    response = token_client(provider_org).post(
        f"{API}/organisations/{provider_org.slug}/locations", body, format="json"
    )
    assert_problem(response, 400, name)
    assert not Location.objects.exists()


def test_another_organisations_location_is_not_found(provider_org, outsider_org):
    location = factories.LocationFactory(organisation=outsider_org)
    client = token_client(provider_org)
    for url in (
        f"{API}/organisations/{outsider_org.slug}/locations/{location.pk}",
        f"{API}/organisations/{provider_org.slug}/locations/{location.pk}",
    ):
        assert_problem(client.patch(url, {"phone": ""}, format="json"), 404)
    create = client.post(
        f"{API}/organisations/{outsider_org.slug}/locations",
        {"name": "X"},
        format="json",
    )
    assert_problem(create, 404)
    assert Location.objects.count() == 1
