"""In Chromium: no page scrolls sideways on a phone (320 and 375 CSS px) or at
200 % and 400 % zoom (a 1,280 px window at 400 % is 320 CSS px wide, at 200 %
640), and axe-core finds no WCAG 2.1 AA violation there (WCAG 1.4.10 Reflow).
Wide tables scroll inside their own frame, never the page."""

import importlib

from django.test import Client

import pytest

from dashboard.services import dashboard_refresh
from registry.models import Organisation
from sampledata import referral_scale as scale
from tests import factories
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_public_search import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [320, 375, 640]
LONG = "Intensieve ambulante gezinsbehandeling en systeemtherapie voor jongeren"


@pytest.fixture
def city():
    from django.apps import apps

    seed = importlib.import_module("registry.migrations.0002_seed_reference_data")
    seed.seed(apps, None)
    perceel = factories._perceel()
    main = factories.HoofdaanbiederFactory(name="Kindzorg Almere", percelen=[perceel])
    other = factories.HoofdaanbiederFactory(name="Horizon Jeugd", percelen=[perceel])
    service = factories.ServiceFactory(organisation=main, perceel=perceel, name=LONG)
    other_service = factories.ServiceFactory(organisation=other, perceel=perceel)
    referrer = factories.OrganisationFactory(
        kind=Organisation.Kind.JGZ, name="JGZ Almere"
    )
    scale.generate_referrals(
        count=80,
        years=1,
        seed=3,
        services=[service, other_service],
    )
    for steps in ((), ("received",), ("received", "intake")):
        factories.ReferralFactory(
            service=service, referrer_organisation=referrer, steps=steps
        )
    dashboard_refresh()
    users = {}
    for username, organisation in (
        ("regie", factories.OrganisationFactory(kind="gemeente", name="Gemeente")),
        ("kindzorg", main),
        ("jgz", referrer),
    ):
        users[username] = factories.UserFactory(username=username)
        factories.MembershipFactory(organisation=organisation, user=users[username])
    return {"service": service, "main": main, "users": users}


def _as(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    context.add_cookies(
        [{"name": "sessionid", "value": session, "url": live_server.url}]
    )


def _pages(city):
    return [
        (None, "/"),
        (None, "/zoeken"),
        (None, city["main"].get_absolute_url()),
        (None, city["service"].get_absolute_url()),
        (None, "/status"),
        ("regie", "/regie"),
        ("regie", "/regie/aanbieders"),
        ("regie", "/regie/open"),
        ("regie", "/regie/ijw"),
        ("kindzorg", f"/aanbod/{city['service'].pk}/geschiedenis"),
        ("kindzorg", "/inbox"),
        ("jgz", "/verwijzingen"),
    ]


def _scrolls_sideways(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth > "
        "document.documentElement.clientWidth"
    )


# Names the elements sticking out on the right, for the failure message.
_CULPRITS = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .filter(e => !e.closest('.table-wrapper'))
    .slice(0, 3)
    .map(e => e.tagName + '.' + e.className + '#' + e.id);
}"""


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_page_scrolls_sideways_at_phone_width_or_zoom(
    live_server, browser, city, language
):
    failures = []
    for who, path in _pages(city):
        context = browser.new_context(viewport={"width": 320, "height": 800})
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        if who:
            _as(context, live_server, city["users"][who])
        page = context.new_page()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            response = page.goto(live_server.url + path)
            assert response.status == 200, (path, response.status)
            if _scrolls_sideways(page):
                culprits = page.evaluate(_CULPRITS)
                failures.append(f"{path} at {width}px ({language}): {culprits}")
            if width == 320:
                name = path.strip("/").replace("/", "_") or "home"
                SCREENSHOTS.mkdir(exist_ok=True)
                shot = SCREENSHOTS / f"reflow_{name}_{language}_{width}.png"
                page.screenshot(path=str(shot), full_page=True)
                failures += [f"{path}: {v}" for v in axe_violations(page)]
        context.close()
    assert failures == []


@pytest.mark.parametrize(
    ("who", "path"), [("kindzorg", "/inbox"), ("jgz", "/verwijzingen")]
)
def test_the_working_lists_are_cards_on_a_phone_and_at_400_percent_zoom(
    live_server, browser, city, who, path
):
    """375 px is a phone; 320 CSS px is a 1,280 px window at 400 % zoom (a
    device scale factor of 4 renders it as the zoomed page would). Below 600 px
    every row is a card with its labels, and the page never scrolls sideways;
    from 600 px on it is a table again, with its sortable column headers."""
    sorted_path = f"{path}?sorteer=-verwezen"
    for width, zoom in ((375, 1), (320, 4), (1280, 1)):
        context = browser.new_context(
            viewport={"width": width, "height": 800}, device_scale_factor=zoom
        )
        _as(context, live_server, city["users"][who])
        page = context.new_page()
        for url in (path, sorted_path):
            assert page.goto(live_server.url + url).status == 200
            assert not _scrolls_sideways(page), (url, width, page.evaluate(_CULPRITS))
            display = page.evaluate(
                "() => getComputedStyle(document.querySelector("
                "'table.cards tbody tr')).display"
            )
            assert display == ("table-row" if width >= 600 else "block"), (url, width)
            header = page.locator("th[aria-sort]")
            if url == sorted_path:
                assert header.get_attribute("aria-sort") == "descending"
                if width >= 600:
                    assert header.is_visible()
        SCREENSHOTS.mkdir(exist_ok=True)
        name = path.strip("/")
        page.screenshot(
            path=str(SCREENSHOTS / f"reflow_{name}_cards_{width}.png"), full_page=True
        )
        context.close()
