"""The whole referral loop in Chromium.

A JGZ nurse searches the map, opens a service and refers a child; the provider
records received, intake and started in its inbox; the nurse sees "Hulp gestart
op …"; the family checks the status with the code from the slip.
"""

import re
from datetime import date

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

import pytest
from playwright.sync_api import expect

from registry.services import service_refresh_search
from tests import factories
from tests.e2e.two_factor import complete_log_in

PASSWORD = "correct horse battery staple"
BIRTH_DATE = date(2014, 3, 8)


def log_in(page, live_server, username, next_url):
    page.goto(f"{live_server.url}{reverse('login')}?next={next_url}")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    complete_log_in(page, username)


def log_out(page):
    page.get_by_role("button", name="Uitloggen").click()


def record_step(page, label, confirm=False):
    page.get_by_role("button", name=f"{label} vastleggen").click()
    if confirm:  # steps that are hard to undo get a confirmation page
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"{label} vastleggen?"
        )
        page.get_by_role("button", name=f"Ja, {label.lower()} vastleggen").click()
    expect(page.get_by_text(f"Vastgelegd: {label}.")).to_be_visible()


@pytest.fixture
def cast():
    perceel = factories._perceel()
    provider = factories.HoofdaanbiederFactory(
        name="Kindzorg Almere", percelen=[perceel]
    )
    service = factories.ServiceFactory(
        organisation=provider,
        perceel=perceel,
        name="Gezinsbegeleiding Regenboog",
        intake_phone="036 123 4567",
    )
    service_refresh_search(services=[service])
    jgz = factories.OrganisationFactory(kind="jgz", name="JGZ Almere")
    factories.MembershipFactory(
        organisation=jgz,
        user=factories.UserFactory(username="nurse", first_name="Fatima"),
    )
    factories.MembershipFactory(
        organisation=provider, user=factories.UserFactory(username="anna")
    )
    return service


@pytest.mark.browser_context_args(locale="nl-NL")
@pytest.mark.django_db(transaction=True)
def test_refer_record_steps_and_see_help_start_as_referrer_and_family(
    live_server, page, screenshot, cast
):
    service = cast
    with translation.override("nl"):
        today = date_format(timezone.localdate(), "DATE_FORMAT")
        # The family's page writes the month in full (B1): "7 december 2026".
        today_in_full = date_format(timezone.localdate(), "j F Y")

    # The JGZ nurse logs in, searches and opens the service.
    log_in(page, live_server, "nurse", "/")
    page.goto(live_server.url + reverse("registry:search") + "?q=regenboog")
    page.get_by_role("link", name="Gezinsbegeleiding Regenboog").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(service.name)
    page.get_by_role("link", name="Verwijs naar dit aanbod").click()

    # She refers with the least data that works.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verwijzen naar")
    page.get_by_label("Initialen van het kind").fill("L.M.")
    page.get_by_label("Geboortedatum van het kind").fill(BIRTH_DATE.isoformat())
    page.get_by_label("Hulpvraag").fill(
        "Veel angst, slaapt slecht, wil niet naar school."
    )
    page.get_by_label("Ouder of voogd").check()
    page.get_by_label("Telefoonnummer van de ouder").fill("06 12345678")
    screenshot("referral-01-form")
    page.get_by_role("button", name="Verwijzing versturen").click()

    expect(page.get_by_role("heading", name="Verwijzing verstuurd")).to_be_visible()
    family_code = page.get_by_test_id("family-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", family_code)
    screenshot("referral-02-created")
    page.get_by_role("link", name="Brief voor het gezin afdrukken").click()
    expect(page.locator(".slip__code")).to_have_text(family_code)
    expect(page.locator(".slip")).to_contain_text("036 123 4567")
    screenshot("referral-03-slip")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Afdrukken")).to_be_hidden()
    screenshot("referral-03-slip-print")
    page.emulate_media(media="screen")
    log_out(page)

    # The provider records received, intake and started from its inbox.
    log_in(page, live_server, "anna", reverse("referrals:inbox"))
    expect(page.get_by_role("heading", name="Inbox verwijzingen")).to_be_visible()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("L.M.")
    expect(row).to_contain_text("Gezinsbegeleiding Regenboog")
    screenshot("referral-04-inbox")
    row.get_by_role("link").first.click()
    record_step(page, "Ontvangen")
    record_step(page, "Intake gehad")
    screenshot("referral-05-provider-after-intake")
    record_step(page, "Hulp gestart", confirm=True)
    expect(page.locator(".lead")).to_contain_text(f"Hulp gestart op {today}")
    screenshot("referral-06-provider-started")
    log_out(page)

    # The nurse sees that help started, and the notice about it.
    log_in(page, live_server, "nurse", reverse("referrals:referral-list"))
    expect(page.get_by_role("heading", name="Verwijzingen", level=1)).to_be_visible()
    expect(page.locator("tbody tr").first).to_contain_text(f"Hulp gestart op {today}")
    expect(page.locator(".notices")).to_contain_text("Hulp gestart")
    screenshot("referral-07-referrer-list")
    log_out(page)

    # The family checks the status with the code and the date of birth.
    page.goto(live_server.url + reverse("referrals:status"))
    page.get_by_label("Uw code").fill(family_code.lower())
    page.get_by_label("Geboortedatum van uw kind").fill(BIRTH_DATE.isoformat())
    screenshot("referral-08-family-form")
    page.get_by_role("button", name="Bekijk de status").click()
    expect(page.get_by_text(f"De hulp is gestart op {today_in_full}.")).to_be_visible()
    expect(page.get_by_text("Veel angst")).to_have_count(0)
    screenshot("referral-09-family-status")
