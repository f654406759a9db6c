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

A waiting time is *within its norm* when days <= weeks * 7. A referral that is
still open and already past a norm ("late") counts as not within it, so the
share within a norm is within / (measured + late). Referrals are counted in the
month they were made (cohort by ``referred_on``).
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

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


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    short_label: str
    norm_setting: str
    start: str  # what the waiting time is measured from
    end: str  # ... and until

    @property
    def norm_weeks(self) -> int:
        return getattr(settings, self.norm_setting)

    @property
    def norm_days(self) -> int:
        return self.norm_weeks * 7


CONTACT = Metric(
    "contact",
    _("Dagen tot eerste contact"),
    _("Eerste contact"),
    "NORM_FIRST_CONTACT_WEEKS",
    _("verwijzing"),
    _("eerste contact of intake"),
)
INTAKE = Metric(
    "intake",
    _("Aanmeldwachttijd"),
    _("Aanmelding"),
    "NORM_INTAKE_WEEKS",
    _("verwijzing"),
    _("intake"),
)
TREATMENT = Metric(
    "treatment",
    _("Behandelwachttijd"),
    _("Behandeling"),
    "NORM_TREATMENT_WEEKS",
    _("intake"),
    _("start hulp"),
)
TOTAL = Metric(
    "total",
    _("Totale wachttijd"),
    _("Totaal"),
    "NORM_TOTAL_WEEKS",
    _("verwijzing"),
    _("start hulp"),
)
METRICS = (CONTACT, INTAKE, TREATMENT, TOTAL)
METRIC_BY_CODE = {m.code: m for m in METRICS}
METRIC_CHOICES = [(m.code, m.label) for m in METRICS]
