"""Shapes of the dashboard figures API: counts, waiting times and capacity.

Never personal data: counts, waiting-time statistics in days, referral
references and organisation names. Waiting times follow ``dashboard.definitions``.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dashboard import definitions as d
from referrals import codes
from referrals import workflow as wf
from referrals.models import STATUS_CHOICES
from registry.api.serializers import LotRefSerializer, OrganisationRefSerializer
from registry.models import Capacity


class WaitSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="Measured: the step happened.")
    within = serializers.IntegerField(help_text="Measured and within the norm.")
    late = serializers.IntegerField(help_text="Still open and already past the norm.")
    share_within = serializers.FloatField(
        allow_null=True, help_text="within / (n + late); null when nothing to assess."
    )
    median_days = serializers.FloatField(source="median", allow_null=True)
    p90_days = serializers.FloatField(source="p90", allow_null=True)


class WaitsSerializer(serializers.Serializer):
    contact = WaitSerializer(help_text="Days from referral to first contact.")
    intake = WaitSerializer(help_text="Aanmeldwachttijd: referral to intake.")
    treatment = WaitSerializer(help_text="Behandelwachttijd: intake to start.")
    total = WaitSerializer(help_text="Referral to the start of help.")


class FiguresSerializer(serializers.Serializer):
    """Referrals made in the period (cohort by referral date) and their waits."""

    made = serializers.IntegerField()
    open = serializers.IntegerField(help_text="Still waiting for help to start.")
    started = serializers.IntegerField()
    declined = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    waits = serializers.SerializerMethodField()

    @extend_schema_field(WaitsSerializer)
    def get_waits(self, figures):
        return {m.code: WaitSerializer(figures.wait(m.code)).data for m in d.METRICS}


class NormsSerializer(serializers.Serializer):
    contact = serializers.IntegerField(help_text="Weeks (contract norm).")
    intake = serializers.IntegerField(help_text="Weeks (Treeknorm).")
    treatment = serializers.IntegerField(help_text="Weeks (Treeknorm).")
    total = serializers.IntegerField(help_text="Weeks (Treeknorm).")


def norms() -> dict:
    """The regular norms in force (the municipality's ``ResponseNorm`` rows)."""
    with d.norms_in_force():
        return {m.code: m.norm_weeks for m in d.METRICS}


class PeriodSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="First month (YYYY-MM).")
    end = serializers.CharField(help_text="Last month, included (YYYY-MM).")


class ByLotSerializer(serializers.Serializer):
    lot = LotRefSerializer()
    figures = FiguresSerializer()


class ByReferrerTypeSerializer(serializers.Serializer):
    referrer_type = serializers.ChoiceField(
        choices=codes.ReferrerType.choices, help_text="iJw COD327 code verwijzer."
    )
    label = serializers.CharField()
    figures = FiguresSerializer()


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class ReportedWaitsSerializer(serializers.Serializer):
    intake_weeks = serializers.FloatField(allow_null=True)
    treatment_weeks = serializers.FloatField(allow_null=True)


class StatusCountsSerializer(serializers.Serializer):
    open = serializers.IntegerField()
    waitlist = serializers.IntegerField()
    closed = serializers.IntegerField()


def status_counts(by_status: dict) -> dict:
    return {code: by_status.get(code, 0) for code in Capacity.Status.values}


class CapacityNowSerializer(serializers.Serializer):
    services = serializers.IntegerField(help_text="Active services now.")
    by_status = serializers.SerializerMethodField()
    stale = serializers.IntegerField(help_text="Not updated for CAPACITY_STALE_DAYS.")
    reported = ReportedWaitsSerializer(
        help_text="Median waiting weeks the providers report now."
    )

    @extend_schema_field(StatusCountsSerializer)
    def get_by_status(self, capacity):
        return status_counts(capacity.by_status)


class MemberSerializer(serializers.Serializer):
    provider = OrganisationRefSerializer()
    figures = FiguresSerializer()


class SummarySerializer(serializers.Serializer):
    period = PeriodSerializer()
    lot = serializers.SlugField(allow_null=True)
    referrer_type = serializers.CharField(allow_null=True)
    provider = OrganisationRefSerializer(
        allow_null=True, help_text="The provider the figures are about; null: all."
    )
    refreshed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the precomputed figures were last refreshed."
    )
    norms = NormsSerializer()
    figures = FiguresSerializer()
    city = FiguresSerializer(
        allow_null=True, help_text="With a provider: the same selection city-wide."
    )
    by_lot = ByLotSerializer(many=True)
    by_referrer_type = ByReferrerTypeSerializer(many=True)
    members = MemberSerializer(
        many=True,
        help_text="A hoofdaanbieder: itself and each onderaannemer on its own.",
    )
    declines = DeclineSerializer(many=True)
    capacity = CapacityNowSerializer()
    overdue = serializers.IntegerField(help_text="Open referrals past a norm now.")


class CapacityMonthSerializer(serializers.Serializer):
    services = serializers.IntegerField()
    by_status = StatusCountsSerializer()
    stale = serializers.IntegerField()


class MonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM (cohort month).")
    figures = FiguresSerializer()
    capacity = CapacityMonthSerializer(
        help_text="Services by capacity status at the end of the month."
    )


class ProviderFiguresSerializer(serializers.Serializer):
    provider = OrganisationRefSerializer()
    figures = FiguresSerializer()
    reported = ReportedWaitsSerializer(allow_null=True)


class OverdueSerializer(serializers.Serializer):
    reference = serializers.CharField()
    provider = OrganisationRefSerializer()
    lot = serializers.SlugField()
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    referred_on = serializers.DateField()
    days_open = serializers.IntegerField()
    past = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[wf.FIRST_CONTACT, wf.INTAKE, wf.STARTED]
        ),
        help_text="The norm deadlines passed without their step.",
    )
