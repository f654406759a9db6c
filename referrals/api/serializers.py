"""Serializers of the referral API: shape only. Rules live in referrals.services.

A school following a referral (with consent) gets the same document with every
personal field (child, help question, consent, parent contact, notes) null.
"""

from functools import cached_property

from django.utils import timezone

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from referrals import codes, identifiers, selectors
from referrals import permissions as perms
from referrals import workflow as wf
from referrals.models import EVENT_CHOICES, STATUS_CHOICES, Referral, ReferralEvent
from registry.models import Organisation, Service

MILESTONES = wf.MILESTONE_FIELDS
REASONS = ("end_reason", "decline_reason")
# Null for a following school besides PERSONAL (except the child's initials and
# date of birth, which the school knows).
SCHOOL_HIDDEN = ("service", "service_name", "provider", "provider_name")
PERSONAL = (
    "child_initials",
    "child_birth_date",
    "help_question",
    "consent_by",
    "consent_date",
    "parent_name",
    "parent_phone",
    "parent_email",
)


class ReferralCreateSerializer(serializers.Serializer):
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.select_related("organisation", "perceel", "capacity"),
        help_text="Id of the service (aanbod) to refer to.",
    )
    child_initials = serializers.CharField(
        max_length=10, help_text="Initials only, e.g. J.B. Never a name or BSN."
    )
    child_birth_date = serializers.DateField()
    help_question = serializers.CharField(max_length=2000)
    urgency = serializers.ChoiceField(
        choices=codes.Urgency.choices, default=codes.Urgency.REGULAR
    )
    consent_by = serializers.ChoiceField(
        choices=codes.ConsentBy.choices, help_text="Who consented to the referral."
    )
    consent_date = serializers.DateField(help_text="When consent was given.")
    parent_name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Optional: the parent's name, for the provider's first contact.",
    )
    parent_phone = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="A Dutch phone number of the parent (parent_phone or "
        "parent_email is required). Stored in national notation.",
    )
    parent_email = serializers.EmailField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The parent's e-mail (parent_phone or parent_email is "
        "required): the provider may use it for contact; the parent gets a plain "
        "notice when help starts or the referral is declined (never the help "
        "question).",
    )
    follower_school = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.SCHOOL),
        required=False,
        allow_null=True,
        help_text="Optional: id of a school that may follow the status.",
    )
    school_consent = serializers.BooleanField(
        default=False,
        help_text="The family consents that follower_school sees status and dates.",
    )
    referrer_role = serializers.ChoiceField(
        choices=codes.ReferrerRole.choices,
        required=False,
        help_text="Who refers (the local role); follows from your organisation "
        "(JGZ: jgz_toegang, jeugdarts or jeugdverpleegkundige). Its iJw COD327 "
        "code is referrer_type in the answer.",
    )
    referrer_type = serializers.ChoiceField(
        choices=codes.ReferrerType.choices,
        required=False,
        help_text="iJw COD327 code verwijzer, only for clients that send no "
        "referrer_role: the first role of your organisation with this code.",
    )
    previous_referral = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="Optional: the reference of your organisation's declined or "
        "ended referral of the same child that this one follows (a chain).",
    )
    confirm_duplicate = serializers.BooleanField(
        default=False,
        help_text="Refer although the same child has an open referral in this "
        "perceel (otherwise 409 with that referral's reference).",
    )

    def validate_parent_email(self, value):
        return value or ""  # null and "" both mean: no e-mail address


class EventCreateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=EVENT_CHOICES)
    occurred_on = serializers.DateField(
        help_text="The day it happened: not in the future, not before the "
        "referral or the previous step."
    )
    note = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default=""
    )
    expected_start_on = serializers.DateField(
        required=False, allow_null=True, help_text="waitlisted only."
    )
    bridging_care = serializers.BooleanField(
        required=False, allow_null=True, help_text="waitlisted only (required)."
    )
    end_reason = serializers.ChoiceField(
        choices=codes.EndReason.choices,
        required=False,
        allow_null=True,
        allow_blank=True,  # "" as null (older clients); the document says null
        help_text="ended only (required): JZ588 reden beëindiging.",
    )
    decline_reason = serializers.ChoiceField(
        choices=codes.DeclineReason.choices,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="declined only (required).",
    )

    def type_fields(self) -> dict:
        names = ("expected_start_on", "bridging_care", "end_reason", "decline_reason")
        return {n: self.validated_data[n] for n in names if n in self.validated_data}


class DeadlineSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    due_on = serializers.DateField()


class EventSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(
        source="actor_organisation.name", default=None, allow_null=True
    )

    class Meta:
        model = ReferralEvent
        fields = (
            "type",
            "occurred_on",
            "recorded_at",
            "organisation",
            "note",
            "expected_start_on",
            "bridging_care",
            "end_reason",
            "decline_reason",
        )
        # A step without a reason answers null, not "" (one type per field for
        # generated clients).
        extra_kwargs = {
            "note": {"allow_null": True},
            **{name: {"allow_null": True, "allow_blank": False} for name in REASONS},
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in REASONS:
            data[name] = data[name] or None
        if self.context.get("hide_personal"):
            data["note"] = None
        return data


class EventCreatedSerializer(EventSerializer):
    status = serializers.ChoiceField(
        source="referral.status", choices=STATUS_CHOICES, read_only=True
    )

    class Meta(EventSerializer.Meta):
        fields = (*EventSerializer.Meta.fields, "status")


class ReferralSerializer(serializers.ModelSerializer):
    """A referral as its referrer or provider sees it (personal fields null for a
    following school)."""

    # (Not in the docstring, which is the OpenAPI description.) This class
    # serialises the list's rows, named rows of
    # ``selectors.REFERRAL_LINE_COLUMNS``; its subclasses one Referral.

    service_name = serializers.CharField(source="service.name", allow_null=True)
    provider = serializers.IntegerField(source="provider_id", allow_null=True)
    provider_name = serializers.CharField(source="provider.name", allow_null=True)
    perceel = serializers.CharField(source="perceel.code")
    referrer_organisation = serializers.CharField(source="referrer_organisation.name")
    next_deadline = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    previous_referral = serializers.CharField(
        source="previous_referral.reference",
        default=None,
        allow_null=True,
        help_text="The referral this one follows (declined or ended early).",
    )

    class Meta:
        model = Referral
        fields = (
            "reference",
            "previous_referral",
            "status",
            "service",
            "service_name",
            "provider",
            "provider_name",
            "perceel",
            "referrer_organisation",
            "referrer_role",
            "referrer_type",
            "urgency",
            "referred_on",
            *MILESTONES,
            "next_deadline",
            "overdue",
            "follower_school",
            *PERSONAL,
        )
        # Null for a following school: only referrer and provider see them.
        extra_kwargs = {
            **{name: {"allow_null": True} for name in (*PERSONAL, "service")},
            # No e-mail address answers null, not "" (one type for the field).
            "parent_email": {"allow_null": True, "allow_blank": False},
        }

    # What every line of a request shares is looked up once: this serializer
    # is the one child of the list's serializer, and lives for one request.

    @cached_property
    def _clock(self) -> tuple:
        """The norms (through the cache every norm change clears) and today."""
        return selectors.norms_table_cached(), timezone.localdate()

    @cached_property
    def _timings(self) -> dict:
        return {}

    def _timing(self, referral):
        """Once per referral: DRF's fields ask twice (next deadline, overdue)."""
        if referral.pk not in self._timings:
            self._timings[referral.pk] = self._timing_now(referral)
        return self._timings[referral.pk]

    def _timing_now(self, referral):
        table, today = self._clock
        return selectors.referral_timing(referral, today=today, table=table)

    @cached_property
    def _labels(self) -> dict[str, str]:
        """The deadlines' labels in the request's language, translated once."""
        return wf.deadline_labels()

    @cached_property
    def _views(self) -> dict | None:
        """Context ``views``: each row's ``perms.referral_view`` by pk, as the
        list decided it for its page (and its access log)."""
        return self.context.get("views")

    @extend_schema_field(DeadlineSerializer(allow_null=True))
    def get_next_deadline(self, referral):
        deadline = self._timing(referral).next_deadline
        return DeadlineSerializer(deadline).data if deadline else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_overdue(self, referral) -> list[str]:
        return [d.code for d in self._timing(referral).overdue]

    def to_representation(self, instance):
        # The declared fields are the contract (and the OpenAPI schema); a
        # list builds the same dict directly from its rows, as DRF's fields
        # (and model instances) cost more than the list's SQL at 100 a page.
        # Subclasses (one referral) use DRF's way.
        if type(self) is ReferralSerializer:
            data = self._line(instance)
        else:
            data = super().to_representation(instance)
            data["parent_email"] = data["parent_email"] or None
        view = self._view(instance)
        if view not in (perms.REFERRER, perms.PROVIDER):  # can_see_personal_data
            data.update(dict.fromkeys(PERSONAL))
        if view == perms.SCHOOL:
            # The pupil it follows, but not the service or provider (they
            # reveal the problem): "jeugdhulp" and the perceel at most.
            data["child_initials"] = instance.child_initials or None
            data["child_birth_date"] = _iso(instance.child_birth_date)
            data.update(dict.fromkeys(SCHOOL_HIDDEN))
        return data

    def _view(self, referral) -> str | None:
        if self._views is not None:
            return self._views[referral.pk]
        return perms.referral_view(self.context["request"].user, referral)

    def _line(self, r) -> dict:
        """What DRF's declared fields give for the referral of ``r``, a named
        row of the list (``selectors.referral_list_for_actor``; a parity test
        holds them equal)."""
        timing = self._timing_now(r)  # asked once per line
        deadline = timing.next_deadline
        previous = r.previous_referral__reference
        line = {
            "reference": str(r.reference),
            "previous_referral": None if previous is None else str(previous),
            "status": r.status,
            "service": r.service_id,
            "service_name": _str_or_none(r.service__name),
            "provider": r.provider_id,
            "provider_name": _str_or_none(r.provider__name),
            "perceel": str(r.perceel__code),
            "referrer_organisation": str(r.referrer_organisation__name),
            "referrer_role": r.referrer_role,
            "referrer_type": r.referrer_type,
            "urgency": r.urgency,
            "referred_on": _iso(r.referred_on),
        }
        for name in MILESTONES:
            value = getattr(r, name)
            if name in _BOOLEANS:
                line[name] = None if value is None else bool(value)
            else:
                line[name] = _iso(value)
        line["next_deadline"] = (
            None
            if deadline is None
            else {
                "code": str(deadline.code),
                "label": self._labels[deadline.code],
                "due_on": _iso(deadline.due_on),
            }
        )
        line["overdue"] = [d.code for d in timing.overdue]
        line["follower_school"] = r.follower_school_id
        line["child_initials"] = str(r.child_initials)
        line["child_birth_date"] = _iso(r.child_birth_date)
        line["help_question"] = str(r.help_question)
        line["consent_by"] = r.consent_by
        line["consent_date"] = _iso(r.consent_date)
        line["parent_name"] = str(r.parent_name)
        line["parent_phone"] = str(r.parent_phone)
        line["parent_email"] = r.parent_email or None
        return line


_BOOLEANS = frozenset({"bridging_care"})


def _str_or_none(value) -> str | None:
    return None if value is None else str(value)


def _iso(day) -> str | None:
    """``serializers.DateField`` output."""
    return day.isoformat() if day else None


class ReferralDetailSerializer(ReferralSerializer):
    events = serializers.SerializerMethodField()

    class Meta(ReferralSerializer.Meta):
        fields = (*ReferralSerializer.Meta.fields, "events")

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, referral):
        actor = self.context["request"].user
        hide = not perms.can_see_personal_data(actor, referral)
        events = selectors.referral_events(referral)
        return EventSerializer(events, many=True, context={"hide_personal": hide}).data


class ReferralCreatedSerializer(ReferralDetailSerializer):
    family_code = serializers.SerializerMethodField(
        help_text="Give this to the family (with the printed slip): with the "
        "child's date of birth it opens /status."
    )

    class Meta(ReferralDetailSerializer.Meta):
        fields = ("reference", "family_code", *ReferralDetailSerializer.Meta.fields[1:])

    def get_family_code(self, referral) -> str:
        return identifiers.format_family_code(referral.family_code)
