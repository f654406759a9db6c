"""Issue 14 in Chromium: the referral loop through a real working day.

- A JGZ nurse refers a toddler to a 4-17 service and is stopped (nothing
  stored); a service in aanmeldstop points her to alternatives.
- The provider gets the mail, sees the new urgent referral first with "Nieuw",
  opens it and finds the parent's phone number.
- The provider marks a wrong step as recorded in error; the status goes back.
Screenshots at 375 px and 1280 px go to test-results/day-*.png.
"""

from datetime import date

from django.core import mail
from django.urls import reverse

import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from registry.models import Capacity
from tests import factories
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_referral_loop import log_in, log_out

TODDLER = date.today().replace(year=date.today().year - 2, day=1)
PUPIL = date(2016, 5, 1)


def shoot(page, name):
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"day-{name}-{width}.png", full_page=True)
        # No horizontal scroll of the page at either width.
        root = "document.documentElement"
        scroll = page.evaluate(f"{root}.scrollWidth - {root}.clientWidth")
        assert scroll <= 0, f"{name} scrolls sideways at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def day():
    perceel = factories._perceel()
    provider = factories.HoofdaanbiederFactory(
        name="Kindzorg Almere", percelen=[perceel]
    )
    service = factories.ServiceFactory(
        organisation=provider,
        perceel=perceel,
        name="Gezinsbegeleiding Regenboog",
        age_min=4,
        age_max=17,
        intake_email="intake@kindzorg.example",
    )
    closed = factories.ServiceFactory(
        organisation=provider,
        perceel=perceel,
        name="Dagbehandeling Vol",
        capacity__status="closed",
        capacity__free_places=0,
    )
    jgz = factories.OrganisationFactory(kind="jgz", name="JGZ Almere")
    nurse = factories.UserFactory(username="nurse", first_name="Fatima")
    factories.MembershipFactory(organisation=jgz, user=nurse)
    factories.MembershipFactory(
        organisation=provider,
        user=factories.UserFactory(username="anna"),
        notify_referrals=True,
    )
    return {"service": service, "closed": closed, "jgz": jgz, "nurse": nurse}


def fill_referral(page, *, birth_date, urgent=False):
    page.get_by_label("Initialen van het kind").fill("T.K.")
    page.get_by_label("Geboortedatum van het kind").fill(birth_date.isoformat())
    page.get_by_label("Hulpvraag").fill("Veel driftbuien, ouders zijn uitgeput.")
    if urgent:
        page.get_by_label("Met spoed").check()
    page.get_by_label("Ouder of voogd").check()
    page.get_by_label("Naam van de ouder (niet verplicht)").fill("Sanne Kramer")
    page.get_by_label("Telefoonnummer van de ouder").fill("0612345678")


@pytest.mark.browser_context_args(locale="nl-NL")
@pytest.mark.django_db(transaction=True)
def test_a_nurse_is_stopped_for_a_toddler_and_for_an_aanmeldstop(
    live_server, page, day
):
    service, closed = day["service"], day["closed"]
    log_in(page, live_server, "nurse", "/")
    page.goto(live_server.url + reverse("referrals:referral-create", args=[service.pk]))
    expect(page.get_by_text("Voor kinderen van 4 tot en met 17 jaar.")).to_be_visible()
    fill_referral(page, birth_date=TODDLER)
    page.get_by_role("button", name="Verwijzing versturen").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("4 tot en met 17 jaar; dit kind is 2 jaar")
    # The message links to the birth date field; what she typed is kept.
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Geboortedatum van het kind")).to_be_focused()
    expect(page.get_by_label("Hulpvraag")).to_have_value(
        "Veel driftbuien, ouders zijn uitgeput."
    )
    shoot(page, "refused-age")
    assert not Referral.objects.exists()

    page.goto(live_server.url + reverse("referrals:referral-create", args=[closed.pk]))
    expect(
        page.get_by_role("heading", name="Dit aanbod heeft een aanmeldstop")
    ).to_be_visible()
    fill_referral(page, birth_date=PUPIL)
    page.get_by_role("button", name="Verwijzing versturen").click()
    expect(page.locator(".error-summary")).to_contain_text("aanmeldstop")
    assert not Referral.objects.exists()
    page.get_by_role("link", name="Bekijk ander aanbod in dit perceel").click()
    expect(page).to_have_url(
        f"{live_server.url}/zoeken?perceel={closed.perceel.code}&plek=1"
    )
    assert Capacity.objects.get(service=closed).status == "closed"


