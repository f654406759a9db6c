"""Where it goes wrong: the providers and percelen furthest over each norm.

Read from the precomputed monthly counts (no histograms): per metric the share
of assessed referrals within the norm, for the chosen period and for the
period of the same length before it (the trend). One query per dimension reads
both periods and returns only the worst few per metric; names come after, for
the rows shown.
"""

from dataclasses import dataclass
from dataclasses import replace as dc_replace

from django.db import connection
from django.db.models import Case, F, Sum, When

from dashboard import definitions as d
from dashboard import sql
from dashboard.models import ProviderRunningCounts, ReferralMonthlyCounts
from dashboard.periods import add_months
from dashboard.selectors.base import Filters, period_rows
from registry.models import Organisation, Perceel

# Fewer assessed referrals than this say too little to single anyone out.
MIN_ASSESSED = 5
SHOWN = 3


@dataclass(frozen=True)
class Hotspot:
    name: str
    slug: str  # an organisation's slug (a link to its figures); "" for a perceel
    assessed: int
    share: float  # within the norm, 0..1
    previous: float | None  # the same share in the period before

    @property
    def change(self) -> int | None:
        """Whole percentage points since the period before (negative: worse)."""
        if self.previous is None:
            return None
        return round((self.share - self.previous) * 100)

    @property
    def change_size(self) -> int:
        return abs(self.change or 0)


@dataclass(frozen=True)
class MetricHotspots:
    metric: d.Metric
    providers: list[Hotspot]
    percelen: list[Hotspot]


def hotspots(f: Filters) -> list[MetricHotspots]:
    """Per metric the providers (each on its own) and percelen with the lowest
    share within the norm, at least MIN_ASSESSED assessed, worst first."""
    months = len(f.months)
    before = dc_replace(
        f, first=add_months(f.first, -months), last=add_months(f.first, -1)
    )
    wide = dc_replace(f, first=before.first)
    worst = None
    if _every_perceel_and_referrer(f):
        # None when the running totals are not built yet (no refresh since
        # they were added): then the monthly rows answer.
        worst = _chosen(
            *_running_sums(f, before.first),
            unless_empty=sql.table(ProviderRunningCounts),
        )
    if worst is None:
        worst = _worst(
            period_rows(ReferralMonthlyCounts, wide).filter(level=d.PROVIDER),
            "organisation",
            f,
        )
    worst_percelen = _worst(
        period_rows(ReferralMonthlyCounts, wide).filter(level=d.CITY), "perceel", f
    )
    org_ids = {key for rows in worst.values() for key, *_ in rows}
    names = {
        pk: (name, slug)
        for pk, name, slug in Organisation.objects.filter(pk__in=org_ids).values_list(
            "pk", "name", "slug"
        )
    }
    perceel_ids = {key for rows in worst_percelen.values() for key, *_ in rows}
    perceel_names = {
        p.pk: p.display_name for p in Perceel.objects.filter(pk__in=perceel_ids)
    }
    return [
        MetricHotspots(
            metric=m,
            providers=[
                Hotspot(*names.get(key, ("?", "")), *figures)
                for key, *figures in worst[m.code]
            ],
            percelen=[
                Hotspot(perceel_names.get(key, "?"), "", *figures)
                for key, *figures in worst_percelen[m.code]
            ],
        )
        for m in d.METRICS
    ]


def _worst(rows, key: str, f: Filters) -> dict[str, list[tuple]]:
    """{metric code: [(key, assessed, share, previous share)]}: per metric the
    SHOWN keys with the lowest share within the norm in the chosen period (at
    least MIN_ASSESSED assessed), then the most assessed, then the key; the
    previous share is that of the period before (None below MIN_ASSESSED).

    The database chooses them, so only those rows come back, not one per
    provider (5,000 at national scale, whose reading and sorting in Python was
    most of an overview's first request). ``rows`` (both periods) are summed
    per key and period first: a few thousand groups with plain sums, which
    PostgreSQL keeps in memory; the two periods are then set side by side over
    those groups only. Ties in the share order as Python's floats do (both
    divide in IEEE doubles).
    """
    sums = {f"s_{column}": Sum(column) for column in d.NORM_COUNT_FIELDS}
    grouped = (
        rows.order_by()
        .values(k=F(key), cur=Case(When(month__gte=f.first, then=1), default=0))
        .annotate(**sums)
    )
    return _chosen(*grouped.query.sql_with_params())


