"""Locations keep the address as the BAG does (street, house number, letter,
addition, postcode, city) and providers fill it from PDOK Locatieserver: a local
HTTP server here (tests/pdok_server.py) answering with responses written by
hand after Locatieserver's documented format (tests/fixtures/README.md), since
PDOK cannot be reached from where these tests were written."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

import pytest

from registry import hsds, pdok
from registry.models import Location
from registry.services import service_refresh_search
from registry.validators import compose_address_line, split_address_line
from tests import factories
from tests.pdok_server import pdok as pdok_server  # noqa: F401 - the fixture
from tests.registry.search_data import make_service
from tests.registry.test_export_catalogue import export, read_rows

pytestmark = pytest.mark.django_db

Q12 = "postcode:1356TL AND huisnummer:12"
Q14 = "postcode:1356TL AND huisnummer:14"
Q16 = "postcode:1356TL AND huisnummer:16"


@pytest.fixture
def pdok_answers(pdok_server):  # noqa: F811
    pdok_server.answer(Q12, "pdok_adres_1356TL_12.json")
    pdok_server.answer(Q14, "pdok_adres_1356TL_14.json")
    pdok_server.answer(Q16, "pdok_adres_1356TL_16_hostile.json")
    return pdok_server


def _snapshot(location):
    location.refresh_from_db()
    return (
        location.name,
        location.street,
        location.house_number,
        location.house_letter,
        location.house_number_addition,
        location.postcode,
        location.city,
        location.latitude,
        location.longitude,
        location.history.count(),
    )


def _form(**values):
    return {
        "name": "Vestiging Haven",
        "postcode": "1356 tl",
        "house_number": "12",
        "house_letter": "",
        "house_number_addition": "",
        "street": "",
        "city": "",
        "district": "",
        "phone": "",
        "latitude": "",
        "longitude": "",
        **values,
    }


# --- splitting and composing the street line -----------------------------------


@pytest.mark.parametrize(
    ("line", "parts"),
    [
        ("Kalkovenweg 12", ("Kalkovenweg", 12, "", "")),
        ("Kalkovenweg 12A", ("Kalkovenweg", 12, "A", "")),
        ("Kalkovenweg 12 a", ("Kalkovenweg", 12, "A", "")),
        ("Kalkovenweg 12-2", ("Kalkovenweg", 12, "", "2")),
        ("Kalkovenweg 12A-bis", ("Kalkovenweg", 12, "A", "bis")),
        ("Grote Markt 3 hs", ("Grote Markt", 3, "", "hs")),
        ("Laan van 40-45  7", ("Laan van 40-45", 7, "", "")),
        ("1e Jan Steenstraat 4", ("1e Jan Steenstraat", 4, "", "")),
        # No recognisable number at the end: kept whole in the street.
        ("Stationsplein", ("Stationsplein", None, "", "")),
        ("Hoofdstraat 123456", ("Hoofdstraat 123456", None, "", "")),
        ("Kalkovenweg 0", ("Kalkovenweg 0", None, "", "")),
        ("", ("", None, "", "")),
    ],
)
def test_an_address_line_is_split_into_the_bag_parts(line, parts):
    split = split_address_line(line)
    assert (
        split["street"],
        split["house_number"],
        split["house_letter"],
        split["house_number_addition"],
    ) == parts


def test_the_composed_line_is_written_as_the_bag_does():
    assert compose_address_line("Kalkovenweg", 12, "A", "2") == "Kalkovenweg 12A-2"
    assert compose_address_line("Kalkovenweg", 12) == "Kalkovenweg 12"
    assert compose_address_line("Stationsplein", None) == "Stationsplein"
    location = factories.LocationFactory.build(
        street="Kalkovenweg",
        house_number=12,
        house_letter="A",
        house_number_addition="2",
        postcode="1356 TL",
        city="Almere",
    )
    assert location.full_address == "Kalkovenweg 12A-2, 1356 TL Almere"


# --- validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"house_number": 0}, "house_number", "1 tot en met 99999"),
        ({"house_number": 100000}, "house_number", "1 tot en met 99999"),
        ({"house_letter": "AB"}, "house_letter", "één letter"),
        ({"house_letter": "1"}, "house_letter", "één letter"),
        ({"house_number_addition": "abcde"}, "house_number_addition", "4 letters"),
        ({"house_number_addition": "a-b"}, "house_number_addition", "4 letters"),
        ({"house_number": None, "house_letter": "A"}, "house_letter", "huisnummer"),
        ({"postcode": "1356"}, "postcode", "1315 AB"),
        ({"latitude": Decimal("48.85"), "longitude": Decimal("2.35")}, "latitude", ""),
        ({"latitude": Decimal("52.3")}, "longitude", "beide"),
    ],
)
def test_a_bad_address_part_is_refused_naming_the_field(
    provider_org, values, field, message
):
    location = factories.LocationFactory(organisation=provider_org)
    before = _snapshot(location)
    for name, value in values.items():
        setattr(location, name, value)
    with pytest.raises(ValidationError) as error:
        location.full_clean()
    assert field in error.value.message_dict
    assert message in " ".join(error.value.message_dict[field])
    assert _snapshot(location) == before


@pytest.mark.parametrize(
    "values",
    [
        {"house_number": 0},
        {"house_letter": "!"},
        {"house_number_addition": "a-b"},
        {"latitude": Decimal("40.00000"), "longitude": Decimal("5.00000")},
    ],
)
def test_the_database_refuses_what_validation_refuses(provider_org, values):
    location = factories.LocationFactory(organisation=provider_org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.filter(pk=location.pk).update(**values)


# --- PDOK Locatieserver -------------------------------------------------------------


def test_pdok_gives_the_bag_address_with_its_coordinates(pdok_answers):
    answer = pdok.address_lookup("1356 TL", 12)
    assert answer.address == pdok.Address(
        street="Kalkovenweg",
        house_number=12,
        house_letter="",
        house_number_addition="",
        postcode="1356 TL",
        city="Almere",
        latitude=52.3368214,
        longitude=5.21772341,
        label="Kalkovenweg 12, 1356TL Almere",
    )
    request = pdok_answers.requests[-1]
    assert (request["path"], request["q"], request["fq"]) == (
        "/search/v3_1/free",
        Q12,
        "type:adres",
    )
    # Cached: asking again does not ask PDOK.
    pdok.address_lookup("1356TL", 12)
    assert len(pdok_answers.requests) == 1


def test_a_number_with_several_addresses_offers_them(pdok_answers):
    answer = pdok.address_lookup("1356 TL", 14)
    assert answer.address is None
    assert answer.alternatives == ("14-1", "14-2", "14A")
    assert pdok.address_lookup("1356 TL", 14, "a").address.house_letter == "A"
    found = pdok.address_lookup("1356 TL", 14, "", "2").address
    assert found.house_number_addition == "2"


def test_pdok_down_is_unavailable_not_an_error(pdok_answers):
    pdok_answers.broken = True
    with pytest.raises(pdok.Unavailable):
        pdok.address_lookup("1356 TL", 12)


# --- the provider's form (without JavaScript) ---------------------------------------


def test_the_form_offers_the_lookup_the_map_and_no_inline_script(
    client, provider_user, provider_org
):
    client.force_login(provider_user)
    response = client.get(reverse("provider:location-create", args=[provider_org.pk]))
    assert response.status_code == 200
    page = response.text
    assert 'name="lookup"' in page
    assert 'id="location-map"' in page
    assert "js/location-form.js" in page
    assert "<script>" not in page
    for name in ("postcode", "house_number", "house_letter", "street", "latitude"):
        assert f'name="{name}"' in page


def test_zoek_adres_fills_the_form_and_saves_nothing(
    client, provider_user, provider_org, pdok_answers
):
    client.force_login(provider_user)
    url = reverse("provider:location-create", args=[provider_org.pk])
    response = client.post(url, _form(name="", lookup="1"))
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound  # shown again, filled in, not yet saved
    assert {k: form.initial[k] for k in ("street", "city", "postcode")} == {
        "street": "Kalkovenweg",
        "city": "Almere",
        "postcode": "1356 TL",
    }
    assert (form.initial["latitude"], form.initial["longitude"]) == (
        "52.33682",
        "5.21772",
    )
    assert "Adres gevonden: Kalkovenweg 12, 1356TL Almere" in response.text
    assert 'value="Kalkovenweg"' in response.text
    assert not Location.objects.exists()


def test_the_filled_form_saves_the_parts_and_the_pin(
    client, provider_user, provider_org, pdok_answers
):
    client.force_login(provider_user)
    url = reverse("provider:location-create", args=[provider_org.pk])
    values = _form(
        street="Kalkovenweg",
        city="Almere",
        latitude="52.33682",
        longitude="5.21772",
        house_letter="a",
    )
    assert client.post(url, values).status_code == 302
    location = Location.objects.get()
    assert (
        location.street,
        location.house_number,
        location.house_letter,
        location.postcode,
        location.city,
        location.latitude,
        location.longitude,
    ) == (
        "Kalkovenweg",
        12,
        "A",
        "1356 TL",
        "Almere",
        Decimal("52.33682"),
        Decimal("5.21772"),
    )
    assert location.address == "Kalkovenweg 12A"
    assert location.history.latest().history_user == provider_user


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"postcode": "12345"}, "postcode"),
        ({"postcode": ""}, "postcode"),
        ({"house_number": "abc"}, "house_number"),
        ({"house_number": ""}, "house_number"),
        ({"house_number": "100000"}, "house_number"),
        ({"house_letter": "%"}, "house_letter"),
        ({"house_number_addition": "a' OR 1"}, "house_number_addition"),
    ],
)
def test_a_bad_lookup_names_the_field_and_asks_pdok_nothing(
    client, provider_user, provider_org, pdok_answers, values, field
):
    client.force_login(provider_user)
    url = reverse("provider:location-create", args=[provider_org.pk])
    response = client.post(url, _form(lookup="1", **values))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert pdok_answers.requests == []
    assert not Location.objects.exists()


def test_an_unknown_address_says_so_on_the_house_number(
    client, provider_user, provider_org, pdok_answers
):
    client.force_login(provider_user)
    url = reverse("provider:location-create", args=[provider_org.pk])
    response = client.post(url, _form(lookup="1", house_number="99"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["house_number"]
    assert "Geen adres gevonden" in errors["house_number"][0]
    ambiguous = client.post(url, _form(lookup="1", house_number="14"))
    assert "14-1, 14-2, 14A" in ambiguous.context["form"].errors["house_number"][0]
    assert not Location.objects.exists()


def test_without_pdok_the_form_keeps_the_input_and_works_by_hand(
    client, provider_user, provider_org, pdok_answers
):
    pdok_answers.broken = True
    client.force_login(provider_user)
    url = reverse("provider:location-create", args=[provider_org.pk])
    response = client.post(url, _form(lookup="1", name="Vestiging Haven"))
    assert response.status_code == 200
    assert "PDOK is niet bereikbaar" in response.text
    assert "notice--warning" in response.text
    assert response.context["form"].initial["postcode"] == "1356 tl"
    assert 'value="Vestiging Haven"' in response.text
    assert not Location.objects.exists()
    by_hand = _form(street="Kalkovenweg", city="Almere")
    assert client.post(url, by_hand).status_code == 302
    assert Location.objects.get().address == "Kalkovenweg 12"


def test_the_pin_can_be_corrected_but_not_moved_out_of_the_country(
    client, provider_user, provider_org
):
    location = factories.LocationFactory(
        organisation=provider_org,
        latitude=Decimal("52.33682"),
        longitude=Decimal("5.21772"),
    )
    client.force_login(provider_user)
    url = reverse("provider:location-edit", args=[location.pk])
    before = _snapshot(location)
    common = _form(
        name=location.name,
        postcode="1315 HR",
        house_number="1",
        street="Stadhuisplein",
        city="Almere",
    )
    abroad = client.post(url, {**common, "latitude": "48.85661", "longitude": "2.35"})
    assert abroad.status_code == 400
    assert set(abroad.context["form"].errors) == {"latitude", "longitude"}
    one = client.post(url, {**common, "latitude": "52.33", "longitude": ""})
    assert one.status_code == 400
    assert _snapshot(location) == before
    moved = client.post(url, {**common, "latitude": "52.37011", "longitude": "5.2189"})
    assert moved.status_code == 302
    location.refresh_from_db()
    assert (location.latitude, location.longitude) == (
        Decimal("52.37011"),
        Decimal("5.21890"),
    )
    assert location.history.count() == before[-1] + 1


# --- hostile input ------------------------------------------------------------------


def test_html_from_pdok_is_shown_as_text(
    client, provider_user, provider_org, pdok_answers
):
    client.force_login(provider_user)
    url = reverse("provider:location-create", args=[provider_org.pk])
    response = client.post(url, _form(lookup="1", house_number="16"))
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_html_in_the_street_and_a_formula_in_the_city_stay_inert(
    client, provider_user, provider_org, tmp_path
):
    client.force_login(provider_user)
    url = reverse("provider:location-create", args=[provider_org.pk])
    street = '<img src=x onerror="alert(1)">straat'
    city = '=HYPERLINK("https://example.invalid","klik")'
    response = client.post(url, _form(street=street, city=city))
    assert response.status_code == 302
    location = Location.objects.get()
    assert (location.street, location.city) == (street, city)  # stored as typed
    for page in (
        client.get(reverse("provider:organisation-edit", args=[provider_org.pk])),
        client.get(provider_org.get_absolute_url()),
    ):
        assert street not in page.text
        assert "&lt;img src=x onerror=" in page.text
    orgs, _svcs, _out, _err = export(tmp_path)
    row = next(r for r in read_rows(orgs) if r["kvk"] == provider_org.kvk)
    assert (row["adres"], row["plaats"]) == (f"{street} 12", "'" + city)


# --- every reader uses the composed address -------------------------------------------


def test_pages_and_hsds_show_the_composed_address(client, provider_org, service):
    location = factories.LocationFactory(
        organisation=provider_org,
        street="Kalkovenweg",
        house_number=12,
        house_letter="A",
        house_number_addition="2",
        postcode="1356 TL",
    )
    service.locations.add(location)
    page = client.get(service.get_absolute_url()).text
    assert "Kalkovenweg 12A-2, 1356 TL Almere" in page
    assert hsds._address(location)[0]["address_1"] == "Kalkovenweg 12A-2"


def test_a_search_result_says_where_help_is_given_in_the_composed_address(
    client, provider_org
):
    service = make_service(provider_org, "begeleiding", "Hulp aan huis")
    service.locations.add(
        factories.LocationFactory(
            organisation=provider_org,
            name="Vestiging Haven",
            street="Kalkovenweg",
            house_number=12,
            house_letter="A",
            latitude=Decimal("52.33682"),
            longitude=Decimal("5.21772"),
        )
    )
    service_refresh_search(services=[service])
    page = client.get(reverse("registry:search"), {"q": "hulp"}).text
    assert "Vestiging Haven, Kalkovenweg 12A, Almere" in page


# --- the JSON lookup for location-form.js -------------------------------------------


def test_the_json_lookup_answers_found_bad_unknown_and_down(
    client, provider_user, pdok_answers
):
    client.force_login(provider_user)
    url = reverse("provider:address-lookup")
    found = client.get(url, {"postcode": "1356TL", "house_number": "12"})
    assert found.status_code == 200
    assert found.json()["address"] == {
        "street": "Kalkovenweg",
        "house_number": 12,
        "house_letter": "",
        "house_number_addition": "",
        "postcode": "1356 TL",
        "city": "Almere",
        "latitude": "52.33682",
        "longitude": "5.21772",
    }
    bad = client.get(url, {"postcode": "<b>", "house_number": "12"})
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["postcode"]
    unknown = client.get(url, {"postcode": "1356TL", "house_number": "99"})
    assert unknown.status_code == 404
    assert list(unknown.json()["errors"]) == ["house_number"]
    pdok_answers.broken = True
    from django.core.cache import cache

    cache.clear()
    down = client.get(url, {"postcode": "1356TL", "house_number": "12"})
    assert down.status_code == 503
    assert "PDOK is niet bereikbaar" in down.json()["message"]


# --- who may edit ---------------------------------------------------------------


@pytest.fixture
def school_user(db):
    org = factories.OrganisationFactory(kind="school", name="Basisschool De Test")
    return factories.MembershipFactory(organisation=org).user


@pytest.mark.parametrize(
    ("who", "may_look_up"),
    [
        # Another provider edits its own locations: it may look addresses up,
        # never change this one.
        ("outsider_user", True),
        ("referrer_user", False),
        ("school_user", False),
    ],
)
def test_others_cannot_edit_a_location_or_use_the_lookup(
    client, request, provider_org, pdok_answers, who, may_look_up
):
    location = factories.LocationFactory(organisation=provider_org)
    before = _snapshot(location)
    client.force_login(request.getfixturevalue(who))
    url = reverse("provider:location-edit", args=[location.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _form(street="Gekaapt")).status_code == 404
    assert client.post(url, _form(lookup="1")).status_code == 404
    new_url = reverse("provider:location-create", args=[provider_org.pk])
    assert client.post(new_url, _form()).status_code == 404
    lookup = reverse("provider:address-lookup")
    response = client.get(lookup, {"postcode": "1356TL", "house_number": "12"})
    assert response.status_code == (200 if may_look_up else 404)
    assert len(pdok_answers.requests) == (1 if may_look_up else 0)
    assert _snapshot(location) == before
    assert Location.objects.count() == 1


def test_the_municipality_keeps_every_providers_locations_by_design(
    client, municipality_user, provider_org
):
    """Municipality staff may edit every provider's data (registry.permissions.
    editable_organisations); this pins that the new form keeps that rule."""
    location = factories.LocationFactory(organisation=provider_org)
    client.force_login(municipality_user)
    url = reverse("provider:location-edit", args=[location.pk])
    assert client.get(url).status_code == 200


def test_anonymous_users_are_sent_to_log_in_from_the_lookup(client, pdok_answers):
    response = client.get(reverse("provider:address-lookup"), {"postcode": "1356TL"})
    assert response.status_code == 302
    assert pdok_answers.requests == []
