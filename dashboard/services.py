"""The precompute behind /regie: rebuild the monthly figures from the referrals.

``dashboard_refresh`` is the only writer of the tables in ``dashboard.models``.
It works set-based (``INSERT ... SELECT ... GROUP BY``) on PostgreSQL and
SQLite alike: first the figures per organisation (level ``provider``), then
the rollups to hoofdaanbieders (level ``group``, a join on ``RollupMember``)
and to the whole city (level ``city``), and last each provider's running totals
(``ProviderRunningCounts``, a window sum over the months with figures).
"""

import time
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from dashboard import definitions as d
from dashboard import sql
from dashboard.memo import memo_version_bump
from dashboard.models import (
    CapacityMonthly,
    DashboardRefresh,
    ProviderRunningCounts,
    ReferralDayHistogram,
    ReferralDeclineCounts,
    ReferralMonthlyCounts,
    RollupMember,
)
from dashboard.periods import add_months, month_start, months_between
from referrals import codes
from referrals import workflow as wf
from referrals.models import Referral, ReferralEvent
from registry.models import Capacity, Organisation, Perceel, Service, Subcontract

# How far back the capacity trend reaches on a full rebuild.
CAPACITY_HISTORY_MONTHS = 60

_REFERRAL_KEYS = ("organisation_id", "month", "perceel_id", "referrer_type")
_COUNT_VALUES = (
    "made",
    "open",
    "started",
    "declined",
    "withdrawn",
    *d.NORM_COUNT_FIELDS,
)
_CAPACITY_VALUES = (
    "services",
    "stale",
    "intake_wait_sum",
    "intake_wait_n",
    "treatment_wait_sum",
    "treatment_wait_n",
)
# (model, key columns besides level/organisation/month/perceel, summed columns)
_TABLES = (
    (ReferralMonthlyCounts, ("referrer_type",), _COUNT_VALUES),
    (ReferralDayHistogram, ("referrer_type", "metric", "days"), ("count",)),
    (ReferralDeclineCounts, ("referrer_type", "reason"), ("count",)),
    (CapacityMonthly, ("status",), _CAPACITY_VALUES),
)


def dashboard_refresh(
    *, since: date | None = None, now: datetime | None = None
) -> DashboardRefresh:
    """Rebuild the dashboard figures, for all months or from ``since``'s month.

    Invariants afterwards, for every level and every month from ``since``:
    ``made = open + started + declined + withdrawn``; per waiting time the
    histogram counts add up to ``<metric>_n``; "late" and "open" are as of
    ``now``'s date (the peildatum). Months before ``since`` keep their figures.

    All in one transaction: readers see the previous figures until it commits.
    A norm changed since the last refresh makes it a full rebuild (``since``
    ignored), so no month keeps figures against the old norm.

    Readers are never blocked: the rows are replaced with DELETE and INSERT
    (row locks; the tables only take ROW EXCLUSIVE, which a SELECT's ACCESS
    SHARE does not wait for), and the tidying after the commit is a plain
    VACUUM (no CLUSTER, no VACUUM FULL, nothing that takes ACCESS EXCLUSIVE).

    Side effects: replaces rows in the dashboard tables and records a
    ``DashboardRefresh`` (shown on the page as "cijfers bijgewerkt op"); on
    PostgreSQL it then vacuums and analyses those tables.
    """
    now = now or timezone.now()
    as_of = timezone.localdate(now)
    started = time.monotonic()
    with (
        transaction.atomic(),
        d.norms_in_force() as norms,
        connection.cursor() as cursor,
    ):
        fingerprint = d.norms_fingerprint(norms)
        since = month_start(since) if since and _same_norms(fingerprint) else None
        sql.more_memory(cursor)
        _delete(since)
        _rebuild_rollup_members(since=since, as_of=as_of)
        _insert_referral_counts(cursor, since=since, as_of=as_of)
        for metric in d.METRICS:
            _insert_histogram(cursor, metric=metric, since=since)
        _insert_declines(cursor, since=since)
        _insert_capacity_months(cursor, since=since, now=now)
        # Statistics of the rows just written, so the rollups join by hash
        # rather than by an index lookup per row (stale statistics did that).
        _analyze(cursor)
        for model, keys, values in _TABLES:
            _roll_up(cursor, model, keys, values, level=d.GROUP, since=since)
            _roll_up(cursor, model, keys, values, level=d.CITY, since=since)
        _insert_city_all_referrers(cursor, since=since)
        _insert_running_counts(cursor)
        _analyze(cursor)
        referrals = Referral.objects.filter(**_since_filter(since)).count()
        refresh = DashboardRefresh.objects.create(
            started_at=now,
            finished_at=timezone.now(),
            as_of=as_of,
            from_month=since,
            referrals=referrals,
            duration_ms=round((time.monotonic() - started) * 1000),
            norms=fingerprint,
        )
        # What pages memoised from the old figures is not read again: now (this
        # connection) and after the commit (every other process).
        memo_version_bump()
        transaction.on_commit(memo_version_bump, robust=True)
    _tidy(full=since is None)
    return refresh


