"""Percentiles over day histograms (pure Python, no database).

The dashboard stores waiting times as histograms: how many referrals waited
exactly *d* days. Histograms of any months, organisations or percelen add up,
so a median over any selection is exact, not an average of medians.

Percentile method: linear interpolation between the two nearest ranks, the
same as PostgreSQL ``percentile_cont``, Excel ``PERCENTILE.INC`` and NumPy's
default. For n sorted values x[0..n-1] and fraction p, take h = (n - 1) * p;
the result is x[floor(h)] + (h - floor(h)) * (x[ceil(h)] - x[floor(h)]). So the
median of 10 and 11 days is 10.5 days, and one value is its own percentile.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def percentile(histogram: Sequence[tuple[int, int]], p: float) -> float | None:
    """The p-th fraction (0..1) of the values in ``histogram``.

    ``histogram`` holds (value, count) pairs sorted by value, counts > 0.
    Returns None for an empty histogram.
    """
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    n = sum(count for _value, count in histogram)
    if n == 0:
        return None
    h = (n - 1) * p
    lower_rank, upper_rank = math.floor(h), math.ceil(h)
    lower = upper = None
    seen = 0
    for value, count in histogram:
        seen += count
        if lower is None and seen > lower_rank:
            lower = value
        if seen > upper_rank:
            upper = value
            break
    return lower + (h - lower_rank) * (upper - lower)


def merge(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Add up (value, count) pairs into a sorted histogram without zero counts."""
    totals: dict[int, int] = {}
    for value, count in pairs:
        totals[value] = totals.get(value, 0) + count
    return sorted((v, c) for v, c in totals.items() if c > 0)


@dataclass(frozen=True)
class WaitStats:
    """One waiting time over a selection: how many, how long, within the norm."""

    n: int = 0  # measured: the step happened
    within: int = 0  # measured and within the norm
    late: int = 0  # still open and already past the norm
    median: float | None = None
    p90: float | None = None

    @property
    def assessed(self) -> int:
        return self.n + self.late

    @property
    def share_within(self) -> float | None:
        """Within the norm / (measured + late); None when nothing to assess."""
        return self.within / self.assessed if self.assessed else None


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
