"""Filters of GET /api/v1/referrals."""

import django_filters

from referrals import workflow as wf
from referrals.models import STATUS_CHOICES, Referral


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=STATUS_CHOICES,
        help_text="Only referrals with this status (repeat for several).",
    )
    open = django_filters.BooleanFilter(
        method="filter_open",
        help_text="true: only referrals still waiting for help to start "
        "(sent, received, first_contact, waitlisted, intake); false: the others.",
    )
    referred_after = django_filters.DateFilter(
        field_name="referred_on",
        lookup_expr="gte",
        help_text="Referred on or after this date (YYYY-MM-DD).",
    )
    referred_before = django_filters.DateFilter(
        field_name="referred_on",
        lookup_expr="lte",
        help_text="Referred on or before this date (YYYY-MM-DD).",
    )
    service = django_filters.NumberFilter(
        field_name="service_id", help_text="Only referrals to this service id."
    )

    class Meta:
        model = Referral
        fields = ["status", "open", "referred_after", "referred_before", "service"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=wf.OPEN_STATUSES)
        return queryset.exclude(status__in=wf.OPEN_STATUSES)
