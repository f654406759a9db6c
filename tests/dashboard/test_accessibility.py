"""Markup the dashboard owes assistive technology: every aria-describedby
points at an element on the page, two-level table headers tie each cell to its
headers by id (WCAG technique H43), and the API docs declare their language."""

import re

from django.urls import reverse

import pytest

from dashboard.services import dashboard_refresh
from tests.dashboard.helpers import history


@pytest.fixture
def referrals(service):
    history(
        service, "2026-01-05", [("received", "2026-01-06"), ("intake", "2026-01-20")]
    )
    dashboard_refresh()


@pytest.mark.parametrize("name", ["overview", "organisations", "overdue"])
def test_every_described_by_id_exists(client, municipality_user, referrals, name):
    client.force_login(municipality_user)
    page = client.get(reverse(f"dashboard:{name}")).content.decode()
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    described = re.findall(r'aria-describedby="([^"]+)"', page)
    if name == "overview":
        assert described, "the period filter has a help text"
    for value in described:
        for target in value.split():
            assert target in ids, target


def test_two_level_headers_name_their_cells_by_id(client, municipality_user, referrals):
    client.force_login(municipality_user)
    page = client.get(reverse("dashboard:overview")).content.decode()
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    grouped = re.findall(r'<table class="figures[ "][^>]*>.*?</table>', page, re.S)
    grouped = [t for t in grouped if 'class="group"' in t]
    assert grouped
    for table in grouped:
        assert 'scope="colgroup"' not in table
        cells = re.findall(r"<td[^>]*>", table.split("<tbody>")[1])
        assert cells
        for td in cells:
            headers = re.search(r'headers="([^"]+)"', td)
            assert headers, td
            names = headers.group(1).split()
            assert len(names) >= 2  # its row and its column (and group)
            assert all(name in ids for name in names), td


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_api_docs_declare_their_language(client, settings, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("api-docs")).content.decode()
    assert f'<html lang="{language}"' in page
    assert "<style" not in page


def test_the_open_referrals_page_shows_no_period_it_ignores(
    client, municipality_user, referrals
):
    client.force_login(municipality_user)
    page = client.get(reverse("dashboard:overdue")).content.decode()
    assert 'name="van"' not in page
    assert 'name="tot"' not in page
    assert 'name="perceel"' in page
    # A period in the address changes nothing and is no error.
    response = client.get(reverse("dashboard:overdue") + "?van=1999-99")
    assert response.status_code == 200


def test_providers_sort_by_median_wait_in_the_page(client, municipality_user, perceel):
    from tests import factories

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
    history(slow, "2026-01-05", [("received", "2026-01-05"), ("intake", "2026-03-01")])
    history(fast, "2026-01-05", [("received", "2026-01-05"), ("intake", "2026-01-08")])
    history(fast, "2026-01-06", [("received", "2026-01-06"), ("intake", "2026-01-09")])
    dashboard_refresh()
    client.force_login(municipality_user)
    base = reverse("dashboard:organisations") + "?van=2026-01&tot=2026-03&sorteer="
    by_count = client.get(base + "verwezen").content.decode()
    assert by_count.index("B Snel") < by_count.index("A Traag")
    by_median = client.get(base + "mediaan-intake").content.decode()
    assert by_median.index("A Traag") < by_median.index("B Snel")
    assert "kan in de CSV" not in by_median


def test_waits_show_in_weeks_like_the_norms_beside_them(
    client, municipality_user, referrals
):
    client.force_login(municipality_user)
    page = client.get(reverse("dashboard:overview") + "?van=2026-01&tot=2026-01")
    html = page.content.decode()
    assert "Mediaan (weken)" in html
    assert "(dagen)" not in html.split("<main")[1]
    # Intake after 15 days: 2.1 weeks (the CSV keeps 15 days).
    waits = re.search(r'id="tabel-wachttijden".*?</table>', html, re.S).group(0)
    intake = re.search(r"Aanmeldwachttijd.*?</tr>", waits, re.S).group(0)
    assert ">2,1<" in intake
