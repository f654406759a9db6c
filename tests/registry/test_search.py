"""Faceted search: each filter, combinations, sort orders, paging, bad input and
exact facet counts. Runs on SQLite and PostgreSQL (text here is plain words)."""

from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

import pytest

from registry import search, selectors
from tests import factories
from tests.registry.search_data import build_catalogue, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


@pytest.fixture
def catalogue():
    return build_catalogue()


def run(query: str = "") -> search.SearchResult:
    return selectors.search_run(QueryDict(query))


def names(result) -> list[str]:
    return [service.name for service in result.services]


def test_an_empty_search_lists_every_public_service_by_name(catalogue):
    result = run()
    assert names(result) == [
        "Autisme begeleiding thuis",
        "Behandeling van depressie",
        "Training tegen angsten",
    ]
    assert result.pagination.count == 3
    assert result.errors == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=autisme", ["Autisme begeleiding thuis"]),
        ("q=Kompas", ["Behandeling van depressie", "Training tegen angsten"]),
        ("perceel=behandeling-psychiatrie", ["Behandeling van depressie"]),
        ("leeftijd=5", ["Autisme begeleiding thuis"]),
        ("leeftijd=14", [
            "Autisme begeleiding thuis", "Behandeling van depressie",
            "Training tegen angsten",
        ]),
        ("leeftijd=20", ["Behandeling van depressie"]),
        ("stadsdeel=almere-haven", [
            "Autisme begeleiding thuis", "Training tegen angsten",
        ]),
        ("probleem=depressie", ["Behandeling van depressie"]),
        ("probleem=autisme&probleem=depressie", [
            "Autisme begeleiding thuis", "Behandeling van depressie",
        ]),
        ("vorm=online", ["Behandeling van depressie"]),
        ("plek=1", ["Training tegen angsten"]),
        ("wachttijd=5", ["Training tegen angsten"]),
        ("wachttijd=14", ["Autisme begeleiding thuis", "Training tegen angsten"]),
        ("wachttijd=0", []),
    ],
)  # fmt: skip
def test_each_filter_narrows_the_results(catalogue, query, expected):
    assert names(run(query)) == expected


def test_filters_combine_with_and(catalogue):
    result = run("stadsdeel=almere-haven&probleem=angst&leeftijd=10")
    assert names(result) == ["Training tegen angsten"]
    assert names(run("stadsdeel=almere-haven&plek=1&vorm=thuis")) == []


def test_words_must_all_match_and_ignore_accents_and_case(catalogue):
    assert names(run("q=CLIENTEN")) == ["Autisme begeleiding thuis"]
    assert names(run("q=begeleiding cliënten")) == ["Autisme begeleiding thuis"]
    assert names(run("q=begeleiding depressie")) == []


def test_a_dutch_plural_finds_the_singular(catalogue):
    assert names(run("q=behandelingen")) == ["Behandeling van depressie"]


def test_inactive_services_and_organisations_are_never_found(catalogue):
    assert "Oude angstgroep" not in names(run("q=angst"))
    assert "Angst bij Gesloten" not in names(run("q=angst"))


def test_it_sorts_by_waiting_time_with_unknown_waits_last(catalogue):
    assert names(run("sorteer=wachttijd")) == [
        "Training tegen angsten",
        "Autisme begeleiding thuis",
        "Behandeling van depressie",
    ]


def test_it_sorts_by_last_update_newest_first(catalogue):
    assert names(run("sorteer=bijgewerkt")) == [
        "Training tegen angsten",
        "Autisme begeleiding thuis",
        "Behandeling van depressie",
    ]


@pytest.fixture
def many_services(provider_org):
    return [
        make_service(provider_org, "begeleiding", f"Aanbod {n:02d}")
        for n in range(1, 26)
    ]


def test_it_pages_by_twenty(many_services):
    first, second = run(), run("pagina=2")
    assert len(first.services) == 20
    assert names(second) == [f"Aanbod {n}" for n in range(21, 26)]
    assert (first.pagination.num_pages, first.pagination.has_next) == (2, True)
    assert second.pagination.has_previous and not second.pagination.has_next


def test_a_page_past_the_end_shows_the_last_page_and_says_so(many_services):
    result = run("pagina=9")
    assert result.pagination.number == 2
    assert [e.message for e in result.errors] == [
        "Pagina: er zijn 2 pagina's; u ziet de laatste."
    ]


def test_page_links_mark_gaps():
    pagination = search.Pagination(number=10, count=400)
    assert pagination.nearby() == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert search.Pagination(number=1, count=0).nearby() == [1]


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("leeftijd=abc", "leeftijd", "Leeftijd: vul een getal van 0 tot 23 in."),
        ("leeftijd=24", "leeftijd", "Leeftijd: vul een getal van 0 tot 23 in."),
        ("leeftijd=-1", "leeftijd", "Leeftijd: vul een getal van 0 tot 23 in."),
        ("wachttijd=veel", "wachttijd",
         "Maximale wachttijd: vul een aantal weken van 0 tot 260 in."),
        ("sorteer=prijs", "sorteer",
         "Sorteren: kies relevantie, wachttijd of bijgewerkt."),
        ("perceel=dyslexie", "perceel",
         "Perceel: de onbekende keuze “dyslexie” is genegeerd."),
        ("probleem=x", "probleem",
         "Problematiek: de onbekende keuze “x” is genegeerd."),
        ("plek=misschien", "plek", "Nu plek: kies ja of laat het vak leeg."),
        ("pagina=0", "pagina", "Pagina: vul een paginanummer vanaf 1 in."),
        ("q=" + "a" * 201, "q", "Zoekterm: gebruik ten hoogste 200 tekens."),
    ],
)  # fmt: skip
def test_a_bad_parameter_is_ignored_with_a_message(catalogue, query, param, message):
    result = run(query)
    assert [(e.param, e.message) for e in result.errors] == [(param, message)]
    if param != "q":
        assert result.pagination.count == 3  # ignored: nothing filtered