def _same_norms(fingerprint: str) -> bool:
    """Whether the last refresh counted against these norms. When the
    municipality changed one, every month's "within the norm" changes, so the
    refresh rebuilds them all."""
    last = DashboardRefresh.objects.order_by("-finished_at", "-id").first()
    return last is not None and last.norms == fingerprint


def _tidy(*, full: bool) -> None:
    """After the commit, on PostgreSQL: VACUUM (ANALYZE) the tables, so the
    deleted rows' space is reused and the visibility map lets the covering
    indexes answer alone.

    No CLUSTER: it locks a table against readers while it rewrites it (half a
    minute per table at a million referrals). The rows keep their locality
    without it, as every INSERT above writes them ordered by its level's key
    (organisation, month). Skipped inside a transaction (tests), where VACUUM
    may not run. ``full`` is kept for callers; both kinds vacuum the same.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in (*(t[0] for t in _TABLES), RollupMember, ProviderRunningCounts):
            cursor.execute(f"VACUUM (ANALYZE) {sql.table(model)}")


def _analyze(cursor) -> None:
    """Fresh planner statistics: a rebuild changes the tables wholesale."""
    if connection.vendor != "postgresql":
        return
    for model in (*(t[0] for t in _TABLES), RollupMember, ProviderRunningCounts):
        cursor.execute(f"ANALYZE {sql.table(model)}")


def _since_filter(since: date | None) -> dict:
    return {"referred_on__gte": since} if since else {}


def _delete(since: date | None) -> None:
    for model, _keys, _values in _TABLES:
        rows = model.objects.all()
        if since:
            rows = rows.filter(month__gte=since)
        rows._raw_delete(rows.db)
    members = RollupMember.objects.all()
    if since:
        members = members.filter(month__gte=since)
    members._raw_delete(members.db)


def _since_sql(column: str, since: date | None) -> tuple[str, list]:
    if since is None:
        return "", []
    return f" AND {column} >= %s", [sql.param(since)]


# --- Who counts for which hoofdaanbieder ---


def _rebuild_rollup_members(*, since: date | None, as_of: date) -> None:
    """(main, member, perceel, month) for every month from the first figure on.

    A hoofdaanbieder counts its own referrals in every perceel; an onderaannemer
    counts for a hoofdaanbieder in the perceel of its subcontract, in the months
    both the subcontract and the contract it hangs under were running.
    """
    months = months_between(since or _first_month(as_of), month_start(as_of))
    if not months:
        return
    rows = set()
    percelen = list(Perceel.objects.values_list("pk", flat=True))
    mains = Organisation.objects.filter(kind=Organisation.Kind.HOOFDAANBIEDER)
    for main_id in mains.values_list("pk", flat=True):
        rows.update((main_id, main_id, p, m) for p in percelen for m in months)
    for sub in _subcontract_periods():
        main_id, member_id, perceel_id, first, last = sub
        rows.update(
            (main_id, member_id, perceel_id, m)
            for m in months
            if (first is None or first <= add_months(m, 1) - timedelta(days=1))
            and (last is None or last >= m)
        )
    sql.bulk_insert(RollupMember, ("main_id", "member_id", "perceel_id", "month"), rows)


def _subcontract_periods():
    """(main, member, perceel, first day, last day) per subcontract."""
    for s in Subcontract.objects.values_list(
        "contract__organisation_id",
        "subcontractor_id",
        "contract__perceel_id",
        "start_date",
        "end_date",
        "contract__start_date",
        "contract__end_date",
    ):
        main_id, member_id, perceel_id, start, end, c_start, c_end = s
        first = max(x for x in (start, c_start) if x is not None)
        ends = [x for x in (end, c_end) if x is not None]
        yield main_id, member_id, perceel_id, first, (min(ends) if ends else None)


def _first_month(as_of: date) -> date:
    """The earliest month any figure needs: first referral or capacity month."""
    first = Referral.objects.order_by("referred_on").values_list(
        "referred_on", flat=True
    )[:1]
    capacity = add_months(month_start(as_of), -CAPACITY_HISTORY_MONTHS)
    history = Capacity.history.order_by("history_date").values_list(
        "history_date", flat=True
    )[:1]
    candidates = [month_start(x) for x in first]
    candidates += [max(capacity, month_start(timezone.localdate(x))) for x in history]
    return min(candidates, default=month_start(as_of))


# --- Per organisation (level "provider") ---


# Per referral, the value of its own urgency: urgent, else regular.
_BY_URGENCY = "CASE WHEN r.urgency = %s THEN %s ELSE %s END"


def _metric_sql(metric: d.Metric) -> tuple[str, str, str]:
    """(start, end, "still open and past the norm" condition) for a metric;
    the condition ends on the cut-off of the referral's urgency."""
    open_ = f"r.status IN ({sql.placeholders(d.OPEN_STATUSES)})"
    if metric is d.CONTACT:
        end = "COALESCE(r.first_contact_on, r.intake_on)"
        late = f"{open_} AND {end} IS NULL AND r.referred_on < {_BY_URGENCY}"
        return "r.referred_on", end, late
    if metric is d.INTAKE:
        late = f"{open_} AND r.intake_on IS NULL AND r.referred_on < {_BY_URGENCY}"
        return "r.referred_on", "r.intake_on", late
    if metric is d.TREATMENT:
        late = f"{open_} AND r.intake_on IS NOT NULL AND r.intake_on < {_BY_URGENCY}"
        return "r.intake_on", "r.started_on", late
    late = f"{open_} AND r.referred_on < {_BY_URGENCY}"
    return "r.referred_on", "r.started_on", late