def _every_perceel_and_referrer(f: Filters) -> bool:
    return f.perceel is None and f.percelen is None and not f.referrer_type


def _running_sums(f: Filters, before_first) -> tuple[str, list]:
    """The per-provider sums of ``_worst`` from the running totals: the chosen
    period is the total at its last month minus the total before its first,
    the period before likewise (signed rows, summed by ``_chosen``). "At a
    month" is the latest row at or before it: past the last month with
    figures the totals stay; before the first there is no row (nothing yet)."""
    table = sql.table(ProviderRunningCounts)
    at = f"(SELECT MAX(month) FROM {table} WHERE month <= %s)"  # noqa: S608
    points = (
        (1, "", f.last),
        (1, "-", add_months(f.first, -1)),
        (0, "", add_months(f.first, -1)),
        (0, "-", add_months(before_first, -1)),
    )
    selects, params = [], []
    for period, sign, month in points:
        columns = ", ".join(f"{sign}{c} AS s_{c}" for c in d.NORM_COUNT_FIELDS)
        selects.append(
            f"SELECT organisation_id AS k, {period} AS cur, {columns} "  # noqa: S608
            f"FROM {table} WHERE month = {at}"
        )
        params.append(sql.param(month))
    return " UNION ALL ".join(selects), params


def _chosen(
    inner: str, params: list, unless_empty: str = ""
) -> dict[str, list[tuple]] | None:
    """``_worst``'s choice from ``inner``: rows (k, cur, s_<counter>...) with
    ``cur`` 1 for the chosen period and 0 for the one before. With
    ``unless_empty`` (a table): None when that table has no rows, found in the
    same statement."""
    side_by_side, chosen = [], []
    for m in d.METRICS:
        code = m.code
        assessed = f"s_{code}_n + s_{code}_late"
        for period, flag in (("a", 1), ("b", 0)):
            side_by_side += [
                f"SUM(CASE WHEN cur = {flag} THEN {assessed} ELSE 0 END) "
                f"AS {code}_{period}",
                f"SUM(CASE WHEN cur = {flag} THEN s_{code}_within ELSE 0 END) "
                f"AS {code}_{period}w",
            ]
        # Names and numbers from this module only; values are parameters.
        chosen.append(
            f"SELECT * FROM (SELECT '{code}' AS metric, k, {code}_a, {code}_aw, "  # noqa: S608
            f"{code}_b, {code}_bw FROM t WHERE {code}_a >= {MIN_ASSESSED} "
            f"ORDER BY CAST({code}_aw AS DOUBLE PRECISION) / {code}_a, "
            f"{code}_a DESC, k LIMIT {SHOWN}) AS w_{code}"
        )
    totals = f"SELECT k, {', '.join(side_by_side)} FROM p WHERE k IS NOT NULL"  # noqa: S608
    if unless_empty:
        chosen.append(
            "SELECT 'empty', NULL, 0, 0, 0, 0 "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT 1 FROM {unless_empty})"
        )
    sql = f"WITH p AS ({inner}), t AS ({totals} GROUP BY k) " + " UNION ALL ".join(
        chosen
    )
    found: dict[str, list[tuple]] = {m.code: [] for m in d.METRICS}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for code, k, *sums in cursor.fetchall():
            if code == "empty":
                return None
            # PostgreSQL's SUM of an integer column is a numeric (a Decimal here).
            assessed, within, before, before_within = map(int, sums)
            previous = before_within / before if before >= MIN_ASSESSED else None
            found[code].append((k, assessed, within / assessed, previous))
    for rows_of_metric in found.values():
        # UNION ALL keeps no order across its parts; within one, the same as SQL's.
        rows_of_metric.sort(key=lambda item: (item[2], -item[1], item[0]))
    return found
