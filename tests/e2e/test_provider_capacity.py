"""In Chromium: a provider logs in, updates a waiting time on /mijn/aanbod, and
sees the new value on the public service page and old → new in the history."""

import re

from django.urls import reverse

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.two_factor import complete_log_in

PASSWORD = "correct horse battery staple"


@pytest.mark.browser_context_args(locale="nl-NL")
@pytest.mark.django_db(transaction=True)
def test_a_provider_updates_a_waiting_time_and_sees_it_public_and_in_history(
    live_server, page, screenshot
):
    org = factories.HoofdaanbiederFactory(
        name="Kindzorg Almere", percelen=[factories._perceel()]
    )
    # Open with free places, so a longer intake wait stays coherent.
    service = factories.ServiceFactory(
        organisation=org, name="Gezinsbegeleiding", capacity__free_places=3
    )
    factories.MembershipFactory(
        organisation=org,
        user=factories.UserFactory(
            username="anna", first_name="Anna", last_name="de Vries"
        ),
    )

    page.goto(live_server.url + reverse("provider:my-services"))
    expect(page).to_have_url(re.compile(r"/inloggen\?next="))
    page.get_by_label("Gebruikersnaam").fill("anna")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    screenshot("provider-01-login")
    page.get_by_role("button", name="Inloggen").click()
    complete_log_in(page, "anna")

    expect(page.get_by_role("heading", name="Mijn aanbod", level=1)).to_be_visible()
    card = page.locator(f"#service-{service.pk}")
    intake = card.get_by_label("Aanmeldwachttijd (weken)")
    expect(intake).to_have_value("2")
    intake.fill("7")
    screenshot("provider-02-my-services-edited")
    card.get_by_role("button", name="Opslaan").click()
    expect(
        page.get_by_text("Capaciteit van Gezinsbegeleiding opgeslagen.")
    ).to_be_visible()
    expect(
        page.locator(f"#service-{service.pk}").get_by_label("Aanmeldwachttijd (weken)")
    ).to_have_value("7")
    screenshot("provider-03-saved")

    page.goto(live_server.url + reverse("registry:service-detail", args=[service.pk]))
    capacity = page.locator("section", has=page.locator("#capacity-title"))
    intake_wait = capacity.locator(".waits > div", has_text="Aanmeldwachttijd")
    expect(intake_wait).to_contain_text("7 weken")
    screenshot("provider-04-public-page")

    page.goto(live_server.url + reverse("provider:service-history", args=[service.pk]))
    newest = page.locator("tbody tr").first
    expect(newest).to_contain_text("Anna de Vries")
    expect(newest).to_contain_text("Aanmeldwachttijd (weken): 2 → 7")
    screenshot("provider-05-history")

    # "Nog actueel" in one click (a button outside its form, via form=...).
    page.goto(live_server.url + reverse("provider:my-services"))
    page.locator(f"#service-{service.pk}").get_by_role(
        "button", name="Nog actueel"
    ).click()
    expect(
        page.get_by_text("Gezinsbegeleiding is bevestigd als nog actueel.")
    ).to_be_visible()
    page.goto(live_server.url + reverse("provider:service-history", args=[service.pk]))
    expect(page.locator("tbody tr").first).to_contain_text("Bevestigd: nog actueel")