def _metric_columns(metric: d.Metric, as_of: date) -> tuple[list[str], list]:
    """Measured, within the norm and late, each against the norms of the
    referral's urgency (the municipality's ``ResponseNorm`` rows). "Late" uses
    the exact cut-off (working days with holidays); "within" the norm in
    calendar days, as a waiting time in days can only be compared to that."""
    start, end, late = _metric_sql(metric)
    days = sql.days_between(start, end)
    columns = [
        f"COUNT({days})",
        f"SUM(CASE WHEN {days} <= {_BY_URGENCY} THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN {late} THEN 1 ELSE 0 END)",
    ]
    urgent = metric.norm(codes.Urgency.URGENT)
    regular = metric.norm(codes.Urgency.REGULAR)
    within = [codes.Urgency.URGENT, urgent.calendar_days, regular.calendar_days]
    cutoffs = [
        codes.Urgency.URGENT,
        sql.param(urgent.overdue_before(as_of)),
        sql.param(regular.overdue_before(as_of)),
    ]
    return columns, [*within, *d.OPEN_STATUSES, *cutoffs]


def _status_columns() -> tuple[list[str], list]:
    def count_in(statuses):
        listed = sql.placeholders(statuses)
        return f"SUM(CASE WHEN r.status IN ({listed}) THEN 1 ELSE 0 END)"

    groups = (d.OPEN_STATUSES, d.STARTED_STATUSES, (wf.DECLINED,), (wf.WITHDRAWN,))
    columns = ["COUNT(*)", *(count_in(g) for g in groups)]
    return columns, [s for g in groups for s in g]


def _insert_referral_counts(cursor, *, since: date | None, as_of: date) -> None:
    columns, params = _status_columns()
    for metric in d.METRICS:
        more, more_params = _metric_columns(metric, as_of)
        columns += more
        params += more_params
    month = sql.month_of("r.referred_on")
    where, where_params = _since_sql("r.referred_on", since)
    target = ", ".join(("level", *_REFERRAL_KEYS, *_COUNT_VALUES))
    cursor.execute(
        f"INSERT INTO {sql.table(ReferralMonthlyCounts)} ({target}) "  # noqa: S608
        f"SELECT %s, r.provider_id, {month}, r.perceel_id, r.referrer_type, "
        f"{', '.join(columns)} FROM {sql.table(Referral)} r WHERE 1 = 1{where} "
        f"GROUP BY r.provider_id, {month}, r.perceel_id, r.referrer_type "
        f"ORDER BY r.provider_id, {month}",
        [d.PROVIDER, *params, *where_params],
    )


