"""Reads of the ijw app: the timeline's iJw lines, the messaging compliance
report and the family experience figures. Callers check permissions first
(``ijw.permissions``, ``dashboard.permissions``)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from django.conf import settings
from django.db.models import Avg, Count, Q
from django.utils import timezone

import holidays

from dashboard.periods import month_start
from ijw.models import Allocation, ExperienceAnswer, Report
from referrals import workflow as wf
from referrals.models import ReferralEvent
from registry.models import in_language

Step = Report.Step

# --- working days ---------------------------------------------------------------


@cache
def _dutch_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Netherlands(years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if not later):
    the days a provider had to send its message (Dutch public holidays off)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def reported_in_time(report: Report) -> bool:
    allowed = settings.IJW_REPORT_WORKING_DAYS
    return working_days_between(report.occurred_on, report.reported_on) <= allowed


# --- the referral timeline ------------------------------------------------------


@dataclass
class TimelineLine:
    report: Report
    hand_date: date | None = None  # the same step recorded in the app

    @property
    def differs(self) -> bool:
        return self.hand_date is not None and self.hand_date != self.report.occurred_on

    @property
    def difference_days(self) -> int | None:
        if not self.differs:
            return None
        return abs((self.report.occurred_on - self.hand_date).days)


def report_lines_for_referral(*, referral) -> list[TimelineLine]:
    """The referral's iJw reports in date order, each start/end with the date
    the provider recorded by hand for the same step (if any). Two queries."""
    reports = list(
        Report.objects.filter(referral=referral).order_by("occurred_on", "id")
    )
    if not reports:
        return []
    by_hand = {
        e.type: e.occurred_on
        for e in ReferralEvent.objects.filter(
            referral=referral,
            source=wf.SOURCE_APP,
            retracted_at__isnull=True,
            type__in=(wf.STARTED, wf.ENDED),
        )
    }
    step_type = {Step.STARTED: wf.STARTED, Step.ENDED: wf.ENDED}
    return [
        TimelineLine(r, by_hand.get(step_type.get(r.step)) if not r.event_id else None)
        for r in reports
    ]


# --- messaging compliance -------------------------------------------------------


@dataclass
class ComplianceRow:
    provider: str
    perceel: str
    starts: int = 0
    starts_in_time: int = 0
    ends: int = 0
    ends_in_time: int = 0
    no_start_4_weeks: int = 0
    no_start_8_weeks: int = 0
    hand_only_starts: int = 0

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def starts_share(self):
        return self.share(self.starts_in_time, self.starts)

    @property
    def ends_share(self):
        return self.share(self.ends_in_time, self.ends)


@dataclass
class Compliance:
    rows: list[ComplianceRow]
    months: list[dict] = field(default_factory=list)


def _key(referral) -> tuple[str, str]:
    return referral.provider.name, referral.perceel.display_name


def _reported(rows, months) -> None:
    reports = Report.objects.filter(
        step__in=(Step.STARTED, Step.ENDED), retracted_at__isnull=True
    ).select_related("referral__provider", "referral__perceel")
    for report in reports:
        row = rows[_key(report.referral)]
        in_time = reported_in_time(report)
        month = months[month_start(report.occurred_on)]
        if report.step == Step.STARTED:
            row.starts += 1
            row.starts_in_time += in_time
            month["starts"] += 1
            month["starts_in_time"] += in_time
        else:
            row.ends += 1
            row.ends_in_time += in_time
            month["ends"] += 1
            month["ends_in_time"] += in_time


def _allocations_without_start(rows, today: date) -> None:
    started = Report.objects.filter(
        step=Step.STARTED, retracted_at__isnull=True
    ).values("allocation_id")
    waiting = (
        Allocation.objects.exclude(pk__in=started)
        .filter(allocated_on__lte=today - timedelta(weeks=4))
        .select_related("referral__provider", "referral__perceel")
    )
    for allocation in waiting:
        row = rows[_key(allocation.referral)]
        row.no_start_4_weeks += 1
        row.no_start_8_weeks += allocation.allocated_on <= today - timedelta(weeks=8)


def _hand_only_starts(rows, today: date) -> None:
    """Starts recorded in the app, with no iJw start for the referral, once the
    provider's reporting time has passed."""
    grace = today - timedelta(days=7)
    reported = Report.objects.filter(
        step=Step.STARTED, retracted_at__isnull=True
    ).values("referral_id")
    events = (
        ReferralEvent.objects.filter(
            type=wf.STARTED,
            source=wf.SOURCE_APP,
            retracted_at__isnull=True,
            occurred_on__lte=grace,
        )
        .exclude(referral_id__in=reported)
        .select_related("referral__provider", "referral__perceel")
    )
    for event in events:
        rows[_key(event.referral)].hand_only_starts += 1


def compliance_report(*, today: date | None = None) -> Compliance:
    """Per provider and perceel: starts and ends reported within
    IJW_REPORT_WORKING_DAYS working days, allocations without a start after 4
    and 8 weeks, starts recorded by hand but never reported; and per month."""
    today = today or timezone.localdate()

    class _Rows(dict):
        def __missing__(self, key):
            self[key] = ComplianceRow(*key)
            return self[key]

    rows = _Rows()
    months = defaultdict(
        lambda: {"starts": 0, "starts_in_time": 0, "ends": 0, "ends_in_time": 0}
    )
    _reported(rows, months)
    _allocations_without_start(rows, today)
    _hand_only_starts(rows, today)
    month_rows = [
        {
            "month": month,
            **counts,
            "starts_share": ComplianceRow.share(
                counts["starts_in_time"], counts["starts"]
            ),
            "ends_share": ComplianceRow.share(counts["ends_in_time"], counts["ends"]),
        }
        for month, counts in sorted(months.items())
    ]
    return Compliance(rows=[rows[k] for k in sorted(rows)], months=month_rows)


# --- family experience ----------------------------------------------------------


@dataclass
class ExperienceRow:
    provider: str
    perceel: str
    answers: int
    on_time: float
    helped: float
    heard: float
    mark: float


def experience_summary(*, provider_ids=None) -> list[ExperienceRow]:
    """Per provider and perceel with at least EXPERIENCE_MIN_ANSWERS answers:
    the share answering "yes" to each question and the average mark. Groups
    with fewer answers are left out (families could be recognised)."""
    answers = ExperienceAnswer.objects.all()
    if provider_ids is not None:
        answers = answers.filter(provider_id__in=provider_ids)
    yes = ExperienceAnswer.Answer.YES
    groups = (
        answers.values("provider__name", "perceel__name", "perceel__name_en")
        .annotate(
            n=Count("id"),
            on_time=Count("id", filter=Q(on_time=yes)),
            helped=Count("id", filter=Q(helped=yes)),
            heard=Count("id", filter=Q(heard=yes)),
            mark=Avg("mark"),
        )
        .filter(n__gte=settings.EXPERIENCE_MIN_ANSWERS)
        .order_by("provider__name", "perceel__name")
    )
    return [
        ExperienceRow(
            provider=g["provider__name"],
            perceel=in_language(g["perceel__name"], g["perceel__name_en"]),
            answers=g["n"],
            on_time=g["on_time"] / g["n"],
            helped=g["helped"] / g["n"],
            heard=g["heard"] / g["n"],
            mark=float(g["mark"]),
        )
        for g in groups
    ]
