"""Filters that tell the truth: every filter of the URL shows as a chip that
takes it away; an invalid one shows as ignored (page) or is refused (API); a
result says where the help is given."""

from django.urls import reverse
from django.utils import translation

import pytest

from registry.models import Service
from tests.registry.search_data import build_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


@pytest.fixture
def catalogue():
    return build_catalogue()


def chips(response):
    return [
        (c.label, c.remove_query, c.ignored) for c in response.context["result"].chips
    ]


def test_chosen_filters_are_chips_that_take_themselves_away(client, catalogue):
    response = client.get(
        reverse("registry:search"),
        {"stadsdeel": ["almere-haven", "almere-stad"], "leeftijd": "9", "pagina": "1"},
    )
    assert chips(response) == [
        ("Stadsdeel: Almere Haven", "stadsdeel=almere-stad&leeftijd=9", False),
        ("Stadsdeel: Almere Stad", "stadsdeel=almere-haven&leeftijd=9", False),
        ("Leeftijd: 9", "stadsdeel=almere-haven&stadsdeel=almere-stad", False),
    ]
    assert 'aria-label="Filter weghalen: Stadsdeel: Almere Haven"' in response.text


@pytest.mark.parametrize(
    "params, label",
    [
        ({"leeftijd": "99"}, "Leeftijd: 99"),
        ({"wachttijd": "abc"}, "Maximale wachttijd: abc"),
        ({"stadsdeel": "atlantis"}, "Stadsdeel: atlantis"),
        ({"plek": "misschien"}, "Nu plek: misschien"),
    ],
)
def test_an_invalid_filter_is_a_chip_marked_ignored_with_its_message(
    client, catalogue, params, label
):
    response = client.get(reverse("registry:search"), params)
    assert chips(response) == [(label, "", True)]
    assert "genegeerd: ongeldige waarde" in response.text
    errors = response.context["result"].errors
    assert [e.param for e in errors] == list(params)
    # The message names the filter and links to its field.
    assert f'href="#f-{list(params)[0]}"' in response.text


def test_the_api_refuses_an_invalid_filter_naming_it(client, catalogue):
    response = client.get("/api/v1/services", {"age": "99", "maxWaitWeeks": "abc"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    names = {p["name"] for p in response.json()["invalid_params"]}
    assert names == {"age", "maxWaitWeeks"}


def test_a_result_says_in_which_stadsdelen_help_is_given(client, catalogue):
    response = client.get(reverse("registry:search"), {"q": "autisme"})
    (service,) = response.context["result"].services
    assert service.where == "Almere Buiten, Almere Haven"
    assert "Waar:</span> Almere Buiten, Almere Haven" in response.text


def test_help_in_every_stadsdeel_says_so(client, catalogue):
    Service.objects.filter(name__icontains="autisme").update(
        search_district_bits=(1 << 63) - 1
    )
    response = client.get(reverse("registry:search"), {"q": "autisme"})
    assert response.context["result"].services[0].where == "alle stadsdelen"