def _insert_histogram(cursor, *, metric: d.Metric, since: date | None) -> None:
    start, end, _late = _metric_sql(metric)
    days = sql.days_between(start, end)
    month = sql.month_of("r.referred_on")
    where, where_params = _since_sql("r.referred_on", since)
    target = ", ".join(("level", *_REFERRAL_KEYS, "metric", "days", "count"))
    cursor.execute(
        f"INSERT INTO {sql.table(ReferralDayHistogram)} ({target}) "  # noqa: S608
        f"SELECT %s, r.provider_id, {month}, r.perceel_id, r.referrer_type, %s, "
        f"{days}, COUNT(*) FROM {sql.table(Referral)} r "
        f"WHERE {days} IS NOT NULL{where} "
        f"GROUP BY r.provider_id, {month}, r.perceel_id, r.referrer_type, {days} "
        f"ORDER BY r.provider_id, {month}",
        [d.PROVIDER, metric.code, *where_params],
    )


def _insert_declines(cursor, *, since: date | None) -> None:
    month = sql.month_of("r.referred_on")
    where, where_params = _since_sql("r.referred_on", since)
    target = ", ".join(("level", *_REFERRAL_KEYS, "reason", "count"))
    cursor.execute(
        f"INSERT INTO {sql.table(ReferralDeclineCounts)} ({target}) "  # noqa: S608
        f"SELECT %s, r.provider_id, {month}, r.perceel_id, r.referrer_type, "
        f"e.decline_reason, COUNT(*) FROM {sql.table(Referral)} r "
        f"JOIN {sql.table(ReferralEvent)} e ON e.referral_id = r.id AND e.type = %s "
        f"WHERE r.status = %s{where} "
        f"GROUP BY r.provider_id, {month}, r.perceel_id, r.referrer_type, "
        "e.decline_reason",
        [d.PROVIDER, wf.DECLINED, wf.DECLINED, *where_params],
    )


def _insert_capacity_months(cursor, *, since: date | None, now: datetime) -> None:
    """Services by status at the end of each month, from the capacity history.

    A service's state at a month's end (or now, for this month) is its latest
    history row before that moment, unless that row is a deletion. Each history
    row is valid from its date until the next row of the same capacity (LEAD),
    so one join with the month ends finds them all. "Stale" compares the row's
    ``updated_at`` with the moment. Only services that are active now, of
    active organisations.
    """
    this_month = month_start(timezone.localdate(now))
    first = since or max(
        _first_month(timezone.localdate(now)),
        add_months(this_month, -CAPACITY_HISTORY_MONTHS),
    )
    months, params = _month_ends(months_between(first, this_month), now)
    history = sql.table(Capacity.history.model)
    target = ", ".join(("level", "organisation_id", "month", "perceel_id", "status"))
    cursor.execute(
        f"INSERT INTO {sql.table(CapacityMonthly)} ({target}, "  # noqa: S608
        f"{', '.join(_CAPACITY_VALUES)}) "
        "SELECT %s, s.organisation_id, m.month, s.perceel_id, h.status, COUNT(*), "
        "SUM(CASE WHEN h.updated_at < m.stale_before THEN 1 ELSE 0 END), "
        "COALESCE(SUM(h.intake_wait_weeks), 0), COUNT(h.intake_wait_weeks), "
        "COALESCE(SUM(h.treatment_wait_weeks), 0), COUNT(h.treatment_wait_weeks) "
        "FROM (SELECT service_id, status, intake_wait_weeks, treatment_wait_weeks, "
        "updated_at, history_type, history_date, LEAD(history_date) OVER "
        f"(PARTITION BY id ORDER BY history_date, history_id) AS next_date "
        f"FROM {history}) h "
        f"JOIN ({months}) m ON h.history_date < m.before "
        "AND (h.next_date IS NULL OR h.next_date >= m.before) "
        f"JOIN {sql.table(Service)} s ON s.id = h.service_id "
        f"JOIN {sql.table(Organisation)} o ON o.id = s.organisation_id "
        "WHERE h.history_type <> '-' AND s.active = %s AND o.active = %s "
        "GROUP BY s.organisation_id, m.month, s.perceel_id, h.status",
        [d.PROVIDER, *params, True, True],
    )


def _month_ends(months: list[date], now: datetime) -> tuple[str, list]:
    """A derived table (month, before, stale_before) of the moments whose state
    counts: each month's end, or just after ``now`` for the running month."""
    selects, params = [], []
    for month in months:
        next_month = add_months(month, 1)
        end = timezone.make_aware(datetime(next_month.year, next_month.month, 1))
        before = end if end <= now else now + timedelta(microseconds=1)
        stale_before = min(end, now) - timedelta(days=settings.CAPACITY_STALE_DAYS)
        selects.append(
            f"SELECT {sql.typed('date')} AS month, {sql.typed('timestamp')} AS "
            f"before, {sql.typed('timestamp')} AS stale_before"
        )
        params += [sql.param(month), sql.param(before), sql.param(stale_before)]
    if not selects:  # no months: a derived table without rows
        selects.append(
            f"SELECT {sql.typed('date')} AS month, {sql.typed('timestamp')} AS "
            f"before, {sql.typed('timestamp')} AS stale_before WHERE 1 = 0"
        )
        params += [None, None, None]
    return " UNION ALL ".join(selects), params


