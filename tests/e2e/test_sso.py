"""Single sign-on in Chromium against a real OpenID Connect provider (npm
"oidc-provider") that the test starts on 127.0.0.1: log in through the JGZ's
own provider, land in the JGZ (provisioned there, nowhere else), and be
refused for an e-mail domain the JGZ does not cover."""

import re

from django.core.cache import cache
from django.urls import reverse

import pytest
from playwright.sync_api import expect

from accounts.models import OidcProvider, OrganisationLogEntry
from registry.models import Membership, User
from tests import factories
from tests.e2e.two_factor import complete_log_in
from tests.oidc.server import CLIENT_ID, CLIENT_SECRET, oidc_provider

pytestmark = [
    pytest.mark.browser_context_args(locale="nl-NL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def issuer(live_server, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    cache.clear()  # discovery documents of earlier providers
    with oidc_provider(live_server.url + reverse("accounts:oidc-callback")) as url:
        yield url


@pytest.fixture
def jgz(issuer):
    organisation = factories.OrganisationFactory(kind="jgz", name="JGZ Almere")
    factories.OrganisationFactory(kind="huisartsenpraktijk", name="Huisartsen Haven")
    OidcProvider.objects.create(
        organisation=organisation,
        issuer=issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        email_domains="jgz-test.nl",
        require_app_second_factor=True,
    )
    return organisation


def _sso(page, live_server, email, login=None):
    page.goto(live_server.url + reverse("login"))
    page.get_by_role("link", name="Inloggen via uw eigen organisatie").click()
    page.get_by_label("Uw e-mailadres op het werk").fill(email)
    page.get_by_role("button", name="Verder naar mijn organisatie").click()
    if login is None:  # the provider remembers its own session
        return
    # The identity provider's own (development) log-in form.
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("irrelevant")
    page.get_by_role("button", name="Sign-in").click()


def test_sso_log_in_lands_in_the_organisation_and_still_asks_the_app(
    live_server, page, jgz, screenshot
):
    _sso(page, live_server, "anna@jgz-test.nl", "anna")
    # The organisation wants the app's second factor too: set it up now.
    expect(page).to_have_url(re.compile(r"/inloggen/instellen$"))
    complete_log_in(page, "anna@jgz-test.nl")
    expect(page.locator("#whoami")).to_contain_text("Anna Jansen")
    expect(page.locator("#whoami")).to_contain_text("JGZ Almere")
    screenshot("sso-01-landed")
    user = User.objects.get(email="anna@jgz-test.nl")
    assert [m.organisation for m in Membership.objects.filter(user=user)] == [jgz]
    assert OrganisationLogEntry.objects.get(organisation=jgz).action == (
        "sso_provisioned"
    )
    page.get_by_role("button", name="Uitloggen").click()

    # Second time (the provider still knows her): matched, not created again.
    _sso(page, live_server, "anna@jgz-test.nl")
    expect(page).to_have_url(re.compile(r"/inloggen/code$"))
    complete_log_in(page, "anna@jgz-test.nl")
    expect(page.locator("#whoami")).to_contain_text("JGZ Almere")
    assert User.objects.filter(email="anna@jgz-test.nl").count() == 1


def test_sso_is_refused_for_a_domain_the_organisation_does_not_cover(
    live_server, page, jgz, screenshot
):
    # She says she is from the JGZ, but the provider vouches for elders.example.
    _sso(page, live_server, "eve@jgz-test.nl", "eve")
    expect(page).to_have_url(re.compile(r"/inloggen$"))
    expect(page.get_by_text("valt niet onder de e-maildomeinen")).to_be_visible()
    screenshot("sso-02-refused")
    assert not User.objects.filter(email="eve@elders.example").exists()
    assert not Membership.objects.exists()


def test_sso_without_an_organisation_for_the_domain_is_refused_at_once(
    live_server, page, jgz
):
    page.goto(live_server.url + reverse("accounts:sso"))
    page.get_by_label("Uw e-mailadres op het werk").fill("iemand@elders.example")
    page.get_by_role("button", name="Verder naar mijn organisatie").click()
    expect(page.get_by_text("logt niet in met single sign-on").first).to_be_visible()
