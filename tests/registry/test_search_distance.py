"""Postcode and distance on /zoeken: PDOK Locatieserver (a local server in
these tests) gives the postcode's centre; results within the radius, their
distance shown and sortable; offline or unknown postcodes say so."""

from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

import pytest

from registry import selectors
from registry.catalogue_version import catalogue_version_bump
from registry.services import service_refresh_search
from tests import factories
from tests.pdok_server import pdok  # noqa: F401 - the fixture
from tests.registry.search_data import make_service
from tests.registry.test_public_pages import search_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


@pytest.fixture
def placed(provider_org, pdok):  # noqa: F811
    pdok.answer("postcode:1356TL", "pdok_postcode_1356TL.json")
    pdok.answer("postcode:1356*", "pdok_postcode_1356TL.json")
    spots = {
        "Haven dichtbij": ("52.34000", "5.22000"),  # ~0.4 km from 1356 TL
        "Stad verder": ("52.37300", "5.21800"),  # ~4.0 km
        "Buiten ver": ("52.39500", "5.27000"),  # ~7.4 km
        "Zonder locatie": None,
    }
    made = {}
    for name, spot in spots.items():
        service = make_service(provider_org, "begeleiding", name)
        if spot:
            location = factories.LocationFactory(
                organisation=provider_org, latitude=spot[0], longitude=spot[1]
            )
            service.locations.add(location)
        made[name] = service
    service_refresh_search(services=made.values())
    return made


def run(query):
    return selectors.search_run(QueryDict(query))


def names(result):
    return [s.name for s in result.services]


def test_a_postcode_and_radius_find_the_services_nearby_sorted_by_distance(placed):
    result = run("postcode=1356tl&straal=5&sorteer=afstand")
    assert result.errors == []
    assert names(result) == ["Haven dichtbij", "Stad verder"]
    assert [round(s.distance_km, 1) for s in result.services] == [0.4, 4.0]


def test_the_radius_defaults_to_ten_kilometres(placed):
    result = run("postcode=1356 TL&sorteer=afstand")
    assert names(result) == ["Haven dichtbij", "Stad verder", "Buiten ver"]
    assert result.filters.radius_km == 10


def test_a_four_position_postcode_works_too(placed, pdok):  # noqa: F811
    assert names(run("postcode=1356&straal=1")) == ["Haven dichtbij"]
    assert pdok.requests[-1]["q"] == "postcode:1356*"


def test_the_page_shows_the_distance_and_the_postcode_chip(client, placed):
    response = client.get(reverse("registry:search"), {"postcode": "1356 TL"})
    assert "0,4 km van 1356 TL" in response.text
    labels = [c.label for c in response.context["result"].chips]
    assert labels == ["Postcode: 1356 TL"]


def test_a_postcode_is_looked_up_once_then_cached(placed, pdok):  # noqa: F811
    run("postcode=1356TL")
    run("postcode=1356 tl&straal=3")
    assert len(pdok.requests) == 1


def test_an_unknown_postcode_says_so_and_is_not_applied(placed):
    result = run("postcode=9999 ZZ&sorteer=afstand")
    assert [(e.param, e.message) for e in result.errors] == [
        ("postcode", "Postcode: 9999 ZZ is niet gevonden.")
    ]
    assert result.pagination.count == 4
    assert result.filters.sort == "relevantie"


def test_without_pdok_the_search_still_works_and_says_why(placed, pdok):  # noqa: F811
    pdok.broken = True
    result = run("postcode=1356TL")
    assert result.errors[0].param == "postcode"
    assert "geen verbinding met PDOK" in result.errors[0].message
    assert result.pagination.count == 4


@pytest.mark.parametrize(
    "query, param",
    [
        ("postcode=12AB", "postcode"),
        ("postcode=<script>", "postcode"),
        ("postcode=1356TL&straal=0", "straal"),
        ("postcode=1356TL&straal=500", "straal"),
        ("lat=abc&lon=5.2", "lat"),
        ("lat=40.0&lon=5.2", "lat"),  # not in the Netherlands
        ("sorteer=afstand", "sorteer"),  # nothing to measure from
    ],
)
def test_bad_place_input_gets_a_message_naming_it(placed, pdok, query, param):  # noqa: F811
    result = run(query)
    assert param in [e.param for e in result.errors]
    if param != "straal":
        assert pdok.requests == []


def test_my_location_needs_no_postcode_lookup(placed, pdok):  # noqa: F811
    result = run("lat=52.34&lon=5.22&straal=2&sorteer=afstand")
    assert names(result) == ["Haven dichtbij"]
    assert result.filters.origin.label == "mijn locatie"
    assert pdok.requests == []


def test_a_distance_search_runs_a_fixed_number_of_queries(
    client, placed, django_assert_num_queries, is_postgres
):
    run("postcode=1356TL")  # the postcode's place is cached from here on
    catalogue_version_bump()  # the counts are not: count them again
    with django_assert_num_queries(search_queries(is_postgres, False)):
        response = client.get("/zoeken?postcode=1356TL&sorteer=afstand")
    assert response.status_code == 200


def test_the_api_takes_a_postcode_radius_and_distance_ordering(client, placed):
    response = client.get(
        "/api/v1/services",
        {"postcode": "1356TL", "radiusKm": "5", "ordering": "distance"},
    )
    assert response.status_code == 200
    names = [item["name"] for item in response.json()["results"]]
    assert names == ["Haven dichtbij", "Stad verder"]


@pytest.mark.parametrize(
    "params, name",
    [
        ({"postcode": "9999ZZ"}, "postcode"),  # PDOK does not know it
        ({"postcode": "12AB"}, "postcode"),
        ({"postcode": "1356TL", "radiusKm": "0"}, "radiusKm"),
        ({"lat": "52.3"}, "lat"),
        ({"ordering": "distance"}, "ordering"),
    ],
)
def test_the_api_refuses_a_bad_place_naming_it(client, placed, params, name):
    response = client.get("/api/v1/services", params)
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalid_params"]] == [name]


def test_the_api_says_when_pdok_cannot_be_reached(client, placed, pdok):  # noqa: F811
    pdok.broken = True
    response = client.get("/api/v1/services", {"postcode": "1356TL"})
    assert response.status_code == 400
    (problem,) = response.json()["invalid_params"]
    assert problem["name"] == "postcode"
    assert "PDOK" in problem["reason"]


def test_a_postcode_typed_in_the_search_box_searches_near_it(placed):
    result = run("q=1356 tl&sorteer=afstand")
    assert result.filters.text == ""
    assert result.filters.postcode == "1356 TL"
    assert names(result) == ["Haven dichtbij", "Stad verder", "Buiten ver"]


def test_the_page_moves_a_typed_postcode_into_the_postcode_field(client, placed):
    response = client.get(reverse("registry:search"), {"q": "1356TL"})
    assert (
        'name="postcode" maxlength="7" autocomplete="postal-code" value="1356 TL"'
        in (response.text)
    )
    assert "0,4 km van 1356 TL" in response.text
