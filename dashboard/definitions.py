"""What the municipality dashboard measures, in one place.

The milestone dates come from ``referrals.workflow.derive`` (stored on
``Referral``); every date is the day a step *happened* (``occurred_on``), not
the day it was recorded, so a back-dated event counts at its own date.

Waiting times, in whole days (``end - start``):

- days to first contact = coalesce(first_contact_on, intake_on) - referred_on
  (an intake is a contact too, as in ``workflow.deadlines``);
- aanmeldwachttijd = intake_on - referred_on (Treeknorm 4 weeks);
- behandelwachttijd = started_on - intake_on (Treeknorm 10 weeks);
- total = started_on - referred_on (Treeknorm 14 weeks).

The norms are the municipality's ``ResponseNorm`` rows (admin; defaults from
the settings), read once per page, API call or refresh (``norms_in_force``):
a referral counts against the norms of its own urgency. A waiting time is
*within its norm* when days <= the norm in calendar days
(``workflow.Norm.calendar_days``). A referral that is
still open and already past a norm ("late") counts as not within it, so the
share within a norm is within / (measured + late). Referrals are counted in the
month they were made (cohort by ``referred_on``).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from referrals import codes
from referrals import workflow as wf

# Aggregation levels of the precomputed tables.
PROVIDER = "provider"  # one organisation's own referrals
GROUP = "group"  # a hoofdaanbieder with its onderaannemers rolled up
CITY = "city"  # all providers together (organisation is NULL)
# Waiting-time histograms of the city also summed over referrer types (referrer
# type blank): the city-wide figures read a quarter of the rows when no referrer
# type is chosen.
CITY_ALL = "cityall"
LEVEL_CHOICES = [
    (PROVIDER, _("Aanbieder")),
    (GROUP, _("Hoofdaanbieder met onderaannemers")),
    (CITY, _("Almere")),
    (CITY_ALL, _("Almere, alle verwijzers samen")),
]

OPEN_STATUSES = tuple(sorted(wf.OPEN_STATUSES))
STARTED_STATUSES = (wf.STARTED, wf.ENDED)

# Percentiles shown for every waiting time (linear interpolation, see stats.py).
PERCENTILES = (0.5, 0.9)


_NORMS: ContextVar = ContextVar("dashboard_norms", default=None)


@contextmanager
def norms_in_force(table=None) -> Iterator:
    """Within the block every ``Metric`` reads its norm from ``table`` (the
    ``ResponseNorm`` table; read now, one query, when not given)."""
    from referrals.selectors import norms_table

    token = _NORMS.set(norms_table() if table is None else table)
    try:
        yield _NORMS.get()
    finally:
        _NORMS.reset(token)


def norms_table_in_force():
    """The table of the enclosing ``norms_in_force``; outside one (a page of
    another app showing a metric), the cached table, so no query a metric."""
    from referrals.selectors import norms_table_cached

    table = _NORMS.get()
    return norms_table_cached() if table is None else table


def norms_fingerprint(table) -> str:
    """The norms table as a short text, to tell whether it changed."""
    return ";".join(
        f"{urgency}:" + ",".join(f"{n.amount}{n.unit}" for n in norms.all())
        for urgency, norms in sorted(table.items())
    )


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    short_label: str
    step: str  # its ResponseNorm step (``workflow.Norms`` field)
    start: str  # what the waiting time is measured from
    end: str  # ... and until

    def norm(self, urgency: str = codes.Urgency.REGULAR) -> wf.Norm:
        """The municipality's norm for this waiting time and ``urgency``."""
        table = norms_table_in_force()
        norms = table.get(urgency) or table[codes.Urgency.REGULAR]
        return getattr(norms, self.step)

    def __reduce__(self):
        # Pickled (the memo) by its code: the four metrics are constants, and
        # unpickling their lazy labels would build a new proxy class per label.
        return (metric_by_code, (self.code,))

    @property
    def norm_days(self) -> int:
        """The regular norm in calendar days (the figures' "within norm")."""
        return self.norm().calendar_days

    @property
    def norm_weeks(self) -> int | float:
        """The regular norm in weeks, as the charts and texts show it."""
        return self.norm().weeks


CONTACT = Metric(
    "contact",
    _("Dagen tot eerste contact"),
    _("Eerste contact"),
    "first_contact",
    _("verwijzing"),
    _("eerste contact of intake"),
)
INTAKE = Metric(
    "intake",
    _("Aanmeldwachttijd"),
    _("Aanmelding"),
    "intake",
    _("verwijzing"),
    _("intake"),
)
TREATMENT = Metric(
    "treatment",
    _("Behandelwachttijd"),
    _("Behandeling"),
    "treatment",
    _("intake"),
    _("start hulp"),
)
TOTAL = Metric(
    "total",
    _("Totale wachttijd"),
    _("Totaal"),
    "total",
    _("verwijzing"),
    _("start hulp"),
)
METRICS = (CONTACT, INTAKE, TREATMENT, TOTAL)
# The precomputed counters per metric: measured, within the norm, late and open.
NORM_COUNT_FIELDS = tuple(
    f"{m.code}_{part}" for m in METRICS for part in ("n", "within", "late")
)
METRIC_BY_CODE = {m.code: m for m in METRICS}


def metric_by_code(code: str) -> Metric:
    return METRIC_BY_CODE[code]


METRIC_CHOICES = [(m.code, m.label) for m in METRICS]
