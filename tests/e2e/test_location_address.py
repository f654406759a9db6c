"""In Chromium: a provider adds a location by typing a postcode and house
number; the address and the pin are filled from PDOK Locatieserver (the local
stand-in, tests/pdok_server.py, with a hand-written answer in its documented
format), the provider moves the pin by typing, saves, and the pin shows."""

import re
from decimal import Decimal

from django.urls import reverse

import pytest
from playwright.sync_api import expect

from registry.models import Location
from tests import factories
from tests.e2e.test_public_search import axe_violations
from tests.e2e.two_factor import complete_log_in
from tests.pdok_server import pdok  # noqa: F401 - the fixture

PASSWORD = "correct horse battery staple"


@pytest.mark.browser_context_args(locale="nl-NL")
@pytest.mark.django_db(transaction=True)
def test_a_provider_adds_a_location_from_postcode_and_house_number(
    live_server,
    page,
    screenshot,
    pdok,  # noqa: F811
):
    pdok.answer("postcode:1356TL AND huisnummer:12", "pdok_adres_1356TL_12.json")
    org = factories.HoofdaanbiederFactory(
        name="Kindzorg Almere", percelen=[factories._perceel()]
    )
    factories.MembershipFactory(
        organisation=org, user=factories.UserFactory(username="anna")
    )

    page.goto(live_server.url + reverse("provider:location-create", args=[org.pk]))
    expect(page).to_have_url(re.compile(r"/inloggen\?next="))
    page.get_by_label("Gebruikersnaam").fill("anna")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    complete_log_in(page, "anna")
    expect(page.get_by_role("heading", name="Locatie toevoegen")).to_be_visible()

    page.get_by_label("Naam").fill("Vestiging Kalkovenweg")
    page.get_by_label("Postcode").fill("1356 tl")
    page.get_by_label("Huisnummer").fill("12")
    page.get_by_role("button", name="Zoek adres").click()

    # Filled in place by location-form.js (no page load): street, city, pin.
    expect(page.locator("#address-lookup-status")).to_contain_text(
        "Adres gevonden: Kalkovenweg 12, 1356TL Almere"
    )
    expect(page.get_by_label("Straat")).to_have_value("Kalkovenweg")
    expect(page.get_by_label("Plaats")).to_have_value("Almere")
    expect(page.get_by_label("Postcode")).to_have_value("1356 TL")
    expect(page.get_by_role("textbox", name="Breedtegraad")).to_have_value("52.33682")
    expect(page.locator("#location-map")).to_be_visible()
    expect(page.locator("#location-map .leaflet-marker-icon")).to_have_count(1)
    assert page.get_by_label("Naam").input_value() == "Vestiging Kalkovenweg"
    assert len(pdok.requests) == 1
    assert axe_violations(page) == []
    screenshot("location-01-address-found")

    # The keyboard alternative to dragging: typing a coordinate moves the pin.
    before = page.locator("#location-map .leaflet-marker-icon").bounding_box()
    page.get_by_role("textbox", name="Lengtegraad").fill("5.21900")
    page.get_by_role("textbox", name="Lengtegraad").press("Tab")
    after = page.locator("#location-map .leaflet-marker-icon").bounding_box()
    assert after["x"] != before["x"]

    page.get_by_role("button", name="Locatie opslaan").click()
    expect(page.get_by_text("De locatie is toegevoegd.")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Kalkovenweg 12")
    screenshot("location-02-saved")
    location = Location.objects.get()
    assert (
        location.street,
        location.house_number,
        location.postcode,
        location.city,
        location.latitude,
        location.longitude,
    ) == ("Kalkovenweg", 12, "1356 TL", "Almere", Decimal("52.33682"), Decimal("5.219"))

    # The pin shows where it was saved, on the form and on the public page.
    page.goto(live_server.url + reverse("provider:location-edit", args=[location.pk]))
    expect(page.locator("#location-map .leaflet-marker-icon")).to_have_count(1)
    expect(page.get_by_role("textbox", name="Lengtegraad")).to_have_value("5.21900")
    page.goto(live_server.url + org.get_absolute_url())
    expect(page.get_by_text("Kalkovenweg 12, 1356 TL Almere")).to_be_visible()
    expect(page.locator(".map .leaflet-interactive")).to_have_count(1)
    screenshot("location-03-public-pin")
