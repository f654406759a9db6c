"""Public pages: organisation, service, CSV download, query counts, English."""

import csv
import io

from django.conf import settings
from django.urls import reverse
from django.utils import translation

import pytest

from registry import selectors
from registry.models import Contract, District, Location, Perceel, Subcontract
from tests import factories
from tests.registry.search_data import build_catalogue, make_service
from tests.security.csv_cells import HOSTILE_CELLS

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return build_catalogue()


def test_an_organisation_page_shows_contracts_subcontractors_services_and_places(
    client, provider_org, subcontractor_org, service
):
    inactive = factories.ServiceFactory(
        organisation=provider_org, name="Gestopt aanbod", active=False
    )
    factories.LocationFactory(
        organisation=provider_org,
        name="Vestiging Haven",
        street="Sluis",
        house_number=3,
    )
    response = client.get(provider_org.get_absolute_url())
    assert response.status_code == 200
    page = response.text
    assert "Contracten met de gemeente" in page
    assert "Begeleiding" in page
    assert subcontractor_org.get_absolute_url() in page  # its onderaannemer
    assert service.get_absolute_url() in page
    assert inactive.name not in page
    assert "Vestiging Haven" in page and "Sluis 3" in page


def test_a_subcontractor_page_names_its_hoofdaanbieder(
    client, provider_org, subcontractor_org
):
    response = client.get(subcontractor_org.get_absolute_url())
    assert "Onderaannemer van" in response.text
    assert provider_org.get_absolute_url() in response.text


def test_unknown_or_inactive_organisations_are_not_found(client, provider_org):
    assert client.get("/aanbieders/bestaat-niet").status_code == 404
    provider_org.active = False
    provider_org.save()
    assert client.get(provider_org.get_absolute_url()).status_code == 404


def test_a_service_page_shows_waits_against_the_norms_and_the_update_date(
    client, service
):
    capacity = service.capacity
    capacity.intake_wait_weeks, capacity.treatment_wait_weeks = 5, 7
    capacity.save()
    location = factories.LocationFactory(
        organisation=service.organisation, latitude="52.37000", longitude="5.21000"
    )
    service.locations.add(location)
    response = client.get(service.get_absolute_url())
    page = response.text
    assert response.status_code == 200
    assert '<span class="badge badge--over">5 weken</span>' in page
    assert '<span class="badge badge--ok">7 weken</span>' in page
    assert "Bijgewerkt op" in page
    assert 'data-lat="52.37000" data-lng="5.21000"' in page
    assert "Wie mag verwijzen" in page


def test_unknown_and_inactive_services_are_not_found(client, service):
    assert client.get("/aanbod/999999").status_code == 404
    service.active = False
    service.save()
    assert client.get(service.get_absolute_url()).status_code == 404


def test_a_service_of_an_inactive_organisation_is_not_found(client, service):
    service.organisation.active = False
    service.organisation.save()
    assert client.get(service.get_absolute_url()).status_code == 404


