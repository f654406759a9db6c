"""Capacity: services by status now and reported waits (live), and the
monthly trend from the capacity history (precomputed)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import BooleanField, Case, Count, QuerySet, Sum, Value, When
from django.utils import timezone

from dashboard import definitions as d
from dashboard import stats
from dashboard.models import CapacityMonthly
from dashboard.selectors.base import (
    Filters,
    OrganisationRow,
    ReportedWaits,
    current_subcontracts,
    scope_q,
    selection_rows,
)
from registry.models import Capacity, Organisation


@dataclass
class CapacityNow:
    services: int
    by_status: dict[str, int]
    stale: int
    reported: ReportedWaits

    def share(self, status: str) -> float | None:
        return stats.share(self.by_status.get(status, 0), self.services)

    @property
    def stale_share(self) -> float | None:
        return stats.share(self.stale, self.services)

    @property
    def status_list(self):
        return [
            (code, label, self.by_status.get(code, 0), self.share(code))
            for code, label in Capacity.Status.choices
        ]


def _live_capacities(f: Filters) -> QuerySet:
    capacities = Capacity.objects.filter(
        service__active=True,
        service__organisation__active=True,
        service__organisation__kind__in=Organisation.PROVIDER_KINDS,
    )
    if f.perceel is not None:
        capacities = capacities.filter(service__perceel=f.perceel)
    return capacities.filter(
        scope_q(
            f, organisation="service__organisation_id", perceel="service__perceel_id"
        )
    )


def capacity_now(f: Filters) -> CapacityNow:
    """Services by capacity status now, stale ones, and the median reported
    waits (live, one query grouped by status, staleness and reported weeks)."""
    stale_before = timezone.now() - timedelta(days=settings.CAPACITY_STALE_DAYS)
    rows = (
        _live_capacities(f)
        .annotate(
            is_stale=Case(
                When(updated_at__lt=stale_before, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values_list("status", "is_stale", "intake_wait_weeks", "treatment_wait_weeks")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_status: dict = defaultdict(int)
    stale, intake, treatment = 0, [], []
    for status, is_stale, intake_weeks, treatment_weeks, n in rows:
        by_status[status] += n
        stale += n if is_stale else 0
        if intake_weeks is not None:
            intake.append((intake_weeks, n))
        if treatment_weeks is not None:
            treatment.append((treatment_weeks, n))
    return CapacityNow(
        services=sum(by_status.values()),
        by_status=dict(by_status),
        stale=stale,
        reported=ReportedWaits(
            stats.percentile(stats.merge(intake), 0.5),
            stats.percentile(stats.merge(treatment), 0.5),
        ),
    )


def _reported_owners(ids: list[int], *, level: str) -> dict:
    """{(organisation, perceel or None): rows its services count for}."""
    owners: dict = defaultdict(set)
    for pk in ids:
        owners[(pk, None)].add(pk)
    if level == d.GROUP:
        for main_id, pairs in current_subcontracts(ids).items():
            for member_id, perceel_id in pairs:
                owners[(member_id, perceel_id)].add(main_id)
    return owners


def add_reported(rows: list[OrganisationRow], *, level: str, perceel) -> None:
    """Reported waits per organisation on the page (a hoofdaanbieder: over its
    own services and its current onderaannemers')."""
    if not rows:
        return
    owners = _reported_owners([r.organisation_id for r in rows], level=level)
    capacities = Capacity.objects.filter(
        service__active=True,
        service__organisation_id__in={org for org, _p in owners},
    )
    if perceel is not None:
        capacities = capacities.filter(service__perceel=perceel)
    waits: dict = defaultdict(lambda: ([], []))
    for org, perceel_id, intake, treatment in capacities.values_list(
        "service__organisation_id",
        "service__perceel_id",
        "intake_wait_weeks",
        "treatment_wait_weeks",
    ):
        for owner in owners[(org, None)] | owners.get((org, perceel_id), set()):
            if intake is not None:
                waits[owner][0].append((intake, 1))
            if treatment is not None:
                waits[owner][1].append((treatment, 1))
    for row in rows:
        intake, treatment = waits.get(row.organisation_id, ([], []))
        row.reported = ReportedWaits(
            stats.percentile(stats.merge(intake), 0.5),
            stats.percentile(stats.merge(treatment), 0.5),
        )


@dataclass
class CapacityMonth:
    month: date
    services: int
    by_status: dict[str, int]
    stale: int

    def share(self, status: str) -> float | None:
        return stats.share(self.by_status.get(status, 0), self.services)

    @property
    def stale_share(self) -> float | None:
        return stats.share(self.stale, self.services)


def capacity_trend(f: Filters) -> list[CapacityMonth]:
    """Services by status at the end of each month of the period (precomputed)."""
    rows = (
        selection_rows(CapacityMonthly, f, referrer=False)
        .values("month", "status")
        .annotate(n=Sum("services"), stale=Sum("stale"))
        .order_by()
    )
    months = {m: CapacityMonth(m, 0, {}, 0) for m in f.months}
    for row in rows:
        month = months.get(row["month"])
        if month is None:
            continue
        month.by_status[row["status"]] = row["n"]
        month.services += row["n"]
        month.stale += row["stale"]
    return list(months.values())
