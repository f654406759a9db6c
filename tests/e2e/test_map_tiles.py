"""The location map in real Chromium: with reachable tiles a real map with its
attribution; with tiles that cannot load, markers on a plain background and every
address as text. The tile server here is the live server itself (the suite never
reaches outside the machine; the default in production is PDOK's BRT map)."""

# The catalogue fixtures are imported below and reused by name as arguments.
# ruff: noqa: F811

import pytest
from playwright.sync_api import expect

from tests.e2e.test_public_search import catalogue, reference_data  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_reachable_tiles_give_a_real_map_with_its_attribution(
    live_server,
    page,
    catalogue,
    settings,
):
    # Any PNG will do as a tile; {z}/{x}/{y} go into the query string.
    tile = "/static/vendor/leaflet/images/layers.png?z={z}&x={x}&y={y}"
    settings.MAP_TILE_URL = live_server.url + tile
    settings.MAP_TILE_ATTRIBUTION = "Kaartgegevens © Kadaster"
    page.goto(live_server.url + catalogue["angst"].get_absolute_url())
    expect(page.locator("#service-map .leaflet-tile-loaded").first).to_be_visible()
    expect(page.locator("#service-map .leaflet-control-attribution")).to_contain_text(
        "Kaartgegevens © Kadaster"
    )
    expect(page.locator("#service-map path.leaflet-interactive")).to_have_count(2)


def test_tiles_that_cannot_load_leave_markers_and_addresses(
    live_server,
    page,
    catalogue,
    settings,
):
    settings.MAP_TILE_URL = live_server.url + "/geen-tegels/{z}/{x}/{y}.png"
    page.goto(live_server.url + catalogue["angst"].get_absolute_url())
    expect(page.locator("#service-map.leaflet-container")).to_be_visible()
    expect(page.locator("#service-map path.leaflet-interactive")).to_have_count(2)
    assert page.locator("#service-map .leaflet-tile-loaded").count() == 0
    locations = page.locator(".location-list")
    expect(locations).to_contain_text("Vestiging Haven")
    expect(locations).to_contain_text("Vestiging Stad")
