"""Open referrals now past a norm (live): the oldest first, reference and
provider only, never the child or the help question."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from dashboard import definitions as d
from dashboard.selectors.base import Filters, scope_q
from referrals import workflow as wf
from referrals.models import Referral
from referrals.selectors import NormsTable, norms, norms_table


def _overdue_q(today: date, table) -> Q:
    """Open and past at least one norm of its urgency, as ``workflow.overdue``
    decides it (the norms are data: ``referrals.selectors.norms_table``)."""
    per_urgency = Q()
    for urgency, these in table.items():
        per_urgency |= Q(urgency=urgency) & (
            Q(referred_on__lt=these.total.overdue_before(today))
            | Q(
                first_contact_on__isnull=True,
                intake_on__isnull=True,
                referred_on__lt=these.first_contact.overdue_before(today),
            )
            | Q(
                intake_on__isnull=True,
                referred_on__lt=these.intake.overdue_before(today),
            )
            | Q(intake_on__lt=these.treatment.overdue_before(today))
        )
    return Q(status__in=d.OPEN_STATUSES) & per_urgency


def overdue_referrals(
    f: Filters, *, today: date | None = None, table: NormsTable | None = None
) -> QuerySet:
    """Open referrals now past a norm, oldest first.

    Regardless of the period: these are waiting today. Perceel, referrer type
    and organisation filters apply. Count this queryset; show it through
    ``overdue_values`` (reference, provider and dates, never the child or the
    help question).
    """
    today = today or timezone.localdate()
    table = norms_table() if table is None else table
    rows = Referral.objects.filter(_overdue_q(today, table))
    if f.perceel is not None:
        rows = rows.filter(perceel=f.perceel)
    if f.referrer_type:
        rows = rows.filter(referrer_type=f.referrer_type)
    rows = rows.filter(scope_q(f, organisation="provider_id", perceel="perceel_id"))
    return rows.order_by("referred_on", "id")


def overdue_values(rows: QuerySet) -> QuerySet:
    """Only what the overdue list shows."""
    return rows.values(
        "reference",
        "provider__name",
        "perceel__name",
        "status",
        "referred_on",
        "first_contact_on",
        "intake_on",
        "urgency",
    )


@dataclass(frozen=True)
class OverdueRow:
    reference: str
    provider: str
    perceel: str
    status: str
    referred_on: date
    days_open: int
    norms: tuple[str, ...]


def overdue_rows(
    rows: QuerySet, *, today: date | None = None, table: NormsTable | None = None
) -> list[OverdueRow]:
    """Which norms each open referral in ``rows`` is past, for display."""
    today = today or timezone.localdate()
    table = norms_table() if table is None else table
    result = []
    for v in overdue_values(rows):
        derived = wf.Derived(
            status=v["status"],
            first_contact_on=v["first_contact_on"],
            intake_on=v["intake_on"],
        )
        late = wf.overdue(
            derived,
            referred_on=v["referred_on"],
            norms=norms(v["urgency"], table),
            today=today,
        )
        result.append(
            OverdueRow(
                reference=v["reference"],
                provider=v["provider__name"],
                perceel=v["perceel__name"],
                status=str(wf.STATUS_LABELS[v["status"]]),
                referred_on=v["referred_on"],
                days_open=(today - v["referred_on"]).days,
                norms=tuple(x.label for x in late),
            )
        )
    return result
