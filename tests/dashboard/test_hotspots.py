"""'Waar gaat het mis': the providers and percelen furthest over each norm, with
the change since the period before, from the precomputed counts."""

import itertools
import random
from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from dashboard import definitions as d
from dashboard.models import ProviderRunningCounts, ReferralMonthlyCounts
from dashboard.selectors import Filters, hotspots
from dashboard.services import dashboard_refresh, running_counts_rebuild
from registry.models import Perceel
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


def _oracle(f: Filters, level: str, key: str) -> dict[str, list[tuple]]:
    """The worst keys per metric as a plain reading of every stored row would
    give them: sums per key and period in Python, sorted by share, then most
    assessed, then key."""
    from dashboard.periods import add_months
    from dashboard.selectors.hotspots import MIN_ASSESSED, SHOWN

    start = add_months(f.first, -len(f.months))
    totals: dict = {}
    for row in ReferralMonthlyCounts.objects.filter(level=level):
        if not start <= row.month <= f.last:
            continue
        if f.perceel is not None and row.perceel_id != f.perceel:
            continue
        if f.referrer_type and row.referrer_type != f.referrer_type:
            continue
        period = "now" if row.month >= f.first else "before"
        for m in d.METRICS:
            sums = totals.setdefault((getattr(row, key), m.code, period), [0, 0])
            sums[0] += getattr(row, f"{m.code}_n") + getattr(row, f"{m.code}_late")
            sums[1] += getattr(row, f"{m.code}_within")
    found = {}
    for m in d.METRICS:
        ranked = []
        for (k, code, period), (assessed, within) in totals.items():
            if code != m.code or period != "now" or assessed < MIN_ASSESSED:
                continue
            before, before_within = totals.get((k, code, "before"), (0, 0))
            previous = before_within / before if before >= MIN_ASSESSED else None
            ranked.append((k, assessed, within / assessed, previous))
        ranked.sort(key=lambda item: (item[2], -item[1], item[0]))
        found[m.code] = ranked[:SHOWN]
    return found


def _store_monthly_rows(perceel):
    """Monthly rows of nine providers over January-April 2026, two percelen and
    two referrer types, as the refresh would have written them. Providers 0-3:
    none within the norm, equally many assessed (a tie down to the key); 4-5:
    none within either, twice as many assessed; the rest drawn."""
    rng = random.Random(18)  # noqa: S311 (test data)
    providers = [factories.HoofdaanbiederFactory(percelen=[perceel]) for _ in range(9)]
    percelen = list(Perceel.objects.order_by("pk")[:2])
    rows = []
    for number, organisation in enumerate(providers):
        for month, place, referrer in itertools.product(
            [date(2026, month, 1) for month in (1, 2, 3, 4)], percelen, ("01", "02")
        ):
            counts = {}
            for m in d.METRICS:
                n = rng.randint(0, 6)
                late, within = rng.randint(0, 2), rng.randint(0, n)
                if number < 6:
                    n, late, within = (4 if number < 4 else 8), 1, 0
                counts.update(
                    {
                        f"{m.code}_n": n,
                        f"{m.code}_late": late,
                        f"{m.code}_within": within,
                    }
                )
            for level, owner in ((d.PROVIDER, organisation), (d.CITY, None)):
                rows.append(
                    ReferralMonthlyCounts(
                        level=level,
                        organisation=owner,
                        month=month,
                        perceel=place,
                        referrer_type=referrer,
                        **counts,
                    )
                )
    ReferralMonthlyCounts.objects.bulk_create(rows)
    return providers, percelen


@pytest.mark.parametrize("running", [True, False], ids=["running", "monthly"])
@pytest.mark.parametrize(
    "period",
    [
        {"first": date(2026, 3, 1), "last": date(2026, 4, 1)},
        {"first": date(2026, 4, 1), "last": date(2026, 4, 1)},
        # Past the last month with figures, and from before the first.
        {"first": date(2026, 3, 1), "last": date(2026, 7, 1)},
        {"first": date(2025, 12, 1), "last": date(2026, 2, 1)},
        {"first": date(2026, 1, 1), "last": date(2026, 4, 1), "referrer_type": "02"},
        {"first": date(2026, 2, 1), "last": date(2026, 4, 1), "perceel": "first"},
    ],
)
def test_the_database_chooses_what_a_reading_of_every_row_would(
    perceel, period, running
):
    """Ties included: equal shares go to the most assessed, then the lowest key;
    fewer than five assessed never shows; the trend needs five before. Over
    every perceel and referrer type the running totals answer (when built),
    else the monthly rows; both choose the same."""
    providers, percelen = _store_monthly_rows(perceel)
    if running:
        running_counts_rebuild()
    if period.get("perceel") == "first":
        period = {**period, "perceel": percelen[0].pk}
    f = Filters(**period)

    with CaptureQueriesContext(connection) as queries:
        found = hotspots(f)

    # The providers' sums from the monthly rows, or the running totals alone.
    monthly = any('"organisation_id" AS "k"' in q["sql"] for q in queries)
    every = "perceel" not in period and "referrer_type" not in period
    assert monthly == (not (running and every))
    names = {o.pk: o.name for o in providers}
    expected = _oracle(f, d.PROVIDER, "organisation_id")
    expected_percelen = _oracle(f, d.CITY, "perceel_id")
    perceel_names = {p.pk: p.display_name for p in percelen}
    for item in found:
        code = item.metric.code
        assert [(s.name, s.assessed, s.share, s.previous) for s in item.providers] == [
            (names[k], *rest) for k, *rest in expected[code]
        ]
        assert [(s.name, s.assessed, s.share, s.previous) for s in item.percelen] == [
            (perceel_names[k], *rest) for k, *rest in expected_percelen[code]
        ]


