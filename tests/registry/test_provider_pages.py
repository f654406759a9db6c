"""Provider pages (/mijn/...): who may read-for-edit and change what, and that bad
input changes nothing."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from registry.models import Capacity, Location, Organisation, Service
from tests import factories

pytestmark = pytest.mark.django_db


def _capacity_post(service, **values):
    """A capacity form submission as the page sends it."""
    capacity = Capacity.objects.get(service=service)
    data = {
        "status": capacity.status,
        "intake_wait_weeks": capacity.intake_wait_weeks or "",
        "treatment_wait_weeks": capacity.treatment_wait_weeks or "",
        "free_places": capacity.free_places if capacity.free_places is not None else "",
        "note": capacity.note,
        "version": capacity.version,
        **values,
    }
    return {f"s{service.pk}-{name}": value for name, value in data.items()}


def _snapshot(service):
    capacity = Capacity.objects.get(service=service)
    return (
        capacity.status,
        capacity.intake_wait_weeks,
        capacity.version,
        capacity.updated_at,
        capacity.history.count(),
    )


def _service_snapshot(service):
    fresh = Service.objects.get(pk=service.pk)
    return (fresh.intake_phone, fresh.description, fresh.history.count())


# --- anonymous users are sent to log in ---------------------------------------


@pytest.mark.parametrize(
    ("name", "needs_pk", "method"),
    [
        ("provider:my-services", False, "get"),
        ("provider:capacity-confirm-all", False, "post"),
        ("provider:service-edit", True, "get"),
        ("provider:service-edit", True, "post"),
        ("provider:capacity-update", True, "post"),
        ("provider:capacity-confirm", True, "post"),
        ("provider:organisation-edit", True, "get"),
        ("provider:location-create", True, "post"),
        ("provider:location-edit", True, "get"),
        ("provider:tokens", False, "get"),
        ("provider:token-revoke", True, "post"),
    ],
)
def test_anonymous_users_are_sent_to_log_in(client, service, name, needs_pk, method):
    url = reverse(name, args=[service.pk] if needs_pk else [])
    before = _snapshot(service)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert _snapshot(service) == before


# --- another organisation's data is not found ---------------------------------


@pytest.mark.parametrize(
    "name",
    ["provider:service-edit", "provider:capacity-update", "provider:capacity-confirm"],
)
def test_an_outsider_cannot_read_for_edit_or_change_a_service(
    client, outsider_user, service, name
):
    client.force_login(outsider_user)
    before = _snapshot(service)
    url = reverse(name, args=[service.pk])
    assert client.get(url).status_code in (404, 405)
    response = client.post(url, _capacity_post(service, intake_wait_weeks=9))
    assert response.status_code == 404
    assert _snapshot(service) == before


def test_an_outsider_cannot_change_a_services_contact_data(
    client, outsider_user, service
):
    client.force_login(outsider_user)
    before = _service_snapshot(service)
    response = client.post(
        reverse("provider:service-edit", args=[service.pk]),
        {"description": "Gekaapt", "intake_phone": "036 111 22 33"},
    )
    assert response.status_code == 404
    assert _service_snapshot(service) == before


def test_an_outsider_cannot_edit_an_organisation_or_its_locations(
    client, outsider_user, provider_org
):
    location = factories.LocationFactory(organisation=provider_org)
    client.force_login(outsider_user)
    org_url = reverse("provider:organisation-edit", args=[provider_org.pk])
    assert client.get(org_url).status_code == 404
    assert client.post(org_url, {"phone": "036 111 22 33"}).status_code == 404
    loc_url = reverse("provider:location-edit", args=[location.pk])
    assert client.get(loc_url).status_code == 404
    assert client.post(loc_url, {"name": "Gekaapt"}).status_code == 404
    new_url = reverse("provider:location-create", args=[provider_org.pk])
    assert client.post(new_url, {"name": "Nieuw"}).status_code == 404
    provider_org.refresh_from_db()
    assert provider_org.phone == ""
    assert list(Location.objects.values_list("name", flat=True)) == [location.name]


def test_an_onderaannemer_cannot_edit_its_hoofdaanbieders_service(
    client, subcontractor_user, service, provider_org
):
    client.force_login(subcontractor_user)
    before = _snapshot(service)
    edit = reverse("provider:service-edit", args=[service.pk])
    assert client.get(edit).status_code == 404
    update = reverse("provider:capacity-update", args=[service.pk])
    assert (
        client.post(update, _capacity_post(service, intake_wait_weeks=9)).status_code
        == 404
    )
    org = reverse("provider:organisation-edit", args=[provider_org.pk])
    assert client.get(org).status_code == 404
    assert _snapshot(service) == before


def test_a_hoofdaanbieder_can_edit_its_onderaannemers_service(
    client, provider_user, subcontractor_service, subcontractor_org
):
    client.force_login(provider_user)
    url = reverse("provider:capacity-update", args=[subcontractor_service.pk])
    response = client.post(
        url,
        _capacity_post(subcontractor_service, intake_wait_weeks=7, status="waitlist"),
    )
    assert response.status_code == 302
    capacity = Capacity.objects.get(service=subcontractor_service)
    assert (capacity.status, capacity.intake_wait_weeks) == ("waitlist", 7)
    assert capacity.history.latest().history_user == provider_user
    org_url = reverse("provider:organisation-edit", args=[subcontractor_org.pk])
    assert client.get(org_url).status_code == 200


def test_a_referrer_has_no_services_to_edit(client, referrer_user, service):
    client.force_login(referrer_user)
    response = client.get(reverse("provider:my-services"))
    assert response.status_code == 200
    assert service.name not in response.content.decode()
    assert "geen medewerker van een aanbieder" in response.content.decode()
    edit = reverse("provider:service-edit", args=[service.pk])
    assert client.get(edit).status_code == 404


# --- the list -----------------------------------------------------------------


def test_the_list_shows_own_and_subcontractors_services_but_not_others(
    client, provider_user, service, subcontractor_service, outsider_service
):
    client.force_login(provider_user)
    page = client.get(reverse("provider:my-services")).content.decode()
    assert service.name in page
    assert subcontractor_service.name in page
    assert outsider_service.name not in page


def test_an_onderaannemer_sees_only_its_own_services(
    client, subcontractor_user, service, subcontractor_service
):
    client.force_login(subcontractor_user)
    page = client.get(reverse("provider:my-services")).content.decode()
    assert subcontractor_service.name in page
    assert service.name not in page


def test_stale_services_are_flagged_and_listed_first(
    client, provider_user, provider_org, perceel
):
    old = timezone.now() - timedelta(days=30)
    factories.ServiceFactory(organisation=provider_org, perceel=perceel, name="A vers")
    factories.ServiceFactory(
        organisation=provider_org,
        perceel=perceel,
        name="Z oud",
        capacity__updated_at=old,
    )
    client.force_login(provider_user)
    response = client.get(reverse("provider:my-services"))
    page = response.content.decode()
    assert page.index("Z oud") < page.index("A vers")
    assert "1 aanbod is verouderd" in page
    services = [row[0] for _org, rows in response.context["groups"] for row in rows]
    assert [(s.name, s.capacity_is_stale) for s in services] == [
        ("Z oud", True),
        ("A vers", False),
    ]


def test_the_stale_filter_lists_only_stale_services(
    client, provider_user, provider_org, perceel
):
    factories.ServiceFactory(organisation=provider_org, perceel=perceel, name="Vers")
    factories.ServiceFactory(
        organisation=provider_org,
        perceel=perceel,
        name="Oud",
        capacity__updated_at=timezone.now() - timedelta(days=30),
    )
    client.force_login(provider_user)
    response = client.get(reverse("provider:my-services") + "?verouderd=1")
    assert response.context["service_count"] == 1
    assert "Oud" in response.content.decode()


def test_the_municipality_sees_stale_services_of_all_providers_by_default(
    client, municipality_user, provider_org, outsider_org, perceel
):
    old = timezone.now() - timedelta(days=30)
    factories.ServiceFactory(
        organisation=provider_org, perceel=perceel, capacity__updated_at=old
    )
    factories.ServiceFactory(
        organisation=outsider_org, perceel=perceel, capacity__updated_at=old
    )
    factories.ServiceFactory(organisation=outsider_org, perceel=perceel)
    client.force_login(municipality_user)
    response = client.get(reverse("provider:my-services"))
    assert response.context["service_count"] == 2
    assert response.context["stale_only"]


def _list_queries(client, count, provider_org, perceel):
    for _ in range(count):
        factories.ServiceFactory(organisation=provider_org, perceel=perceel)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("provider:my-services"))
    assert response.status_code == 200
    assert response.context["service_count"] == count
    return len(queries)


def test_the_list_needs_the_same_queries_for_3_and_20_services(
    client, provider_user, provider_org, perceel, django_assert_num_queries
):
    client.force_login(provider_user)
    small = _list_queries(client, 3, provider_org, perceel)
    Service.objects.all().delete()
    large = _list_queries(client, 20, provider_org, perceel)
    # session, user, memberships, current subcontracts, services (with capacity,
    # organisation, perceel), organisations for the filter.
    assert small == large == 6


# --- capacity -----------------------------------------------------------------


def test_a_provider_updates_waiting_times_and_history_records_it(
    client, provider_user, service
):
    client.force_login(provider_user)
    response = client.post(
        reverse("provider:capacity-update", args=[service.pk]),
        _capacity_post(service, intake_wait_weeks=3, treatment_wait_weeks=9),
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("provider:my-services"))
    capacity = Capacity.objects.get(service=service)
    assert (capacity.intake_wait_weeks, capacity.treatment_wait_weeks) == (3, 9)
    assert capacity.version == 2
    assert capacity.updated_by == provider_user
    record = capacity.history.latest()
    assert record.history_user == provider_user


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("intake_wait_weeks", 300, "hoogstens 260"),
        ("treatment_wait_weeks", -1, "minstens 0"),
        ("status", "vol", "geen beschikbare keuze"),
        ("free_places", "veel", "geheel getal"),
    ],
)
def test_bad_capacity_input_names_the_field_and_changes_nothing(
    client, provider_user, service, field, value, message
):
    client.force_login(provider_user)
    before = _snapshot(service)
    response = client.post(
        reverse("provider:capacity-update", args=[service.pk]),
        _capacity_post(service, **{field: value}),
    )
    assert response.status_code == 400
    form = response.context["capacity_form"]
    assert list(form.errors) == [field]
    assert message in " ".join(form.errors[field])
    assert 'aria-invalid="true"' in response.content.decode()
    assert _snapshot(service) == before


def test_saving_the_capacity_form_is_eight_queries(
    client, provider_user, service, django_assert_num_queries
):
    client.force_login(provider_user)
    url = reverse("provider:capacity-update", args=[service.pk])
    data = _capacity_post(service, intake_wait_weeks=3)
    # 1 session, 2 user, 3 memberships, 4 provider scope, 5 the service with
    # its capacity, 6 the capacity locked, 7 UPDATE, 8 the history row; plus
    # SAVEPOINT/RELEASE (the test's transaction). The form's model validation
    # does not re-check the CheckConstraints with queries.
    with django_assert_num_queries(8 + 2):
        response = client.post(url, data)
    assert response.status_code == 302
    assert Capacity.objects.get(service=service).intake_wait_weeks == 3


def test_a_stale_form_does_not_overwrite_a_newer_change(client, provider_user, service):
    client.force_login(provider_user)
    url = reverse("provider:capacity-update", args=[service.pk])
    stale_form = _capacity_post(service, intake_wait_weeks=3)
    assert (
        client.post(url, _capacity_post(service, intake_wait_weeks=4)).status_code
        == 302
    )
    before = _snapshot(service)
    response = client.post(url, stale_form)
    assert response.status_code == 409
    assert "intussen gewijzigd" in response.content.decode()
    assert _snapshot(service) == before
    assert Capacity.objects.get(service=service).intake_wait_weeks == 4


def test_nog_actueel_confirms_one_service_without_changing_figures(
    client, provider_user, service, subcontractor_service
):
    Capacity.objects.filter(service=service).update(
        updated_at=timezone.now() - timedelta(days=30)
    )
    other_before = _snapshot(subcontractor_service)
    client.force_login(provider_user)
    response = client.post(reverse("provider:capacity-confirm", args=[service.pk]))
    assert response.status_code == 302
    capacity = Capacity.objects.get(service=service)
    assert not capacity.is_stale
    assert (capacity.status, capacity.intake_wait_weeks, capacity.version) == (
        "open",
        2,
        2,
    )
    assert capacity.history.latest().history_change_reason == "nog actueel"
    assert _snapshot(subcontractor_service) == other_before


def test_alles_nog_actueel_confirms_every_editable_service_and_no_other(
    client, provider_user, service, subcontractor_service, outsider_service
):
    old = timezone.now() - timedelta(days=30)
    Capacity.objects.update(updated_at=old)
    client.force_login(provider_user)
    url = reverse("provider:capacity-confirm-all")
    # First a page that lists what will be confirmed; nothing changes yet.
    response = client.post(url)
    assert response.status_code == 200
    assert service.name in response.text
    assert subcontractor_service.name in response.text
    assert outsider_service.name not in response.text
    assert all(c.is_stale for c in Capacity.objects.all())
    response = client.post(url, {"confirmed": "1"})
    assert response.status_code == 302
    fresh = {c.service_id: c.is_stale for c in Capacity.objects.all()}
    assert fresh == {
        service.pk: False,
        subcontractor_service.pk: False,
        outsider_service.pk: True,
    }


def test_alles_nog_actueel_can_be_limited_to_one_organisation(
    client, provider_user, service, subcontractor_service, provider_org
):
    Capacity.objects.update(updated_at=timezone.now() - timedelta(days=30))
    client.force_login(provider_user)
    client.post(
        reverse("provider:capacity-confirm-all"),
        {"organisatie": provider_org.pk, "confirmed": "1"},
    )
    assert not Capacity.objects.get(service=service).is_stale
    assert Capacity.objects.get(service=subcontractor_service).is_stale


def test_the_next_parameter_cannot_redirect_elsewhere(client, provider_user, service):
    client.force_login(provider_user)
    response = client.post(
        reverse("provider:capacity-confirm", args=[service.pk]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"].startswith(reverse("provider:my-services"))


# --- contact data, locations ---------------------------------------------------


def test_a_provider_updates_a_services_contact_data(client, provider_user, service):
    client.force_login(provider_user)
    response = client.post(
        reverse("provider:service-edit", args=[service.pk]),
        {
            "description": "Nieuwe omschrijving",
            "how_to_refer": "Bel de intakelijn.",
            "intake_phone": "036 123 45 67",
            "intake_email": "intake@example.org",
        },
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.intake_phone, service.description) == (
        "036 123 45 67",
        "Nieuwe omschrijving",
    )
    record = service.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        provider_user,
        "gegevens bijgewerkt",
    )


def test_a_bad_intake_phone_names_the_field_and_changes_nothing(
    client, provider_user, service
):
    client.force_login(provider_user)
    before = _service_snapshot(service)
    response = client.post(
        reverse("provider:service-edit", args=[service.pk]),
        {"description": "Anders", "intake_phone": "bel maar", "intake_email": "x"},
    )
    assert response.status_code == 400
    form = response.context["details_form"]
    assert set(form.errors) == {"intake_phone", "intake_email"}
    assert "telefoonnummer" in form.errors["intake_phone"][0]
    assert _service_snapshot(service) == before


def test_the_organisations_contact_data_can_be_updated(
    client, provider_user, provider_org
):
    client.force_login(provider_user)
    url = reverse("provider:organisation-edit", args=[provider_org.pk])
    bad = client.post(url, {"phone": "", "email": "geen-adres", "website": ""})
    assert bad.status_code == 400
    assert list(bad.context["form"].errors) == ["email"]
    provider_org.refresh_from_db()
    assert provider_org.email == ""
    good = client.post(
        url,
        {"phone": "036 000 11 22", "email": "info@example.org", "website": ""},
    )
    assert good.status_code == 302
    provider_org.refresh_from_db()
    assert (provider_org.phone, provider_org.email) == (
        "036 000 11 22",
        "info@example.org",
    )
    assert provider_org.history.latest().history_user == provider_user


def _location_post(**values):
    return {
        "name": "Vestiging Haven",
        "street": "Havenplein",
        "house_number": "1",
        "house_letter": "",
        "house_number_addition": "",
        "postcode": "1354ab",
        "city": "Almere",
        "district": "",
        "phone": "",
        "latitude": "",
        "longitude": "",
        **values,
    }


def test_a_first_location_becomes_the_main_address(client, provider_user, provider_org):
    client.force_login(provider_user)
    url = reverse("provider:location-create", args=[provider_org.pk])
    assert client.post(url, _location_post()).status_code == 302
    assert client.post(url, _location_post(name="Tweede")).status_code == 302
    rows = list(
        Location.objects.filter(organisation=provider_org).values_list(
            "name", "is_main", "postcode"
        )
    )
    assert rows == [("Vestiging Haven", True, "1354 AB"), ("Tweede", False, "1354 AB")]


def test_a_bad_postcode_creates_no_location(client, provider_user, provider_org):
    client.force_login(provider_user)
    response = client.post(
        reverse("provider:location-create", args=[provider_org.pk]),
        _location_post(postcode="12345"),
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["postcode"]
    assert not Location.objects.exists()


def test_a_location_edit_is_recorded(client, provider_user, provider_org):
    location = factories.LocationFactory(organisation=provider_org)
    client.force_login(provider_user)
    response = client.post(
        reverse("provider:location-edit", args=[location.pk]),
        _location_post(name=location.name, phone="036 555 66 77"),
    )
    assert response.status_code == 302
    location.refresh_from_db()
    assert location.phone == "036 555 66 77"
    assert location.history.latest().history_user == provider_user


def test_contracts_are_not_editable_on_the_provider_pages(
    client, provider_user, provider_org
):
    client.force_login(provider_user)
    url = reverse("provider:organisation-edit", args=[provider_org.pk])
    client.post(url, {"phone": "", "email": "", "website": "", "kind": "gemeente"})
    provider_org.refresh_from_db()
    assert provider_org.kind == Organisation.Kind.HOOFDAANBIEDER
    assert provider_org.contracts.count() == 1


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "2 aanbiedingen zijn verouderd"), ("en", "2 services are out of date")],
)
def test_the_stale_count_reads_right_in_the_plural(
    client, settings, provider_user, provider_org, perceel, language, expected
):
    old = timezone.now() - timedelta(days=30)
    for name in ("Oud 1", "Oud 2"):
        factories.ServiceFactory(
            organisation=provider_org,
            perceel=perceel,
            name=name,
            capacity__updated_at=old,
        )
    client.force_login(provider_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("provider:my-services")).content.decode()
    assert expected in page
