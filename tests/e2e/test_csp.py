"""The Content-Security-Policy holds in a real browser: the public pages, the
map, the log-in, the admin, the API docs, the dashboard and the professionals'
pages load without a single CSP violation (no inline script, style or event
handler anywhere), and they still work (map drawn, docs rendered)."""

import importlib

from django.urls import reverse

import pytest
from playwright.sync_api import expect

from registry.models import Organisation
from registry.services import service_refresh_search
from registry.services.groups import municipality_group_ensure
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"
# Chromium reports every blocked inline script/style/handler with this text.
CONSOLE_MARKERS = ("Content Security Policy", "Content-Security-Policy")
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations = window.__cspViolations || [];
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def world():
    """Reference data (flushed by transactional tests), a service with a
    mapped location, a referral with its slip, and the people who open them."""
    from django.apps import apps

    importlib.import_module("registry.migrations.0002_seed_reference_data").seed(
        apps, None
    )
    perceel = factories._perceel()
    provider = factories.HoofdaanbiederFactory(percelen=[perceel], name="Kompas")
    service = factories.ServiceFactory(organisation=provider, name="Angsttraining")
    service.locations.add(
        factories.LocationFactory(
            organisation=provider, latitude="52.37300", longitude="5.21800"
        )
    )
    service_refresh_search(services=[service])
    referrer = factories.OrganisationFactory(kind=Organisation.Kind.JGZ)
    gemeente = factories.OrganisationFactory(kind=Organisation.Kind.GEMEENTE)
    users = {
        "jgz": factories.MembershipFactory(organisation=referrer).user,
        "aanbieder": factories.MembershipFactory(
            organisation=provider, role="admin"
        ).user,
        "gemeente": factories.MembershipFactory(
            organisation=gemeente, user__is_staff=True
        ).user,
    }
    users["gemeente"].groups.add(municipality_group_ensure())
    users["beheer"] = factories.UserFactory(is_staff=True, is_superuser=True)
    referral = factories.ReferralFactory(
        service=service, referrer_organisation=referrer, referrer_user=users["jgz"]
    )
    return {"service": service, "referral": referral, "users": users}


@pytest.fixture
def csp(page):
    """Collects CSP violations: Chromium's console reports and the page's own
    ``securitypolicyviolation`` events (read after each page)."""
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if any(marker in message.text for marker in CONSOLE_MARKERS)
            else None
        ),
    )
    page.add_init_script(LISTEN)

    def violations() -> list[str]:
        page.wait_for_load_state("networkidle")
        events = page.evaluate("window.__cspViolations || []")
        return console + events

    return violations


def _log_in(page, live_server, user, next_url="/"):
    page.goto(f"{live_server.url}{reverse('login')}?next={next_url}")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def test_public_pages_and_the_map_load_without_csp_violations(
    live_server, page, world, csp
):
    for path in ("/", "/zoeken", "/zoeken?q=angst", reverse("login"), "/status"):
        response = page.goto(live_server.url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert csp() == [], path
    page.goto(live_server.url + world["service"].get_absolute_url())
    expect(page.locator("#service-map.leaflet-container")).to_be_visible()
    expect(page.locator(".leaflet-interactive")).to_have_count(1)
    assert csp() == []


def test_the_api_docs_render_without_inline_code(live_server, page, csp, world):
    page.goto(live_server.url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Sociale Kaart Jeugd API"
    )
    expect(page.locator(".opblock").first).to_be_visible()
    assert csp() == []


def test_the_admin_loads_without_csp_violations(live_server, page, world, csp):
    page.goto(live_server.url + "/admin/login/")
    assert csp() == []
    user = world["users"]["beheer"]
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    assert csp() == []
    # A list without actions (Django adds an inline style there; we use a file).
    for path in ("/admin/registry/organisation/", "/admin/referrals/referral/"):
        page.goto(live_server.url + path)
        expect(page.locator("#changelist")).to_be_visible()
        assert csp() == [], path


def test_professional_pages_load_without_csp_violations(live_server, page, world, csp):
    referral = world["referral"]
    _log_in(
        page, live_server, world["users"]["jgz"], reverse("referrals:referral-list")
    )
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    slip = reverse("referrals:referral-slip", args=[referral.reference])
    page.goto(live_server.url + slip)
    expect(page.get_by_role("button", name="Afdrukken")).to_be_visible()
    assert csp() == []
    page.get_by_role("button", name="Uitloggen").click()

    _log_in(page, live_server, world["users"]["aanbieder"], "/mijn/aanbod")
    expect(page.locator(".service-card").first).to_be_visible()
    for path in ("/mijn/aanbod", "/inbox", "/mijn/api-sleutels", "/regie/aanbieder"):
        page.goto(live_server.url + path)
        assert csp() == [], path
    page.get_by_role("button", name="Uitloggen").click()

    _log_in(page, live_server, world["users"]["gemeente"], "/regie")
    for path in ("/regie", "/regie/aanbieders", "/regie/open"):
        page.goto(live_server.url + path)
        assert csp() == [], path
