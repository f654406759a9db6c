"""Shared pieces of the dashboard selectors: the filters, a selection's
figures, sums over the precomputed tables, and the live scope of a provider."""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from django.db import connection
from django.db.models import Q, QuerySet, Sum

from dashboard import definitions as d
from dashboard import stats
from dashboard.models import DashboardRefresh, ReferralDayHistogram
from dashboard.periods import months_between
from registry.models import Organisation, Perceel
from registry.permissions import current_subcontract_lots

COUNT_FIELDS = ("made", "open", "started", "declined", "withdrawn")
NORM_FIELDS = tuple(
    f"{m.code}_{part}" for m in d.METRICS for part in ("n", "within", "late")
)


@dataclass(frozen=True)
class Filters:
    """What the figures are about: cohort months, perceel, referrer type and
    optionally one organisation (a hoofdaanbieder means: rolled up)."""

    first: date
    last: date
    perceel: Perceel | None = None
    referrer_type: str = ""
    organisation: Organisation | None = None
    # The percelen of ``organisation`` the viewer may see (None: all of them): a
    # hoofdaanbieder sees an onderaannemer's figures only in the percelen of
    # its own subcontract with it (``dashboard.permissions.limit_to_viewer``).
    percelen: frozenset | None = None
    # A hoofdaanbieder's current (onderaannemer, perceel) pairs, when read once
    # for all the live reads of a page (``with_members``); None: read when asked.
    members: tuple | None = field(default=None, compare=False, repr=False)

    @property
    def level(self) -> str:
        if self.organisation is None:
            return d.CITY
        if self.organisation.kind == Organisation.Kind.HOOFDAANBIEDER:
            return d.GROUP
        return d.PROVIDER

    @property
    def months(self) -> list[date]:
        return months_between(self.first, self.last)

    def city(self) -> "Filters":
        """The same selection for all providers together."""
        return replace(self, organisation=None, percelen=None)


@dataclass
class Figures:
    """Counts and waiting times of one selection (a row in any table)."""

    made: int = 0
    open: int = 0
    started: int = 0
    declined: int = 0
    withdrawn: int = 0
    waits: dict[str, stats.WaitStats] = field(default_factory=dict)
    histograms: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def wait(self, code: str) -> stats.WaitStats:
        return self.waits.get(code, stats.WaitStats())

    @property
    def wait_list(self) -> list[tuple[d.Metric, stats.WaitStats]]:
        return [(m, self.wait(m.code)) for m in d.METRICS]


@dataclass(frozen=True)
class ReportedWaits:
    """What providers report now: median weeks over their services."""

    intake_weeks: float | None
    treatment_weeks: float | None


@dataclass
class OrganisationRow:
    """One organisation in a side-by-side table: its figures and, once
    ``capacity.add_reported`` ran, the waits it reports now."""

    organisation_id: int
    name: str
    slug: str
    figures: Figures
    reported: ReportedWaits | None = None


def build_figures(counts: dict | None, histograms: dict | None) -> Figures:
    counts = counts or {}
    histograms = histograms or {}
    waits = {}
    for metric in d.METRICS:
        histogram = histograms.get(metric.code, [])
        waits[metric.code] = stats.WaitStats(
            n=counts.get(f"{metric.code}_n", 0),
            within=counts.get(f"{metric.code}_within", 0),
            late=counts.get(f"{metric.code}_late", 0),
            median=stats.percentile(histogram, 0.5),
            p90=stats.percentile(histogram, 0.9),
        )
    return Figures(
        **{name: counts.get(name, 0) for name in COUNT_FIELDS},
        waits=waits,
        histograms=histograms,
    )


# --- reading the precomputed tables --------------------------------------------


def period_rows(model, f: Filters, *, referrer: bool = True) -> QuerySet:
    rows = model.objects.filter(month__gte=f.first, month__lte=f.last)
    if f.perceel is not None:
        rows = rows.filter(perceel=f.perceel)
    if f.percelen is not None:
        rows = rows.filter(perceel__in=f.percelen)
    if referrer and f.referrer_type:
        rows = rows.filter(referrer_type=f.referrer_type)
    return rows