# --- Running totals per provider ---


def running_counts_rebuild() -> None:
    """Rebuild ``ProviderRunningCounts`` whole from the level ``provider`` rows
    of ``ReferralMonthlyCounts`` (a partial refresh changes the running totals
    of every later month too). Part of ``dashboard_refresh``; on its own only
    for rows written another way (tests)."""
    with connection.cursor() as cursor:
        _insert_running_counts(cursor)


def _insert_running_counts(cursor) -> None:
    """Every organisation with figures, every month in which any organisation
    has figures (a month without any adds nothing, so "the latest row at or
    before" it is right), each with the sum of its months so far: a window sum
    over a left join."""
    ProviderRunningCounts.objects.all()._raw_delete(connection.alias)
    counts = sql.table(ReferralMonthlyCounts)
    summed = ", ".join(f"SUM({v}) AS {v}" for v in d.NORM_COUNT_FIELDS)
    running = ", ".join(f"SUM(COALESCE(t.{v}, 0)) OVER w" for v in d.NORM_COUNT_FIELDS)
    target = ", ".join(("organisation_id", "month", *d.NORM_COUNT_FIELDS))
    cursor.execute(
        f"INSERT INTO {sql.table(ProviderRunningCounts)} ({target}) "  # noqa: S608
        f"SELECT o.organisation_id, m.month, {running} "
        f"FROM (SELECT DISTINCT organisation_id FROM {counts} WHERE level = %s "
        "AND organisation_id IS NOT NULL) o "
        f"CROSS JOIN (SELECT DISTINCT month FROM {counts} WHERE level = %s) m "
        f"LEFT JOIN (SELECT organisation_id, month, {summed} FROM {counts} "
        "WHERE level = %s GROUP BY organisation_id, month) t "
        "ON t.organisation_id = o.organisation_id AND t.month = m.month "
        "WINDOW w AS (PARTITION BY o.organisation_id ORDER BY m.month) "
        "ORDER BY m.month, o.organisation_id",
        [d.PROVIDER, d.PROVIDER, d.PROVIDER],
    )


# --- Rollups (levels "group" and "city") ---


def _insert_city_all_referrers(cursor, *, since: date | None) -> None:
    """City histograms summed over referrer types (level ``cityall``): the
    city-wide figures read a quarter of the rows when no referrer is chosen."""
    where, where_params = _since_sql("t.month", since)
    target = ", ".join(("level", *_REFERRAL_KEYS, "metric", "days", "count"))
    cursor.execute(
        f"INSERT INTO {sql.table(ReferralDayHistogram)} ({target}) "  # noqa: S608
        "SELECT %s, NULL, t.month, t.perceel_id, '', t.metric, t.days, "
        f"SUM(t.count) FROM {sql.table(ReferralDayHistogram)} t "
        f"WHERE t.level = %s{where} "
        "GROUP BY t.month, t.perceel_id, t.metric, t.days",
        [d.CITY_ALL, d.CITY, *where_params],
    )


def _roll_up(cursor, model, keys, values, *, level: str, since: date | None) -> None:
    """Sum the per-organisation rows of ``model`` into ``level`` rows."""
    key_sql = ", ".join(f"t.{k}" for k in keys)
    sums = ", ".join(f"SUM(t.{v})" for v in values)
    target = ", ".join(("level", "organisation_id", "month", "perceel_id", *keys))
    where, where_params = _since_sql("t.month", since)
    organisation, join, group_by = "NULL", "", "t.month, t.perceel_id"
    order_by = "t.month"
    if level == d.GROUP:
        order_by = "m.main_id, t.month"
        organisation = "m.main_id"
        join = (
            f"JOIN {sql.table(RollupMember)} m ON m.member_id = t.organisation_id "
            "AND m.perceel_id = t.perceel_id AND m.month = t.month"
        )
        group_by = f"m.main_id, {group_by}"
    cursor.execute(
        f"INSERT INTO {sql.table(model)} ({target}, {', '.join(values)}) "  # noqa: S608
        f"SELECT %s, {organisation}, t.month, t.perceel_id, {key_sql}, {sums} "
        f"FROM {sql.table(model)} t {join} WHERE t.level = %s{where} "
        f"GROUP BY {group_by}, {key_sql} ORDER BY {order_by}",
        [level, d.PROVIDER, *where_params],
    )
