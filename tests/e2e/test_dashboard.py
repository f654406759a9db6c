"""In Chromium: municipality staff log in and read /regie (charts, tables, the
definitions); a provider sees its own figures beside Almere's, nobody else's."""

import re

from django.urls import reverse

import pytest
from playwright.sync_api import expect

from dashboard.services import dashboard_refresh
from sampledata import referral_scale as scale
from tests import factories

PASSWORD = "correct horse battery staple"


def _log_in(page, live_server, username: str, path: str) -> None:
    page.goto(live_server.url + path)
    expect(page).to_have_url(re.compile(r"/inloggen\?next="))
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


@pytest.fixture
def city(db):
    perceel = factories._perceel()
    main = factories.HoofdaanbiederFactory(name="Kindzorg Almere", percelen=[perceel])
    sub = factories.OnderaannemerFactory(
        name="Praktijk De Linde", main_contractor=main, percelen=[perceel]
    )
    other = factories.HoofdaanbiederFactory(name="Horizon Jeugd", percelen=[perceel])
    services = [
        factories.ServiceFactory(organisation=org, perceel=perceel)
        for org in (main, sub, other)
    ]
    scale.generate_referrals(count=400, years=1.5, seed=11, services=services)
    dashboard_refresh()
    gemeente = factories.OrganisationFactory(kind="gemeente", name="Gemeente Almere")
    factories.MembershipFactory(
        organisation=gemeente, user=factories.UserFactory(username="regie")
    )
    factories.MembershipFactory(
        organisation=main, user=factories.UserFactory(username="kindzorg")
    )
    return {"main": main, "sub": sub, "other": other}


@pytest.mark.browser_context_args(
    locale="nl-NL", viewport={"width": 1280, "height": 900}
)
@pytest.mark.django_db(transaction=True)
def test_municipality_staff_read_the_dashboard(live_server, page, screenshot, city):
    _log_in(page, live_server, "regie", reverse("dashboard:overview"))
    expect(
        page.get_by_role("heading", name="Regie-dashboard wachttijden", level=1)
    ).to_be_visible()
    expect(page.get_by_text("Cijfers bijgewerkt op")).to_be_visible()
    trend = page.get_by_role("img", name="Mediaan wachttijd per maand (weken)")
    expect(trend).to_be_visible()
    expect(page.get_by_role("img", name="Totale wachttijd", exact=True)).to_be_visible()
    screenshot("dashboard-01-overview")

    page.get_by_text("Cijfers bij “Totale wachttijd”").click()
    expect(page.locator("#tabel-verdeling-total")).to_be_visible()
    page.locator("#grafiek-verdeling-total").scroll_into_view_if_needed()
    screenshot("dashboard-02-with-table")

    # The browser's month field refuses a wrong month; the address bar does not.
    page.goto(live_server.url + reverse("dashboard:overview") + "?van=2000-13")
    expect(
        page.get_by_role("heading", name="Deze filters kloppen niet")
    ).to_be_visible()
    screenshot("dashboard-03-bad-filter")

    page.goto(live_server.url + reverse("dashboard:organisations"))
    expect(page.get_by_role("link", name="Kindzorg Almere")).to_be_visible()
    expect(page.get_by_role("link", name="Horizon Jeugd")).to_be_visible()
    screenshot("dashboard-04-organisations")


@pytest.mark.browser_context_args(
    locale="nl-NL", viewport={"width": 1280, "height": 900}
)
@pytest.mark.django_db(transaction=True)
def test_a_provider_sees_its_own_figures_beside_almere(
    live_server, page, screenshot, city
):
    _log_in(page, live_server, "kindzorg", reverse("dashboard:overview"))
    expect(
        page.get_by_role("heading", name=re.compile("Kindzorg Almere"), level=1)
    ).to_be_visible()
    expect(page.get_by_text("Almere, alle aanbieders").first).to_be_visible()
    members = page.locator("#tabel-onderdelen")
    expect(members.get_by_text("Praktijk De Linde")).to_be_visible()
    expect(page.get_by_text("Horizon Jeugd")).to_have_count(0)
    screenshot("dashboard-05-provider")
