"""Searching in one's own words, in real Chromium: a Dutch compound, an English
query, a typo with its suggestion, and the filter chips; screenshots at laptop
and phone width."""

import re

import pytest
from playwright.sync_api import expect

from registry import reference_data
from registry.models import (
    DeliveryForm,
    District,
    Perceel,
    ProblemArea,
    Service,
    ThesaurusEntry,
)
from registry.services import service_refresh_search
from tests import factories
from tests.pdok_server import pdok  # noqa: F401 - the fixture
from tests.registry.search_data import make_service

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "nl-NL"}


@pytest.fixture
def catalogue():
    """Transactional tests flush the tables: seed the reference data, its
    English names and the thesaurus again, then a few services."""
    reference_data.seed(Perceel, District, DeliveryForm, ProblemArea)
    reference_data.seed_english(Perceel, DeliveryForm, ProblemArea)
    reference_data.seed_thesaurus(ThesaurusEntry)
    org = factories.HoofdaanbiederFactory(name="Kompas Jeugdhulp", slug="kompas")
    for name, perceel, problems, districts, text in [
        ("Traumabehandeling", "behandeling-psychiatrie", ["trauma"], ["almere-haven"],
         "EMDR voor jongeren."),
        ("Hulp bij angststoornissen", "behandeling-psychiatrie", ["angst"],
         ["almere-stad", "almere-buiten"], "Cognitieve gedragstherapie."),
        ("Gezinsbegeleiding thuis", "begeleiding", ["opvoeding"], ["almere-poort"],
         "Praktische steun voor ouders."),
        ("Begeleiding bij scheiding", "begeleiding", ["scheiding"], ["almere-hout"],
         "Een kindergroep na een scheiding."),
    ]:  # fmt: skip
        make_service(
            org, perceel, name, problems=problems, districts=districts,
            description=text,
        )  # fmt: skip
    service_refresh_search(services=Service.objects.all())


def search(page, live_server, words):
    page.goto(live_server.url + "/zoeken")
    page.get_by_label("Zoek aanbod").fill(words)
    page.get_by_role("button", name="Zoeken").click()


def test_a_compound_part_finds_the_whole_and_a_plural_the_singular(
    live_server, page, catalogue, screenshot
):
    search(page, live_server, "stoornis")
    expect(page.get_by_role("heading", name="1 resultaat")).to_be_visible()
    expect(page.get_by_role("link", name="Hulp bij angststoornissen")).to_be_visible()
    # Where the help is given, on the card.
    expect(page.locator(".result__where")).to_have_text(
        "Waar: Almere Buiten, Almere Stad"
    )
    search(page, live_server, "behandelingen")
    expect(
        page.get_by_role("link", name="Traumabehandeling", exact=True)
    ).to_be_visible()
    screenshot("search-compound")


def test_an_english_query_finds_the_dutch_terms_and_says_what_it_added(
    live_server, page, catalogue
):
    search(page, live_server, "divorce")
    expect(page.get_by_role("heading", name="1 resultaat")).to_be_visible()
    expect(page.get_by_role("link", name="Begeleiding bij scheiding")).to_be_visible()
    expect(page.locator("#also-searched")).to_contain_text("Ook gezocht op: scheiding")
    search(page, live_server, "anxiety")
    expect(page.get_by_role("link", name="Hulp bij angststoornissen")).to_be_visible()


def test_the_english_interface_shows_english_term_names(live_server, page, catalogue):
    page.goto(live_server.url + "/zoeken?q=scheiding")
    page.locator("#language-select").select_option("en")
    page.locator(".language-switch button").click()
    expect(page.locator("#f-probleem")).to_contain_text("Divorce and separation")
    expect(page.locator("#f-perceel")).to_contain_text("Support and guidance")


def test_a_typo_is_corrected_and_suggested(live_server, page, catalogue, screenshot):
    search(page, live_server, "traumabehandelnig")
    expect(
        page.get_by_role("link", name="Traumabehandeling", exact=True)
    ).to_be_visible()
    suggestion = page.locator("#suggestion")
    expect(suggestion).to_contain_text("Bedoelde u: traumabehandeling?")
    suggestion.get_by_role("link", name="traumabehandeling").click()
    expect(page).to_have_url(re.compile(r"q=traumabehandeling(&|$)"))
    expect(page.locator("#suggestion")).to_have_count(0)
    screenshot("search-typo")