@pytest.mark.browser_context_args(locale="nl-NL")
@pytest.mark.django_db(transaction=True)
def test_the_provider_gets_the_mail_opens_the_urgent_one_first_and_calls(
    live_server, page, day
):
    service = day["service"]
    # A regular referral from last week is waiting already.
    older = factories.ReferralFactory(
        service=service, referrer_organisation=day["jgz"], days_ago=7
    )
    log_in(page, live_server, "nurse", "/")
    page.goto(live_server.url + reverse("referrals:referral-create", args=[service.pk]))
    fill_referral(page, birth_date=PUPIL, urgent=True)
    page.get_by_role("button", name="Verwijzing versturen").click()
    expect(page.get_by_role("heading", name="Verwijzing verstuurd")).to_be_visible()
    urgent = Referral.objects.get(urgency="urgent")
    log_out(page)

    # The mail: urgent in the subject, only the reference and a link.
    mails = [m for m in mail.outbox if urgent.reference in m.subject]
    assert {m.to[0] for m in mails} == {"intake@kindzorg.example", "anna@example.org"}
    assert mails[0].subject == f"SPOED: nieuwe verwijzing {urgent.reference}"
    assert "Sanne" not in mails[0].body and "0612" not in mails[0].body
    assert "driftbuien" not in mails[0].body

    log_in(page, live_server, "anna", reverse("referrals:inbox"))
    rows = page.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text(urgent.reference)
    expect(rows.nth(0)).to_contain_text("Nieuw")
    expect(rows.nth(0)).to_contain_text("Spoed")
    expect(rows.nth(1)).to_contain_text(older.reference)
    shoot(page, "inbox")
    rows.nth(0).get_by_role("link", name=urgent.reference).click()
    phone = page.locator(".parent-contact").get_by_role("link", name="06 12345678")
    expect(phone).to_have_attribute("href", "tel:0612345678")
    expect(page.locator(".parent-contact")).to_contain_text("Sanne Kramer")
    shoot(page, "provider-detail")
    page.goto(live_server.url + reverse("referrals:inbox"))
    expect(page.locator("tbody tr").nth(0).locator(".badge--new")).to_have_count(0)


@pytest.mark.browser_context_args(locale="nl-NL")
@pytest.mark.django_db(transaction=True)
def test_the_provider_corrects_a_wrong_step(live_server, page, day):
    referral = factories.ReferralFactory(
        service=day["service"],
        referrer_organisation=day["jgz"],
        referrer_user=day["nurse"],
        intake=True,
    )
    log_in(page, live_server, "anna", referral.get_absolute_url())
    expect(page.locator(".lead")).to_contain_text("Intake gehad")
    page.get_by_text("Stap 'Intake gehad' verkeerd vastgelegd?").click()
    page.get_by_label("Wat was er fout?").fill("Intake hoorde bij een ander kind.")
    page.get_by_role("button", name="Markeer als fout").click()
    expect(page.get_by_text("Gemarkeerd als fout: Intake gehad.")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("Ontvangen")
    expect(page.locator(".timeline .retracted")).to_contain_text("Fout vastgelegd")
    shoot(page, "corrected")
    log_out(page)
    # The referrer sees the correction in the timeline and a notice.
    log_in(page, live_server, "nurse", reverse("referrals:referral-list"))
    expect(page.locator(".notices")).to_contain_text("Stap gecorrigeerd")
    referral.refresh_from_db()
    assert referral.status == "received"
    assert referral.events.count() == 2


@pytest.mark.browser_context_args(locale="nl-NL")
@pytest.mark.django_db(transaction=True)
def test_a_decline_leads_to_verwijs_hierheen_with_nothing_retyped(
    live_server, page, day
):
    service = day["service"]
    other = factories.ServiceFactory(
        organisation=service.organisation,
        perceel=service.perceel,
        name="Opvoedondersteuning Zon",
        age_min=0,
        age_max=12,
    )
    declined = factories.ReferralFactory(
        service=service,
        referrer_organisation=day["jgz"],
        referrer_user=day["nurse"],
        child_birth_date=PUPIL,
        parent_name="Sanne Kramer",
        days_ago=21,
        declined=True,
    )
    log_in(page, live_server, "nurse", declined.get_absolute_url())
    alternatives = page.locator(".alternatives")
    expect(alternatives).to_contain_text("Opvoedondersteuning Zon")
    shoot(page, "declined-alternatives")
    alternatives.get_by_role("link", name="Verwijs hierheen").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(other.name)
    expect(page.get_by_label("Hulpvraag")).to_have_value(declined.help_question)
    expect(page.get_by_label("Telefoonnummer van de ouder")).to_have_value(
        "06 12345678"
    )
    page.get_by_role("button", name="Verwijzing versturen").click()
    expect(page.get_by_role("heading", name="Verwijzing verstuurd")).to_be_visible()
    new = Referral.objects.get(service=other)
    assert new.previous_referral == declined
    assert (new.child_initials, new.parent_name) == ("J.B.", "Sanne Kramer")
    page.goto(live_server.url + new.get_absolute_url())
    chain = page.locator("[aria-labelledby=chain-title]")
    expect(chain).to_contain_text("Dit kind wacht sinds de eerste verwijzing 3 weken")
    expect(chain).to_contain_text(declined.reference)
    shoot(page, "chain")
