"""'Waar gaat het mis': the providers and percelen furthest over each norm, with
the change since the period before, from the precomputed counts."""

from datetime import date

from django.urls import reverse

import pytest

from dashboard.selectors import Filters, hotspots
from dashboard.services import dashboard_refresh
from tests import factories
from tests.dashboard.helpers import history


@pytest.fixture
def city(perceel):
    slow = factories.ServiceFactory(
        organisation=factories.HoofdaanbiederFactory(
            name="A Traag", percelen=[perceel]
        ),
        perceel=perceel,
    )
    fast = factories.ServiceFactory(
        organisation=factories.HoofdaanbiederFactory(name="B Snel", percelen=[perceel]),
        perceel=perceel,
    )
    few = factories.ServiceFactory(
        organisation=factories.HoofdaanbiederFactory(
            name="C Weinig", percelen=[perceel]
        ),
        perceel=perceel,
    )
    for n in range(5):
        # January: A on time; February: A far over the intake norm, B on time.
        history(
            slow,
            f"2026-01-0{n + 1}",
            [("received", "2026-01-10"), ("intake", "2026-01-12")],
        )
        history(
            slow,
            f"2026-02-0{n + 1}",
            [("received", "2026-02-10"), ("intake", "2026-04-20")],
        )
        history(
            fast,
            f"2026-02-0{n + 1}",
            [("received", "2026-02-10"), ("intake", "2026-02-12")],
        )
    # Too few to single out, however late.
    history(few, "2026-02-01", [("received", "2026-02-01"), ("intake", "2026-06-01")])
    dashboard_refresh()


def test_the_worst_provider_comes_first_with_its_trend(city):
    found = hotspots(Filters(first=date(2026, 2, 1), last=date(2026, 2, 1)))
    intake = next(item for item in found if item.metric.code == "intake")
    names = [spot.name for spot in intake.providers]
    assert names == ["A Traag", "B Snel"]  # C Weinig: fewer than five assessed
    worst = intake.providers[0]
    assert (worst.assessed, worst.share, worst.previous) == (5, 0.0, 1.0)
    assert worst.change == -100
    assert intake.providers[1].previous is None  # B had nothing in January
    (perceel,) = intake.percelen
    assert (perceel.assessed, perceel.share) == (11, 5 / 11)


def test_municipality_staff_see_it_first_on_the_overview(
    client, municipality_user, city
):
    client.force_login(municipality_user)
    page = client.get(reverse("dashboard:overview") + "?van=2026-02&tot=2026-02")
    html = page.content.decode()
    assert html.index("Waar gaat het mis") < html.index("Kerncijfers")
    assert "100 procentpunten slechter" in html


def test_a_provider_does_not_see_other_providers_go_wrong(client, provider_user, city):
    client.force_login(provider_user)
    page = client.get(reverse("dashboard:own") + "?van=2026-02&tot=2026-02")
    html = page.content.decode()
    assert "Waar gaat het mis" not in html
    assert "A Traag" not in html