@pytest.mark.parametrize("running", [True, False], ids=["running", "monthly"])
def test_equal_shares_go_to_the_most_assessed_then_the_lowest_key(perceel, running):
    providers, _percelen = _store_monthly_rows(perceel)
    if running:
        running_counts_rebuild()

    found = hotspots(Filters(first=date(2026, 3, 1), last=date(2026, 4, 1)))

    for item in found:
        assert [s.name for s in item.providers] == [
            providers[4].name,
            providers[5].name,
            providers[0].name,
        ]
        assert item.providers[0].assessed == 2 * 2 * 2 * 9  # months, percelen, types


def _running_as_summed(months):
    """{(organisation id, month): {counter: running total}} summed from the
    level ``provider`` monthly rows, for every organisation and month given."""
    monthly: dict = {}
    for row in ReferralMonthlyCounts.objects.filter(level=d.PROVIDER):
        sums = monthly.setdefault((row.organisation_id, row.month), {})
        for column in d.NORM_COUNT_FIELDS:
            sums[column] = sums.get(column, 0) + getattr(row, column)
    organisations = {organisation for organisation, _month in monthly}
    running = {}
    for organisation in organisations:
        so_far = dict.fromkeys(d.NORM_COUNT_FIELDS, 0)
        for month in months:
            for column, value in monthly.get((organisation, month), {}).items():
                so_far[column] += value
            running[(organisation, month)] = dict(so_far)
    return running


def _running_as_stored():
    return {
        (row.organisation_id, row.month): {
            c: getattr(row, c) for c in d.NORM_COUNT_FIELDS
        }
        for row in ProviderRunningCounts.objects.all()
    }


def test_the_refresh_keeps_a_running_total_per_provider_and_month(city, perceel):
    """Dense: B Snel has figures only in February and still gets a January row
    (zeros). A refresh from a month on rebuilds the totals of later months."""
    months = [date(2026, 1, 1), date(2026, 2, 1)]
    stored = _running_as_stored()
    assert stored == _running_as_summed(months)
    assert len(stored) == 3 * len(months)
    slow = ReferralMonthlyCounts.objects.filter(
        level=d.PROVIDER, organisation__name="A Traag"
    ).values_list("organisation_id", flat=True)[0]
    assert stored[(slow, date(2026, 2, 1))]["intake_n"] == 10

    service = factories.ServiceFactory(
        organisation=ReferralMonthlyCounts.objects.filter(organisation_id=slow)[
            0
        ].organisation,
        perceel=perceel,
    )
    history(
        service, "2026-02-20", [("received", "2026-02-21"), ("intake", "2026-02-22")]
    )
    dashboard_refresh(since=date(2026, 2, 1))

    stored = _running_as_stored()
    assert stored == _running_as_summed(months)
    assert stored[(slow, date(2026, 2, 1))]["intake_n"] == 11
    assert stored[(slow, date(2026, 1, 1))]["intake_n"] == 5


def test_no_figures_no_running_totals(db):
    running_counts_rebuild()
    assert not ProviderRunningCounts.objects.exists()


@pytest.mark.parametrize(
    "period",
    [
        {"first": date(2026, 2, 1), "last": date(2026, 2, 1)},
        {"first": date(2026, 2, 1), "last": date(2026, 3, 1)},
        {"first": date(2026, 3, 1), "last": date(2026, 4, 1)},
    ],
)
def test_a_month_without_any_figures_adds_nothing(perceel, period):
    """No provider had a referral in February: the running totals have no
    February row, and a period from, to or across it still counts right."""
    _store_monthly_rows(perceel)
    ReferralMonthlyCounts.objects.filter(month=date(2026, 2, 1)).delete()
    running_counts_rebuild()
    assert not ProviderRunningCounts.objects.filter(month=date(2026, 2, 1)).exists()
    f = Filters(**period)

    found = hotspots(f)

    expected = _oracle(f, d.PROVIDER, "organisation_id")
    for item in found:
        assert [(s.assessed, s.share, s.previous) for s in item.providers] == [
            tuple(rest) for _k, *rest in expected[item.metric.code]
        ]