def test_a_logged_in_outsider_sees_the_same_public_page(client, outsider_user, service):
    client.force_login(outsider_user)
    response = client.get(service.get_absolute_url())
    assert response.status_code == 200
    assert service.name in response.text


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_holds_every_filtered_result(client, catalogue):
    response = client.get(reverse("registry:search-csv"), {"probleem": "angst"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:3] == ["Aanbod", "Aanbieder", "Perceel"]
    assert [row[0] for row in rows[1:]] == [
        "Behandeling van depressie",
        "Training tegen angsten",
    ]
    depressie = rows[1]
    assert depressie[1:8] == [
        "Kompas Jeugdhulp",
        "Behandeling psychiatrie (jeugd-GGZ)",
        "12",
        "23",
        "Aanmeldstop",
        "",
        "",
    ]
    assert depressie[-1].endswith(catalogue["depressie"].get_absolute_url())


@pytest.mark.parametrize("hostile", HOSTILE_CELLS)
def test_the_csv_never_starts_a_cell_with_a_formula(client, provider_org, hostile):
    provider_org.name = hostile
    provider_org.save()
    make_service(provider_org, "begeleiding", hostile)
    rows = read_csv(client.get(reverse("registry:search-csv")))
    assert rows[1][0] == rows[1][1] == "'" + hostile


def search_queries(is_postgres: bool, with_text: bool, unknown: bool = False) -> int:
    # reference values, [the thesaurus], [the spelling vocabulary: a word that
    # is neither indexed nor in the thesaurus], all counts (one pass), the page,
    # the page's locations (map); the same on both databases
    return 4 + (1 if with_text else 0) + (1 if unknown else 0)


@pytest.fixture
def thirty(provider_org, catalogue):
    for n in range(27):
        make_service(
            provider_org, "begeleiding", f"Extra angstaanbod {n}",
            problems=["angst", "gedrag"], forms=["groep"],
            districts=["almere-haven", "almere-poort"],
        )  # fmt: skip
    from registry.models import Service
    from registry.services import service_refresh_search

    service_refresh_search(services=Service.objects.all())


@pytest.mark.parametrize("query", ["", "q=angst", "probleem=angst&plek=1&leeftijd=9"])
def test_search_runs_a_fixed_number_of_queries(
    client, catalogue, django_assert_num_queries, is_postgres, query
):
    expected = search_queries(is_postgres, "q=" in query)
    with django_assert_num_queries(expected):
        few = client.get("/zoeken?" + query)
    assert few.status_code == 200


@pytest.mark.parametrize("query", ["", "q=angst"])
def test_search_query_count_does_not_grow_with_the_results(
    client, thirty, django_assert_num_queries, is_postgres, query
):
    with django_assert_num_queries(search_queries(is_postgres, "q=" in query)):
        response = client.get("/zoeken?" + query)
    assert len(response.context["result"].services) == 20


def test_organisation_page_query_count_is_fixed(
    client, provider_org, subcontractor_org, django_assert_num_queries
):
    for n in range(5):
        factories.ServiceFactory(organisation=provider_org, name=f"Aanbod x{n}")
        factories.LocationFactory(organisation=provider_org)
    # organisation, contracts, their subcontracts, own subcontracts, services,
    # locations
    with django_assert_num_queries(6):
        assert client.get(provider_org.get_absolute_url()).status_code == 200


def test_service_page_query_count_is_fixed(
    client, subcontractor_service, django_assert_num_queries
):
    for _ in range(3):
        subcontractor_service.locations.add(
            factories.LocationFactory(organisation=subcontractor_service.organisation)
        )
    assert Subcontract.objects.count() == 1 and Location.objects.count() == 3
    # service + organisation + perceel + capacity; its problem areas, forms
    # and districts with the organisation's hoofdaanbieders (an onderaannemer's
    # page names them; one UNION ALL); locations
    with django_assert_num_queries(3):
        response = client.get(subcontractor_service.get_absolute_url())
    assert response.status_code == 200
    assert "Onderaannemer van" in response.text


def test_a_main_contractors_service_page_reads_no_subcontracts(
    client, service, django_assert_num_queries
):
    # service + organisation + perceel + capacity, terms, locations
    with django_assert_num_queries(3):
        response = client.get(service.get_absolute_url())
    assert response.status_code == 200
    assert "Onderaannemer van" not in response.text


def test_a_service_page_names_its_terms_in_name_order_and_language(
    client, provider_org, back_to_dutch
):
    service = make_service(
        provider_org,
        "begeleiding",
        "Aanbod met termen",
        problems=["gedrag", "angst"],
        forms=["thuis", "groep"],
        districts=["almere-stad", "almere-haven"],
    )
    bare = make_service(provider_org, "begeleiding", "Aanbod zonder termen")
    terms = selectors.service_get_public(pk=service.pk).terms
    expected = {
        "problem": [a.display_name for a in service.problem_areas.order_by("name")],
        "form": [f.display_name for f in service.forms.order_by("name")],
        "district": [d.name for d in service.districts.order_by("name")],
    }
    assert terms == expected and all(len(names) == 2 for names in terms.values())
    page = client.get(service.get_absolute_url()).text
    assert ", ".join(expected["problem"]) in page
    assert ", ".join(expected["district"]) in page
    assert selectors.service_get_public(pk=bare.pk).terms == {
        "problem": [],
        "form": [],
        "district": [],
    }
    assert "heel Almere" in client.get(bare.get_absolute_url()).text
    translation.activate("en")
    english = selectors.service_get_public(pk=service.pk).terms
    assert english["problem"] == [
        a.display_name for a in service.problem_areas.order_by("name")
    ]


def test_a_service_of_an_inactive_organisation_or_an_inactive_service_is_not_found(
    client, service, provider_org
):
    url = service.get_absolute_url()
    service.active = False
    service.save()
    assert client.get(url).status_code == 404
    service.active = True
    service.save()
    provider_org.active = False
    provider_org.save()
    assert client.get(url).status_code == 404


def test_csv_query_count_is_fixed(client, thirty, django_assert_num_queries):
    # reference values, the rows
    with django_assert_num_queries(2):
        response = client.get(reverse("registry:search-csv"))
        rows = read_csv(response)
    assert len(rows) == 31


@pytest.fixture
def back_to_dutch():
    """The locale middleware leaves the thread's language active after a
    request; later tests expect Dutch."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_search_page_speaks_english_when_asked(client, catalogue, back_to_dutch):
    client.cookies["django_language"] = "en"
    response = client.get("/zoeken?leeftijd=abc")
    page = response.text
    assert '<html lang="en"' in page
    assert "Search the services" in page
    assert "Age: enter a number from 0 to 23." in page
    assert "Waiting list" in page
    assert "Zoeken in het aanbod" not in page


def test_a_service_page_names_each_hoofdaanbieder_once_in_name_order(client, perceel):
    other_perceel = Perceel.objects.exclude(pk=perceel.pk).first()
    zeta = factories.HoofdaanbiederFactory(
        name="Zeta Zorg", percelen=[perceel, other_perceel]
    )
    alfa = factories.HoofdaanbiederFactory(name="Alfa Hulp", percelen=[perceel])
    sub = factories.OnderaannemerFactory(
        main_contractor=zeta, percelen=[perceel, other_perceel]
    )
    Subcontract.objects.create(
        contract=Contract.objects.get(organisation=alfa), subcontractor=sub
    )
    service = factories.ServiceFactory(organisation=sub, perceel=perceel)
    contractors = selectors.service_get_public(pk=service.pk).main_contractors
    assert contractors == [
        (alfa.name, alfa.get_absolute_url()),
        (zeta.name, zeta.get_absolute_url()),
    ]
    page = client.get(service.get_absolute_url()).text
    assert (
        f'Onderaannemer van <a class="utrecht-link" href="{alfa.get_absolute_url()}">'
        f'Alfa Hulp</a>, <a class="utrecht-link" href="{zeta.get_absolute_url()}">'
        "Zeta Zorg</a></span>"
    ) in page


def test_a_service_page_lists_only_its_own_locations_main_first(
    client, provider_org, service
):
    haven = District.objects.get(slug="almere-haven")
    side = factories.LocationFactory(
        organisation=provider_org, name="Bijlocatie", district=None
    )
    main = factories.LocationFactory(
        organisation=provider_org, name="Zuidpunt", is_main=True, district=haven
    )
    factories.LocationFactory(organisation=provider_org, name="Niet van dit aanbod")
    service.locations.add(side, main)
    found = selectors.service_get_public(pk=service.pk).page_locations
    assert [(loc.pk, loc.address) for loc in found] == [
        (main.pk, main.address),
        (side.pk, side.address),
    ]
    assert found[0].district.name == haven.name and found[1].district is None
    page = client.get(service.get_absolute_url()).text
    assert page.index("Zuidpunt") < page.index("Bijlocatie")
    assert f"· {haven.name}" in page
    assert "Niet van dit aanbod" not in page