def test_a_bad_parameter_shows_its_message_on_the_page_never_a_500(client, catalogue):
    response = client.get(reverse("registry:search"), {"leeftijd": "abc"})
    assert response.status_code == 200
    assert "Leeftijd: vul een getal van 0 tot 23 in." in response.text
    assert 'aria-invalid="true"' in response.text


def counts(result, param):
    group = next(g for g in result.facets if g.param == param)
    return {o.slug: o.count for o in group.options if o.count}


def test_facet_counts_are_exact(catalogue):
    result = run()
    assert counts(result, "perceel") == {
        "begeleiding": 2,
        "behandeling-psychiatrie": 1,
    }
    assert counts(result, "stadsdeel") == {
        "almere-haven": 2,
        "almere-buiten": 1,
        "almere-stad": 1,
    }
    assert counts(result, "probleem") == {
        "angst": 2,
        "autisme": 1,
        "opvoeding": 1,
        "depressie": 1,
    }
    assert counts(result, "vorm") == {
        "groep": 1,
        "thuis": 1,
        "ambulant": 1,
        "online": 1,
    }
    assert result.open_count == 1


def test_a_facet_counts_what_choosing_its_value_would_give(catalogue):
    """A group ignores its own selection, so other values stay choosable."""
    result = run("perceel=begeleiding&probleem=angst")
    assert counts(result, "perceel") == {"begeleiding": 1, "behandeling-psychiatrie": 1}
    assert counts(result, "probleem") == {"angst": 1, "autisme": 1, "opvoeding": 1}
    assert counts(result, "stadsdeel") == {"almere-haven": 1}
    assert result.pagination.count == 1


def test_has_room_counts_ignore_the_has_room_filter(catalogue):
    result = run("plek=1")
    assert result.pagination.count == 1
    assert result.open_count == 1
    assert counts(result, "perceel") == {"begeleiding": 1}


def test_facets_list_every_option_even_with_zero_results(catalogue):
    result = run("q=autisme")
    group = next(g for g in result.facets if g.param == "probleem")
    assert len(group.options) == 21
    assert [o.slug for o in group.options if o.checked] == []


def test_checked_options_are_marked(catalogue):
    result = run("vorm=thuis&vorm=online")
    group = next(g for g in result.facets if g.param == "vorm")
    assert {o.slug for o in group.options if o.checked} == {"thuis", "online"}


def test_the_search_page_keeps_the_query_in_links(client, many_services):
    response = client.get(reverse("registry:search"), {"perceel": "begeleiding"})
    assert response.status_code == 200
    assert "?perceel=begeleiding&amp;pagina=2" in response.text
    assert "/zoeken.csv?perceel=begeleiding" in response.text


def test_an_organisation_without_services_is_not_a_search_result(catalogue):
    factories.HoofdaanbiederFactory(name="Leeg")
    assert run("q=leeg").pagination.count == 0


def test_the_bit_sets_hold_the_terms_bit_slots_not_their_ids(catalogue):
    from registry.models import DeliveryForm, District, ProblemArea, facet_bits

    def slots(model, *slugs):
        return model.objects.filter(slug__in=slugs).values_list("bit_slot", flat=True)

    service = catalogue["autisme"]
    service.refresh_from_db()
    assert service.search_problem_bits == facet_bits(
        slots(ProblemArea, "autisme", "opvoeding")
    )
    thuis = DeliveryForm.objects.get(slug="thuis")
    assert service.search_form_bits == 1 << thuis.bit_slot
    assert service.search_district_bits == facet_bits(
        slots(District, "almere-buiten", "almere-haven")
    )


def test_a_capacity_change_shows_in_search_at_once(catalogue):
    """A database trigger copies status and waits onto the service: no refresh
    of the search document is needed after a capacity update."""
    from registry.services import capacity_update

    capacity = catalogue["autisme"].capacity
    capacity_update(
        capacity=capacity,
        actor=None,
        data={"status": "open", "intake_wait_weeks": 1, "treatment_wait_weeks": 1},
    )
    assert names(run("plek=1&wachttijd=2")) == ["Autisme begeleiding thuis"]
    assert run("plek=1").open_count == 2


def test_unknown_waits_fall_outside_any_maximum(catalogue):
    from registry.models import Capacity

    Capacity.objects.filter(service=catalogue["angst"]).update(
        intake_wait_weeks=None, treatment_wait_weeks=3
    )
    assert names(run("wachttijd=3")) == ["Training tegen angsten"]
    Capacity.objects.filter(service=catalogue["angst"]).update(
        treatment_wait_weeks=None
    )
    assert names(run("wachttijd=260")) == ["Autisme begeleiding thuis"]
