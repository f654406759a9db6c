"""The public social map in real Chromium: search with filters, open a provider
and a service, keyboard-only use, axe-core checks and a phone-sized screen."""

import importlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from registry.services import service_refresh_search
from tests import factories
from tests.registry.search_data import build_catalogue

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Dutch first: the pages are Dutch unless the visitor asks for English.
    return {**browser_context_args, "locale": "nl-NL"}


@pytest.fixture
def reference_data():
    """Transactional tests flush the tables, seeded data included: seed again."""
    from django.apps import apps

    seed = importlib.import_module("registry.migrations.0002_seed_reference_data")
    seed.seed(apps, None)


@pytest.fixture
def catalogue(reference_data):
    services = build_catalogue()
    service = services["angst"]
    service.locations.add(
        factories.LocationFactory(
            organisation=service.organisation,
            name="Vestiging Haven",
            latitude="52.34500",
            longitude="5.22000",
        ),
        factories.LocationFactory(
            organisation=service.organisation,
            name="Vestiging Stad",
            latitude="52.37300",
            longitude="5.21800",
        ),
    )
    service_refresh_search(services=[service])
    return services


def axe_violations(page) -> list[str]:
    # Evaluated, not added as a <script>: the CSP refuses inline scripts.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
        for v in result["violations"]
    ]


def test_search_with_filters_through_the_form(live_server, page, catalogue, screenshot):
    page.goto(live_server.url + "/")
    page.get_by_label("Zoek aanbod").fill("angst")
    page.get_by_role("button", name="Zoeken").click()
    expect(page).to_have_url(re.compile(r"/zoeken\?q=angst$"))
    expect(page.get_by_role("heading", name="2 resultaten")).to_be_visible()

    page.get_by_label("Begeleiding (1)").check()
    page.get_by_role("button", name="Filters toepassen").click()
    expect(page).to_have_url(re.compile(r"q=angst.*perceel=begeleiding"))
    expect(page.get_by_role("heading", name="1 resultaat")).to_be_visible()
    results = page.locator("ol.results > li")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Training tegen angsten")
    expect(results.first).to_contain_text("Open (direct plek)")
    expect(results.first).to_contain_text("Bijgewerkt op")
    screenshot("public-search-filtered")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/zoeken\?q=angst$"))
    expect(page.get_by_role("heading", name="2 resultaten")).to_be_visible()


def test_a_bad_filter_value_is_explained_on_the_page(live_server, page, catalogue):
    page.goto(live_server.url + "/zoeken?leeftijd=abc")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Leeftijd: vul een getal van 0 tot 23 in.")
    expect(page.get_by_role("heading", name="3 resultaten")).to_be_visible()


def test_open_a_provider_then_one_of_its_services(
    live_server, page, catalogue, screenshot
):
    page.goto(live_server.url + "/zoeken?q=angst")
    page.get_by_role("link", name="Kompas Jeugdhulp").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kompas Jeugdhulp")
    expect(
        page.get_by_role("heading", name="Contracten met de gemeente")
    ).to_be_visible()
    screenshot("public-organisation")

    page.get_by_role("link", name="Training tegen angsten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Training tegen angsten")
    capacity = page.locator(".panel .capacity")
    expect(capacity).to_contain_text("Aanmeldwachttijd")
    expect(capacity).to_contain_text("2 weken")
    expect(capacity).to_contain_text("binnen de norm van 4 weken")
    expect(capacity).to_contain_text("Bijgewerkt op")
    expect(page.get_by_text("Vestiging Haven")).to_be_visible()
    expect(page.locator("#service-map.leaflet-container")).to_be_visible()
    screenshot("public-service")


def test_the_service_page_works_when_the_tile_server_is_unreachable(
    live_server, page, catalogue, settings
):
    settings.MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    page.goto(live_server.url + catalogue["angst"].get_absolute_url())
    expect(page.locator("#service-map.leaflet-container")).to_be_visible()
    expect(page.locator(".location-list")).to_contain_text("Vestiging Stad")


def test_the_service_page_works_without_javascript(browser, live_server, catalogue):
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    page.goto(live_server.url + catalogue["angst"].get_absolute_url())
    expect(page.locator("#service-map")).to_be_hidden()
    expect(page.locator(".location-list")).to_contain_text("Vestiging Haven")
    expect(page.locator(".capacity")).to_contain_text("Bijgewerkt op")
    context.close()


def focused(page) -> dict:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {tag: el.tagName, text: (el.innerText || el.value || '').trim(),
                  id: el.id, outline: style.outlineStyle, shadow: style.boxShadow};
        }"""
    )


def tab_to(page, text: str, limit: int = 80) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = focused(page)
        if current["text"] == text:
            return current
    raise AssertionError(f"Tab never reached {text!r}")


def test_keyboard_only_search(live_server, page, catalogue, screenshot):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Naar de inhoud"
    assert skip["outline"] != "none"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    page.keyboard.press("Tab")
    assert focused(page)["id"] == "q"
    page.keyboard.type("autisme")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/zoeken\?q=autisme$"))

    link = tab_to(page, "Autisme begeleiding thuis")
    assert link["outline"] != "none" and link["shadow"] != "none"
    screenshot("public-search-keyboard-focus")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Autisme begeleiding thuis"
    )


@pytest.mark.parametrize("path", ["/", "/zoeken?q=angst", "org", "service"])
def test_main_pages_have_no_axe_violations(live_server, page, catalogue, path):
    if path == "org":
        path = catalogue["angst"].organisation.get_absolute_url()
    elif path == "service":
        path = catalogue["angst"].get_absolute_url()
    page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []


def test_pages_fit_a_phone_screen(live_server, page, catalogue, screenshot):
    page.set_viewport_size({"width": 375, "height": 800})
    for name, path in [
        ("home", "/"),
        ("search", "/zoeken?q=angst"),
        ("service", catalogue["angst"].get_absolute_url()),
        ("organisation", catalogue["angst"].organisation.get_absolute_url()),
    ]:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways ({width}px)"
        screenshot(f"public-phone-{name}")
    page.goto(live_server.url + "/zoeken?q=angst")
    # On a phone the filters start folded so the results come first.
    expect(page.locator("#filters")).not_to_have_attribute("open", "")
