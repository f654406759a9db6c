"""The histogram percentile (linear interpolation, as PostgreSQL percentile_cont)
against a brute-force computation over the expanded values."""

import math
import random

from django.db import connection

import pytest

from dashboard.stats import WaitStats, merge, percentile

P_VALUES = (0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1)


def brute_force(values: list[int], p: float) -> float:
    """Sort every value and interpolate between the two nearest ranks."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * p
    low, high = math.floor(h), math.ceil(h)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


def histogram_of(values: list[int]) -> list[tuple[int, int]]:
    return merge((v, 1) for v in values)


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([10, 11], 0.5, 10.5),  # even count: halfway between the middle two
        ([7], 0.5, 7),  # one value is every percentile
        ([7], 0.9, 7),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5, 5.5),
        ([3, 3, 3, 9], 0.5, 3),  # ties
        ([3, 3, 9, 9], 0.5, 6),
        ([0, 0, 100], 0.9, 80),
        ([5, 1, 42], 0.9, 34.6),
        ([2, 4], 0, 2),
        ([2, 4], 1, 4),
    ],
)
def test_known_percentiles(values, p, expected):
    assert percentile(histogram_of(values), p) == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(40))
def test_it_equals_brute_force_on_random_histograms(seed):
    rng = random.Random(seed)
    size = rng.choice((1, 2, 3, 4, 7, 10, 51, 200))
    spread = rng.choice((1, 3, 30, 400))  # small spreads give many ties
    values = [rng.randint(0, spread) for _ in range(size)]
    histogram = histogram_of(values)
    for p in P_VALUES:
        assert percentile(histogram, p) == pytest.approx(brute_force(values, p))


def test_merged_histograms_give_the_percentile_of_all_values():
    january, february = [1, 5, 5, 30], [2, 8, 8, 8, 90]
    merged = merge([*histogram_of(january), *histogram_of(february)])
    assert percentile(merged, 0.5) == brute_force(january + february, 0.5) == 8
    assert merged == [(1, 1), (2, 1), (5, 2), (8, 3), (30, 1), (90, 1)]


def test_an_empty_histogram_has_no_percentile():
    assert percentile([], 0.5) is None
    assert percentile(merge([(4, 0)]), 0.5) is None


def test_it_refuses_a_fraction_outside_0_to_1():
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile([(1, 1)], 50)


def test_share_within_counts_late_open_referrals_as_outside_the_norm():
    stats = WaitStats(n=3, within=2, late=1)
    assert stats.share_within == 0.5
    assert WaitStats().share_within is None


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(5))
def test_it_equals_postgresql_percentile_cont(seed):
    rng = random.Random(seed)
    values = [rng.randint(0, rng.choice((5, 300))) for _ in range(rng.randint(1, 60))]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY v), "
            "percentile_cont(%s) WITHIN GROUP (ORDER BY v) FROM unnest(%s) AS v",
            [0.5, 0.9, values],
        )
        median, p90 = cursor.fetchone()
    assert percentile(histogram_of(values), 0.5) == pytest.approx(median)
    assert percentile(histogram_of(values), 0.9) == pytest.approx(p90)
