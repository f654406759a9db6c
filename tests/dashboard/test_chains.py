"""Issue 14: the dashboard counts children referred 2, 3, 4+ times and their
total wait from the first referral until help started, against the norm."""

from datetime import date

from django.urls import reverse
from django.utils import timezone

import pytest

from dashboard.selectors import chain_groups
from dashboard.selectors.base import Filters
from tests import factories

pytestmark = pytest.mark.django_db


def _chain(length: int, *, first_days_ago: int, started: bool):
    previous = None
    made = []
    for number in range(length):
        last = number == length - 1
        steps = ("received", "intake", "started") if last and started else ("declined",)
        previous = factories.ReferralFactory(
            days_ago=first_days_ago - number * 10,
            previous_referral=previous,
            steps=steps,
        )
        made.append(previous)
    return made


def test_chains_are_counted_by_length_with_their_total_wait():
    today = timezone.localdate()
    _chain(2, first_days_ago=50, started=True)  # help after ~7 weeks
    _chain(3, first_days_ago=120, started=False)  # still waiting, 17 weeks
    _chain(5, first_days_ago=110, started=True)
    factories.ReferralFactory(days_ago=20)  # a single referral is no chain
    month = date(today.year - 1, today.month, 1)
    f = Filters(first=month, last=today.replace(day=1))
    groups = {g.length: g for g in chain_groups(f, norm_weeks=14)}
    assert groups[2].children == 1 and groups[2].within_norm == 1
    assert groups[3].children == 1 and groups[3].within_norm == 0
    assert groups[3].median_wait_weeks == round(120 / 7, 1)
    assert groups[4].children == 1  # 5 referrals count as "4+"
    # Referred 110 days ago, help started in the fifth referral after 43 days.
    assert (groups[4].within_norm, groups[4].median_wait_weeks) == (1, 6.1)
    # A selection of months before the chains began shows none.
    early = Filters(first=date(2000, 1, 1), last=date(2000, 12, 1))
    assert all(g.children == 0 for g in chain_groups(early, norm_weeks=14))


def test_the_overview_shows_the_chains_table(client, municipality_user):
    _chain(2, first_days_ago=30, started=False)
    client.force_login(municipality_user)
    response = client.get(reverse("dashboard:overview"))
    assert response.status_code == 200
    assert "Kinderen die meer dan één keer zijn verwezen" in response.text


def test_the_overview_shows_the_chain_figures_beside_the_waits(
    client, municipality_user
):
    _chain(2, first_days_ago=50, started=True)
    _chain(3, first_days_ago=120, started=False)
    client.force_login(municipality_user)
    response = client.get(reverse("dashboard:overview"))
    rows = {row[0]: row[1:] for row in response.context["chains_table"].rows}
    assert rows["2"][0] == 1 and rows["2"][2] == 1  # one child, help within 14 wk
    assert rows["3"][0] == 1 and rows["3"][2] == 0  # one child, still waiting
    assert rows["4+"][0] == 0
    assert "Hulp gestart binnen 14 weken" in response.text
    # the per-referral waits
    assert "tabel-wachttijden" in response.context["sections"]["waits"]