def selection_rows(model, f: Filters, *, by_referrer=False, **kwargs) -> QuerySet:
    """Rows of the selected organisation (rolled up) or of the whole city.

    City histograms come twice: per referrer type (level ``city``) and summed
    over them (``cityall``, a quarter of the rows), read when no referrer type
    is chosen and the figures are not ``by_referrer``.
    """
    level = f.level
    summed = model is ReferralDayHistogram and not (f.referrer_type or by_referrer)
    if level == d.CITY and summed:
        level = d.CITY_ALL
    rows = period_rows(model, f, **kwargs).filter(level=level)
    if f.organisation is not None:
        return rows.filter(organisation=f.organisation)
    # City rows have no organisation; not asking keeps index-only scans possible.
    return rows


def sum_counts(rows: QuerySet, keys: tuple[str, ...]) -> dict:
    """{key tuple: {count field: sum}} grouped by ``keys``."""
    sums = {name: Sum(name) for name in (*COUNT_FIELDS, *NORM_FIELDS)}
    if not keys:
        total = rows.aggregate(**sums)
        return {(): total} if total["made"] is not None else {}
    result = {}
    for row in rows.values(*keys).annotate(**sums).order_by():
        result[tuple(row[k] for k in keys)] = row
    return result


def sum_histograms(rows: QuerySet, keys: tuple[str, ...]) -> dict:
    """{key tuple: {metric: [(days, count), ...] sorted by days}}.

    The grouped query can return many thousands of small rows (a CSV of every
    provider: a million), so they are read with the plain cursor rather than
    through the ORM's per-row conversion.
    """
    result: dict = defaultdict(lambda: defaultdict(list))
    grouped = (
        rows.values(*keys, "metric", "days")
        .annotate(total=Sum("count"))
        .order_by(*keys, "metric", "days")
        .values_list(*keys, "metric", "days", "total")
    )
    width = len(keys)
    as_date = _date_reader(keys)
    with connection.cursor() as cursor:
        cursor.execute(*grouped.query.sql_with_params())
        for row in cursor.fetchall():
            key = as_date(row[:width])
            result[key][row[width]].append((row[width + 1], row[width + 2]))
    return result


def _date_reader(keys: tuple[str, ...]):
    """SQLite returns a month as text; the ORM would have made it a date."""
    if "month" not in keys or connection.vendor == "postgresql":
        return tuple
    at = keys.index("month")

    def read(key: tuple) -> tuple:
        value = key[at]
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return (*key[:at], value, *key[at + 1 :])

    return read


def merge_histograms(groups: list[dict]) -> dict[str, list[tuple[int, int]]]:
    merged = {}
    for metric in d.METRICS:
        pairs = [p for group in groups for p in group.get(metric.code, [])]
        merged[metric.code] = stats.merge(pairs)
    return merged


def total_counts(counts: dict) -> dict:
    total: dict = defaultdict(int)
    for row in counts.values():
        for name in (*COUNT_FIELDS, *NORM_FIELDS):
            total[name] += row[name] or 0
    return total


# --- live scope ---------------------------------------------------------------


def current_subcontracts(main_ids) -> dict[int, list[tuple[int, int]]]:
    """{hoofdaanbieder: [(onderaannemer, perceel), ...]} running today."""
    result = defaultdict(list)
    for member_id, perceel_id, main_id in current_subcontract_lots(
        main_ids=list(main_ids)
    ):
        result[main_id].append((member_id, perceel_id))
    return result


def scope_q(f: Filters, *, organisation: str, perceel: str) -> Q:
    """Live scope of the selected organisation. A hoofdaanbieder: itself, and
    its current onderaannemers in the percelen they are subcontracted for."""
    if f.organisation is None:
        return Q()
    main = f.organisation.pk
    scope = Q(**{organisation: main})
    if f.percelen is not None:
        scope &= Q(**{f"{perceel}__in": f.percelen})
    if f.level == d.GROUP:
        pairs = f.members
        if pairs is None:
            pairs = current_subcontracts([main])[main]
        for member_id, perceel_id in pairs:
            scope |= Q(**{organisation: member_id, perceel: perceel_id})
    return scope


def with_members(f: Filters) -> Filters:
    """``f`` carrying its hoofdaanbieder's current onderaannemers, so the live
    reads of one page (chains, open past a norm, capacity) ask for them once."""
    if f.organisation is None or f.level != d.GROUP or f.members is not None:
        return f
    main = f.organisation.pk
    return replace(f, members=tuple(current_subcontracts([main])[main]))


def last_refresh() -> DashboardRefresh | None:
    return DashboardRefresh.objects.order_by("-finished_at", "-id").first()
