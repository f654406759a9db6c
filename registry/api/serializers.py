"""Shapes of the capacity API. Serializers check types and ranges only; rules and
writes live in ``registry.services``."""

from django.utils.translation import gettext_lazy as _

from rest_framework import serializers

from registry import validators as v
from registry.models import Capacity

HISTORY_SOURCES = ["page", "import", "api", "system"]
HISTORY_KINDS = ["created", "changed", "confirmed", "deleted"]


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: refuses strings ("4") and booleans, which DRF would coerce."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def _weeks(help_text):
    return StrictIntegerField(
        min_value=0, max_value=v.WAIT_WEEKS_MAX, allow_null=True, help_text=help_text
    )


class CapacitySerializer(serializers.Serializer):
    service = serializers.IntegerField(source="service_id", read_only=True)
    status = serializers.ChoiceField(
        choices=Capacity.Status.choices,
        help_text="open = direct plek, waitlist = wachtlijst, closed = aanmeldstop.",
    )
    intake_wait_weeks = _weeks("Aanmeldwachttijd: weeks from referral to intake.")
    treatment_wait_weeks = _weeks(
        "Behandelwachttijd: weeks from intake to the start of help."
    )
    total_wait_weeks = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Intake plus treatment wait."
    )
    free_places = StrictIntegerField(min_value=0, max_value=100000, allow_null=True)
    note = serializers.CharField(max_length=1000, allow_blank=True)
    updated_at = serializers.DateTimeField(read_only=True)
    stale = serializers.BooleanField(
        source="is_stale",
        read_only=True,
        help_text="Not updated for CAPACITY_STALE_DAYS days.",
    )
    version = serializers.IntegerField(
        read_only=True, help_text="Increases on every change; part of the ETag."
    )


class CapacityUpdateSerializer(CapacitySerializer):
    """PATCH body: any of the writable fields; anything else is refused by name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            unknown = sorted(
                name
                for name in self.initial_data
                if name not in self.fields or self.fields[name].read_only
            )
            if unknown:
                raise serializers.ValidationError(
                    {name: _("Onbekend of niet te wijzigen veld.") for name in unknown}
                )
        if not attrs:
            raise serializers.ValidationError(
                _("Geef minstens één veld om te wijzigen.")
            )
        return attrs


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField(help_text="Dutch label of the field.")
    old = serializers.JSONField(source="old_value", allow_null=True)
    new = serializers.JSONField(source="new_value", allow_null=True)


class CapacityHistoryEntrySerializer(serializers.Serializer):
    changed_at = serializers.DateTimeField()
    changed_by = serializers.CharField(
        help_text="A person's name for the service's own editors and the "
        "municipality; otherwise the organisation, 'Import' or 'API-koppeling'."
    )
    source = serializers.ChoiceField(choices=HISTORY_SOURCES)
    kind = serializers.ChoiceField(
        choices=HISTORY_KINDS,
        help_text="confirmed = figures confirmed as still correct (nog actueel).",
    )
    changes = FieldChangeSerializer(many=True)


class InvalidParamSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The field, e.g. intake_wait_weeks.")
    code = serializers.CharField()
    reason = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, as every error of this API."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    invalid_params = InvalidParamSerializer(many=True, required=False)
