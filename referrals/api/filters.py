"""Filters of GET /api/v1/referrals."""

from django import forms
from django.utils.translation import gettext as _

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from referrals import workflow as wf
from referrals.models import STATUS_CHOICES, Referral


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A whole-number id: "1.5" or "x" is 400, never rounded. A number beyond
    the database's 64-bit range is no id of anything: an empty list."""

    field_class = forms.IntegerField

    def filter(self, qs, value):
        if value is not None and not -(2**63) <= value < 2**63:
            return qs.none()
        return super().filter(qs, value)


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0); anything else is 400 instead of "no filter"."""

    widget = forms.TextInput

    def to_python(self, value):
        text = str(value).strip().lower() if value is not None else ""
        if text in ("", "none"):
            return None
        if text in ("true", "1", "false", "0"):
            return text in ("true", "1")
        raise forms.ValidationError(_("Kies true of false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=STATUS_CHOICES,
        help_text="Only referrals with this status (repeat for several).",
    )
    open = StrictBooleanFilter(
        method="filter_open",
        help_text="true: only referrals still waiting for help to start "
        "(sent, received, first_contact, waitlisted, intake); false: the others.",
    )
    referredAfter = django_filters.DateFilter(
        field_name="referred_on",
        lookup_expr="gte",
        help_text="Referred on or after this date (YYYY-MM-DD).",
    )
    referredBefore = django_filters.DateFilter(
        field_name="referred_on",
        lookup_expr="lte",
        help_text="Referred on or before this date (YYYY-MM-DD).",
    )
    service = IdFilter(
        field_name="service_id", help_text="Only referrals to this service id."
    )

    class Meta:
        model = Referral
        fields = ["status", "open", "referredAfter", "referredBefore", "service"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=wf.OPEN_STATUSES)
        return queryset.exclude(status__in=wf.OPEN_STATUSES)
