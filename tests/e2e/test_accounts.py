"""In Chromium (issue 13): the first log-in sets up the authenticator app; a
wrong code is refused and counted; an admin invites a colleague who accepts;
a removed colleague is thrown out mid-session; a user in two organisations
switches. Screenshots at 375 px and 1280 px go to test-results/."""

import re

from django.core import mail
from django.urls import reverse

import pyotp
import pytest
from axes.models import AccessAttempt
from playwright.sync_api import expect

from tests import factories
from tests.e2e.two_factor import complete_log_in, next_code

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "lange zin als wachtwoord 42"
pytestmark = [
    pytest.mark.browser_context_args(locale="nl-NL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _settings(settings, live_server):
    settings.SITE_URL = live_server.url
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def shots(page, screenshot):
    """``shots(name)``: the page at phone (375 px) and desktop (1280 px) width."""

    def take(name):
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(f"accounts-{name}-{width}")

    return take


def _password(page, live_server, username, path="/"):
    page.goto(f"{live_server.url}{reverse('login')}?next={path}")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def _provider_with_admin():
    org = factories.HoofdaanbiederFactory(
        name="Kindzorg Almere", percelen=[factories._perceel()]
    )
    admin = factories.UserFactory(
        username="bea", first_name="Bea", last_name="Beheer", email="bea@example.org"
    )
    factories.MembershipFactory(organisation=org, user=admin, role="admin")
    return org, admin


def test_first_log_in_sets_up_the_app_and_a_wrong_code_is_refused_and_counted(
    live_server, page, shots
):
    org, _admin = _provider_with_admin()
    factories.MembershipFactory(
        organisation=org, user=factories.UserFactory(username="anna", first_name="Anna")
    )
    _password(page, live_server, "anna", reverse("provider:my-services"))
    expect(page).to_have_url(re.compile(r"/inloggen/instellen$"))
    expect(page.locator(".qr svg")).to_be_visible()
    shots("setup")
    secret = re.sub(r"\s", "", page.locator("#totp-secret").inner_text())

    page.get_by_label("Code uit de app").fill("000000")
    page.get_by_role("button", name="Instellen").click()
    expect(page.get_by_text("Deze code klopt niet").first).to_be_visible()
    page.get_by_label("Code uit de app").fill(next_code(secret))
    page.get_by_role("button", name="Instellen").click()
    expect(page.get_by_role("heading", name="Uw herstelcodes")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    shots("recovery-codes")
    page.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    expect(page.get_by_role("heading", name="Mijn aanbod", level=1)).to_be_visible()
    expect(page.locator("#whoami")).to_contain_text("Anna")
    expect(page.locator("#whoami")).to_contain_text("Kindzorg Almere")

    page.get_by_role("button", name="Uitloggen").click()
    _password(page, live_server, "anna", reverse("provider:my-services"))
    expect(page).to_have_url(re.compile(r"/inloggen/code$"))
    page.get_by_label("Code", exact=False).first.fill("123456")
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_text("Deze code klopt niet").first).to_be_visible()
    shots("code-wrong")
    assert AccessAttempt.objects.get(username="anna").failures_since_start == 1
    device_secret = secret
    page.get_by_label("Code", exact=False).first.fill(
        next_code(device_secret, last_t=_last_t("anna"))
    )
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("heading", name="Mijn aanbod", level=1)).to_be_visible()


def _last_t(username):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.get(user__username=username).last_t


def test_an_invited_colleague_joins_and_is_thrown_out_when_removed(
    live_server, page, browser, shots
):
    org, _admin = _provider_with_admin()
    _password(page, live_server, "bea", reverse("registry:start"))
    complete_log_in(page, "bea")
    page.goto(live_server.url + reverse("accounts:people", args=[org.pk]))
    page.get_by_label("E-mailadres").fill("nina@example.org")
    page.get_by_label("Rol").select_option("staff")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(
        page.get_by_text("Uitnodiging verstuurd naar nina@example.org")
    ).to_be_visible()
    shots("people")
    link = re.search(r"(http://\S+/uitnodiging/\S+)", mail.outbox[-1].body)[1]

    nina_context = browser.new_context(locale="nl-NL")
    nina = nina_context.new_page()
    nina.goto(link)
    expect(
        nina.get_by_role("heading", name="Welkom bij Kindzorg Almere")
    ).to_be_visible()
    nina.set_viewport_size({"width": 375, "height": 900})
    nina.screenshot(path="test-results/accounts-invitation-375.png", full_page=True)
    nina.get_by_label("Voornaam").fill("Nina")
    nina.get_by_label("Achternaam").fill("Nieuw")
    nina.locator("#id_password").fill(NEW_PASSWORD)
    nina.get_by_label("Wachtwoord nogmaals").fill(NEW_PASSWORD)
    nina.get_by_role("button", name="Uitnodiging accepteren").click()
    expect(nina).to_have_url(re.compile(r"/inloggen/instellen$"))
    complete_log_in(nina, "nina@example.org")
    expect(nina.locator("#whoami")).to_contain_text("Nina Nieuw")
    expect(nina.locator("#whoami")).to_contain_text("Kindzorg Almere")
    nina.goto(live_server.url + reverse("provider:my-services"))
    expect(nina.get_by_role("heading", name="Mijn aanbod", level=1)).to_be_visible()

    # Nina leaves: Bea takes her out; Nina's open page no longer works.
    page.reload()
    row = page.locator("#members tr", has_text="Nina Nieuw")
    row.get_by_role("button", name="Uit organisatie halen").click()
    expect(page.get_by_text("is uit de organisatie gehaald")).to_be_visible()
    expect(page.locator("#people-log")).to_contain_text("Uit de organisatie gehaald")
    nina.reload()
    expect(nina).to_have_url(re.compile(r"/inloggen\?next="))
    nina_context.close()


def test_a_user_in_two_organisations_switches(live_server, page, shots):
    provider = factories.HoofdaanbiederFactory(
        name="Kindzorg Almere", percelen=[factories._perceel()]
    )
    jgz = factories.OrganisationFactory(kind="jgz", name="JGZ Almere")
    user = factories.UserFactory(username="tessa", first_name="Tessa")
    factories.MembershipFactory(organisation=provider, user=user)
    factories.MembershipFactory(organisation=jgz, user=user)
    _password(page, live_server, "tessa")
    complete_log_in(page, "tessa")
    expect(page.locator("#whoami")).to_contain_text("JGZ Almere")
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    expect(nav.get_by_role("link", name="Inbox")).to_have_count(0)

    page.get_by_role("link", name="Wissel van organisatie").click()
    shots("switch")
    page.get_by_label("Kindzorg Almere").check()
    page.get_by_role("button", name="Wissel").click()
    expect(page.get_by_text("U werkt nu voor Kindzorg Almere.")).to_be_visible()
    expect(page.locator("#whoami")).to_contain_text("Kindzorg Almere")
    expect(nav.get_by_role("link", name="Inbox")).to_be_visible()
    expect(nav.get_by_role("link", name="Verwijzingen")).to_have_count(0)
    page.goto(live_server.url + reverse("accounts:account"))
    expect(page.locator("#account-organisation")).to_contain_text("Kindzorg Almere")
    shots("account")


def test_the_demo_secret_is_a_plain_totp(live_server):
    # The README's recipe (any TOTP app, or oathtool) computes the same codes.
    from accounts.demo import DEMO_TOTP_SECRET

    assert len(pyotp.TOTP(DEMO_TOTP_SECRET).now()) == 6
