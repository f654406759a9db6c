"""Where it goes wrong: the providers and percelen furthest over each norm.

Read from the precomputed monthly counts (no histograms): per metric the share
of assessed referrals within the norm, for the chosen period and for the
period of the same length before it (the trend). One query per dimension reads
both periods; names come after, for the few rows shown.
"""

from dataclasses import dataclass
from dataclasses import replace as dc_replace

from django.db.models import Case, F, Q, Sum, Value, When

from dashboard import definitions as d
from dashboard.models import ReferralMonthlyCounts
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
    providers = _shares(
        period_rows(ReferralMonthlyCounts, wide).filter(level=d.PROVIDER),
        "organisation",
        f,
    )
    percelen = _shares(
        period_rows(ReferralMonthlyCounts, wide).filter(level=d.CITY), "perceel", f
    )
    worst = {m.code: _worst(providers, m.code) for m in d.METRICS}
    worst_percelen = {m.code: _worst(percelen, m.code) for m in d.METRICS}
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


def _shares(rows, key: str, f: Filters) -> dict:
    """{key value: {metric code: ((assessed, within), (assessed, within))}}:
    the chosen period first, the one before second.

    One row per key with both periods side by side (conditional sums), not a
    row per key and period: a few thousand groups, which PostgreSQL sums in
    memory, where grouping on the period as well sorted every row on disk.
    """
    fields = {}
    for m in d.METRICS:
        for part in ("within", "n", "late"):
            column = f"{m.code}_{part}"
            for period, when in (("now", Q(month__gte=f.first)), ("before", None)):
                when = when if when is not None else Q(month__lt=f.first)
                fields[f"{column}_{period}"] = Sum(
                    Case(When(when, then=F(column)), default=Value(0))
                )
    result: dict = {}
    for row in rows.values(key).annotate(**fields).order_by():
        entry = result.setdefault(row[key], {})
        for m in d.METRICS:
            entry[m.code] = [_pair(row, m.code, "now"), _pair(row, m.code, "before")]
    return result


def _pair(row: dict, code: str, period: str) -> tuple[int, int]:
    """(assessed, within) of one metric and period of a summed row."""
    assessed = (row[f"{code}_n_{period}"] or 0) + (row[f"{code}_late_{period}"] or 0)
    return assessed, row[f"{code}_within_{period}"] or 0


def _worst(shares: dict, code: str) -> list[tuple]:
    """[(key, assessed, share, previous share)], the lowest shares first."""
    found = []
    for key, metrics in shares.items():
        (assessed, within), (before, before_within) = metrics[code]
        if key is None or assessed < MIN_ASSESSED:
            continue
        previous = before_within / before if before >= MIN_ASSESSED else None
        found.append((key, assessed, within / assessed, previous))
    found.sort(key=lambda item: (item[2], -item[1], item[0]))
    return found[:SHOWN]