def test_filters_show_as_chips_and_an_invalid_one_says_it_was_ignored(
    live_server, page, catalogue, screenshot
):
    page.goto(live_server.url + "/zoeken?stadsdeel=almere-haven&leeftijd=99")
    chips = page.locator("#active-filters li")
    expect(chips).to_have_count(2)
    expect(chips.nth(1)).to_contain_text("Leeftijd: 99 (genegeerd: ongeldige waarde)")
    expect(page.get_by_role("alert")).to_contain_text("Leeftijd")
    expect(page.get_by_role("heading", name="1 resultaat")).to_be_visible()
    page.get_by_role("link", name="Filter weghalen: Stadsdeel: Almere Haven").click()
    expect(page).to_have_url(re.compile(r"/zoeken\?leeftijd=99$"))
    expect(page.get_by_role("heading", name="4 resultaten")).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot("search-chips-375")


def test_a_laptop_screen_shows_at_least_three_result_cards(
    live_server, page, catalogue, screenshot
):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/zoeken")
    cards = page.locator(".results .result")
    expect(cards).to_have_count(4)
    heights = [cards.nth(i).bounding_box()["height"] for i in range(3)]
    # Three cards and the results heading fit in the 800 px high window.
    assert sum(heights) < 800 - 120, heights
    cards.nth(0).scroll_into_view_if_needed()
    page.locator("#results-title").scroll_into_view_if_needed()
    page.screenshot(path="test-results/search-1280x800.png")


@pytest.fixture
def placed(catalogue, pdok):  # noqa: F811
    pdok.answer("postcode:1356TL", "pdok_postcode_1356TL.json")
    spots = {
        "Traumabehandeling": [("Vestiging Haven", "52.34000", "5.22000")],
        "Hulp bij angststoornissen": [
            ("Vestiging Stad", "52.37300", "5.21800"),
            ("Vestiging Stad 2", "52.37400", "5.21950"),
            ("Vestiging Buiten", "52.39500", "5.27000"),
        ],
        "Gezinsbegeleiding thuis": [("Vestiging Poort", "52.35000", "5.15000")],
    }
    for name, places in spots.items():
        service = Service.objects.get(name=name)
        for label, lat, lon in places:
            service.locations.add(
                factories.LocationFactory(
                    organisation=service.organisation,
                    name=label,
                    latitude=lat,
                    longitude=lon,
                )
            )
    service_refresh_search(services=Service.objects.all())


def test_a_postcode_and_radius_search_sorted_by_distance(
    live_server, page, placed, screenshot
):
    page.goto(live_server.url + "/zoeken")
    page.get_by_label("Postcode", exact=True).fill("1356 TL")
    page.get_by_label("Straal in kilometers").fill("5")
    page.get_by_label("Sorteer op").select_option("afstand")
    page.get_by_role("button", name="Sorteer").click()
    expect(page.get_by_role("heading", name="3 resultaten")).to_be_visible()
    titles = page.locator(".results .result h3")
    expect(titles).to_have_text(
        ["Traumabehandeling", "Hulp bij angststoornissen", "Gezinsbegeleiding thuis"]
    )
    expect(page.locator(".result__where").first).to_contain_text("0,4 km van 1356 TL")
    expect(page.locator("#active-filters")).to_contain_text("Postcode: 1356 TL")
    screenshot("search-postcode")


def test_the_overview_map_clusters_close_locations_and_works_by_keyboard(
    live_server, page, placed, screenshot
):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/zoeken")
    results_map = page.locator("#results-map")
    expect(results_map).to_be_visible()
    markers = results_map.locator(".map-marker")
    # Five locations; the two Stad ones lie 150 m apart and share a cluster.
    clusters = results_map.locator(".map-marker--cluster")
    expect(clusters).to_have_count(1)
    expect(clusters.first).to_have_text("2")
    expect(markers).to_have_count(4)
    # The list holds every location too (the map's equivalent).
    expect(page.locator("#results-list [data-lat]")).to_have_count(5)
    # Keyboard: Tab reaches the cluster, Enter zooms in until it splits.
    clusters.first.focus()
    page.keyboard.press("Enter")
    expect(results_map.locator(".map-marker--cluster")).to_have_count(0, timeout=5000)
    expect(markers).to_have_count(5)
    single = results_map.locator(".map-marker").first
    single.focus()
    page.keyboard.press("Enter")
    expect(results_map.locator(".leaflet-popup-content a")).to_be_visible()
    page.screenshot(path="test-results/search-map-1280.png")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot("search-map-375")
