"""Precomputed monthly figures for the municipality dashboard (/regie).

Derived data only: ``services.dashboard_refresh`` rebuilds these tables from
``Referral`` (milestone dates), ``ReferralEvent`` (decline reasons) and the
capacity history with set-based SQL; nothing else writes them. They hold no
personal data: counts per month, organisation, perceel and referrer type.

Every table has the same key: ``level`` (one organisation, a hoofdaanbieder
with its onderaannemers rolled up, or the whole city), ``organisation`` (NULL
for the city), ``month`` (first day of the cohort month), ``perceel`` and, for
referral figures, ``referrer_type``. Counts are sums, so any period and any
grouping is a ``SUM`` over rows; waiting times are day-resolution histograms,
so medians and percentiles over any selection stay exact (see ``stats.py``).

Foreign keys have no database constraint (derived rows are rebuilt, and
millions of constraint checks would slow the rebuild); composite indexes serve
the dashboard's queries.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dashboard import definitions as d


def _derived_fk(to, verbose_name, *, null=False):
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        on_delete=models.CASCADE,
        null=null,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )


class _Monthly(models.Model):
    level = models.CharField(_("niveau"), max_length=8, choices=d.LEVEL_CHOICES)
    organisation = _derived_fk("registry.Organisation", _("organisatie"), null=True)
    month = models.DateField(_("maand"))
    perceel = _derived_fk("registry.Perceel", _("perceel"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.level} {self.organisation_id or '-'} {self.month:%Y-%m}"


class _ReferralMonthly(_Monthly):
    referrer_type = models.CharField(_("soort verwijzer"), max_length=10)

    class Meta:
        abstract = True


def _counter(label):
    return models.PositiveIntegerField(label, default=0)


class _NormCounts(models.Model):
    """Per metric: ``<metric>_n`` measured (the step happened), ``_within`` of
    those within the norm, ``_late`` still open and already past the norm."""

    contact_n = _counter(_("eerste contact gemeten"))
    contact_within = _counter(_("eerste contact binnen norm"))
    contact_late = _counter(_("eerste contact te laat, nog open"))
    intake_n = _counter(_("aanmeldwachttijd gemeten"))
    intake_within = _counter(_("aanmeldwachttijd binnen norm"))
    intake_late = _counter(_("aanmeldwachttijd te laat, nog open"))
    treatment_n = _counter(_("behandelwachttijd gemeten"))
    treatment_within = _counter(_("behandelwachttijd binnen norm"))
    treatment_late = _counter(_("behandelwachttijd te laat, nog open"))
    total_n = _counter(_("totale wachttijd gemeten"))
    total_within = _counter(_("totale wachttijd binnen norm"))
    total_late = _counter(_("totale wachttijd te laat, nog open"))

    class Meta:
        abstract = True


class ReferralMonthlyCounts(_ReferralMonthly, _NormCounts):
    """Referrals made in a month and where they stand, plus norm counts
    (``_NormCounts``). ``made = open + started + declined + withdrawn`` (status
    at refresh time)."""

    made = _counter(_("verwezen"))
    open = _counter(_("open"))
    started = _counter(_("gestart"))
    declined = _counter(_("afgewezen"))
    withdrawn = _counter(_("ingetrokken"))

    class Meta:
        verbose_name = _("maandcijfers verwijzingen")
        verbose_name_plural = _("maandcijfers verwijzingen")
        indexes = [
            models.Index(
                fields=["level", "organisation", "month"], name="dash_counts_key"
            ),
        ]


class ProviderRunningCounts(_NormCounts):
    """Per organisation and month: its norm counts (level ``provider``, summed
    over percelen and referrer types) of every month up to and including this
    one. A period's counts are then one row minus another: the overview's
    comparison of every provider reads two or three rows per provider,
    whatever the period's length, instead of one per provider, month, perceel
    and referrer type.

    Dense: every organisation with referral figures has a row for every month
    in which any organisation has figures, so "the latest row at or before a
    month" holds its totals up to that month (a month without any figures adds
    nothing). Rebuilt whole by every refresh (``services.running_counts_rebuild``).
    """

    organisation = _derived_fk("registry.Organisation", _("organisatie"))
    month = models.DateField(_("maand"))

    class Meta:
        verbose_name = _("lopende totalen per aanbieder")
        verbose_name_plural = _("lopende totalen per aanbieder")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "organisation"], name="dash_running_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m}"


class ReferralDayHistogram(_ReferralMonthly):
    """How many referrals of a cohort month waited exactly ``days`` days."""

    metric = models.CharField(_("wachttijd"), max_length=10, choices=d.METRIC_CHOICES)
    days = models.IntegerField(_("dagen"))
    count = models.PositiveIntegerField(_("aantal"))

    class Meta:
        verbose_name = _("verdeling wachttijden")
        verbose_name_plural = _("verdelingen wachttijden")
        indexes = [
            models.Index(
                fields=["level", "organisation", "month", "metric"],
                name="dash_hist_key",
            ),
            # The city-wide figures read only this index (PostgreSQL, once the
            # refresh has vacuumed): a quarter of the table's width.
            models.Index(
                fields=["level", "month"],
                include=["referrer_type", "perceel", "metric", "days", "count"],
                condition=Q(level__in=[d.CITY, d.CITY_ALL]),
                name="dash_hist_city",
            ),
        ]


class ReferralDeclineCounts(_ReferralMonthly):
    """Declined referrals of a cohort month by reason."""

    reason = models.CharField(_("reden"), max_length=20, blank=True)
    count = models.PositiveIntegerField(_("aantal"))

    class Meta:
        verbose_name = _("afwijzingen per reden")
        verbose_name_plural = _("afwijzingen per reden")
        indexes = [
            models.Index(
                fields=["level", "organisation", "month"], name="dash_decline_key"
            ),
        ]


class CapacityMonthly(_Monthly):
    """Services by capacity status at the end of a month (from the history)."""

    status = models.CharField(_("status"), max_length=10)
    services = _counter(_("aanbod"))
    stale = _counter(_("niet actueel"))
    intake_wait_sum = _counter(_("som aanmeldwachttijd (weken)"))
    intake_wait_n = _counter(_("aanbod met aanmeldwachttijd"))
    treatment_wait_sum = _counter(_("som behandelwachttijd (weken)"))
    treatment_wait_n = _counter(_("aanbod met behandelwachttijd"))

    class Meta:
        verbose_name = _("capaciteit per maand")
        verbose_name_plural = _("capaciteit per maand")
        indexes = [
            models.Index(
                fields=["level", "organisation", "month"], name="dash_capacity_key"
            ),
        ]


class RollupMember(models.Model):
    """Whose referrals count for a hoofdaanbieder in a month and perceel.

    The hoofdaanbieder itself (every perceel), and each onderaannemer for the
    perceel and months of its subcontract (and of the contract it hangs under).
    Rebuilt with the figures; the rollup is a plain join on this table.
    """

    main = _derived_fk("registry.Organisation", _("hoofdaanbieder"))
    member = _derived_fk("registry.Organisation", _("lid"))
    perceel = _derived_fk("registry.Perceel", _("perceel"))
    month = models.DateField(_("maand"))

    class Meta:
        verbose_name = _("onderdeel van hoofdaanbieder")
        verbose_name_plural = _("onderdelen van hoofdaanbieders")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "perceel", "month", "main"], name="dash_rollup_unique"
            )
        ]
        # A hoofdaanbieder's members in a period (its page, each on its own).
        indexes = [models.Index(fields=["main", "month"], name="dash_rollup_main")]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.main_id} {self.month:%Y-%m}"


class DashboardRefresh(models.Model):
    """One run of ``refresh_dashboard``: how fresh the figures are."""

    started_at = models.DateTimeField(_("gestart op"))
    finished_at = models.DateTimeField(_("bijgewerkt op"), db_index=True)
    as_of = models.DateField(_("peildatum"))
    from_month = models.DateField(_("vanaf maand"), null=True, blank=True)
    referrals = models.PositiveIntegerField(_("verwijzingen"), default=0)
    duration_ms = models.PositiveIntegerField(_("duur (ms)"), default=0)
    # The norms the "within the norm" figures were counted against
    # (definitions.norms_fingerprint): another value makes the next refresh full.
    norms = models.CharField(_("normen"), max_length=500, blank=True)

    class Meta:
        ordering = ["-finished_at", "-id"]
        get_latest_by = ["finished_at", "id"]
        verbose_name = _("herberekening")
        verbose_name_plural = _("herberekeningen")

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M}"
