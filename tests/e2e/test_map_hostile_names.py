"""A location name is text, never markup: a provider (or its API key) that names a
location ``<img onerror>`` or ``<meta http-equiv=refresh>`` must not get an element
into the public page when a visitor hovers or clicks the marker on the map."""

import importlib

import pytest
from playwright.sync_api import expect

from registry.services import service_refresh_search
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = [
    '<img src=x id=injected-img onerror="window.__pwned=1">',
    '<meta http-equiv="refresh" content="0;url=https://example.invalid/">',
]


@pytest.fixture
def hostile_service():
    from django.apps import apps

    importlib.import_module("registry.migrations.0002_seed_reference_data").seed(
        apps, None
    )
    provider = factories.HoofdaanbiederFactory(percelen=[factories._perceel()])
    service = factories.ServiceFactory(organisation=provider, name="Angsttraining")
    for name, lat in zip(HOSTILE, ("52.37300", "52.34500"), strict=True):
        service.locations.add(
            factories.LocationFactory(
                organisation=provider, name=name, latitude=lat, longitude="5.21800"
            )
        )
    service_refresh_search(services=[service])
    return service


# Every element inside a tooltip/popup content is the one <span> map.js made,
# and it holds text nodes only.
ONLY_TEXT = """el => [...el.querySelectorAll('*')].every(
  child => child.tagName === 'SPAN' &&
           [...child.childNodes].every(node => node.nodeType === Node.TEXT_NODE))"""


def _injected(page) -> dict:
    return page.evaluate(
        """() => ({
          img: document.querySelectorAll('#injected-img, .leaflet-pane img').length,
          meta: document.querySelectorAll('meta[http-equiv]').length,
          pwned: window.__pwned || 0,
        })"""
    )


@pytest.mark.parametrize("index", [0, 1])
def test_hostile_location_names_show_as_text_on_hover_and_click(
    live_server, page, hostile_service, index
):
    page.goto(live_server.url + hostile_service.get_absolute_url())
    url = page.url
    markers = page.locator("#service-map .leaflet-interactive")
    expect(markers).to_have_count(2)
    before = _injected(page)

    # Which marker carries which name depends on Leaflet's drawing order: hover
    # each and look for the one whose tooltip says this name.
    tooltip = page.locator(".leaflet-tooltip").filter(has_text=HOSTILE[index])
    for i in range(2):
        markers.nth(i).hover()
        if tooltip.count():
            break
    expect(tooltip).to_have_count(1)
    expect(tooltip).to_have_text(HOSTILE[index])
    assert tooltip.evaluate(ONLY_TEXT)
    markers.nth(i).click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_have_text(HOSTILE[index])
    assert popup.evaluate(ONLY_TEXT)

    page.wait_for_timeout(300)  # a meta refresh of 0 s would have fired by now
    assert page.url == url
    assert _injected(page) == before == {"img": 0, "meta": 0, "pwned": 0}
