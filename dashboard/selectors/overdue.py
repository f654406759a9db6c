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
from referrals.selectors import NormsTable, norms, norms_table, overdue_q
from registry.models import in_language


def _overdue_q(today: date, table) -> Q:
    """Open and past at least one norm of its urgency (one rule for the
    dashboard and the working lists: ``referrals.selectors.overdue_q``)."""
    return Q(status__in=d.OPEN_STATUSES) & overdue_q(today, table)


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
        "perceel__name_en",
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
                perceel=in_language(v["perceel__name"], v["perceel__name_en"]),
                status=str(wf.STATUS_LABELS[v["status"]]),
                referred_on=v["referred_on"],
                days_open=(today - v["referred_on"]).days,
                norms=tuple(x.label for x in late),
            )
        )
    return result
