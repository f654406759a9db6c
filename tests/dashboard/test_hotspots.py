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


def _oracle(f: Filters, level: str, key: str) -> dict[str, list[tuple]]:
    """The worst keys per metric as a plain reading of every stored row would
    give them: sums per key and period in Python, sorted by share, then most
    assessed, then key."""
    from dashboard import definitions as d
    from dashboard.models import ReferralMonthlyCounts
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


@pytest.mark.parametrize(
    "period",
    [
        {"first": date(2026, 3, 1), "last": date(2026, 4, 1)},
        {"first": date(2026, 4, 1), "last": date(2026, 4, 1)},
        {"first": date(2026, 1, 1), "last": date(2026, 4, 1), "referrer_type": "02"},
        {"first": date(2026, 2, 1), "last": date(2026, 4, 1), "perceel": "first"},
    ],
)
def test_the_database_chooses_what_a_reading_of_every_row_would(perceel, period):
    """Ties included: equal shares go to the most assessed, then the lowest key;
    fewer than five assessed never shows; the trend needs five before."""
    import random

    from dashboard import definitions as d
    from dashboard.models import ReferralMonthlyCounts
    from registry.models import Perceel

    rng = random.Random(18)  # noqa: S311 (test data)
    providers = [factories.HoofdaanbiederFactory(percelen=[perceel]) for _ in range(9)]
    percelen = list(Perceel.objects.order_by("pk")[:2])
    rows = []
    months = [date(2026, month, 1) for month in (1, 2, 3, 4)]
    for number, organisation in enumerate(providers):
        for month in months:
            for place in percelen:
                for referrer in ("01", "02"):
                    counts = {}
                    for m in d.METRICS:
                        # Providers 0-3: none within the norm, equally many
                        # assessed (a tie down to the key); 4-5: none within
                        # either, twice as many assessed; the rest drawn.
                        n = rng.randint(0, 6)
                        late, within = rng.randint(0, 2), rng.randint(0, n)
                        if number < 6:
                            n, late, within = (4 if number < 4 else 8), 1, 0
                        counts[f"{m.code}_n"] = n
                        counts[f"{m.code}_late"] = late
                        counts[f"{m.code}_within"] = within
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
    if period.get("perceel") == "first":
        period = {**period, "perceel": percelen[0].pk}
    f = Filters(**period)

    found = hotspots(f)

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
    # Provider 4 and 5 (most assessed) before 0 (the lowest key of four ties).
    assert [s.name for s in found[0].providers] == [
        providers[4].name,
        providers[5].name,
        providers[0].name,
    ]
