"""Shapes of the catalogue and capacity API. Serializers check types and ranges
only; rules and writes live in ``registry.services``, reads in the selectors."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry import hsds, norms
from registry import validators as v
from registry.models import Capacity, District, Organisation, Service

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


# --- public catalogue ---------------------------------------------------------------


class ReferenceSerializer(serializers.Serializer):
    """A value of a small reference list (stadsdeel, problematiek, vorm)."""

    slug = serializers.SlugField(help_text="Stable code, used in filters.")
    name = serializers.CharField()


class LotSerializer(serializers.Serializer):
    code = serializers.SlugField(help_text="Perceel code, used in filters (lot).")
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField(help_text="Use in /api/v1/organisations/{slug}.")
    name = serializers.CharField()


class LotDetailSerializer(LotSerializer):
    main_contractors = serializers.SerializerMethodField(
        help_text="Active hoofdaanbieders holding a contract for this perceel."
    )

    @extend_schema_field(OrganisationRefSerializer(many=True))
    def get_main_contractors(self, perceel):
        seen = {}
        for contract in perceel.contracts.all():
            seen.setdefault(contract.organisation.pk, contract.organisation)
        return OrganisationRefSerializer(seen.values(), many=True).data


class LotRefSerializer(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField()


def _page_url(serializer, obj) -> str:
    request = serializer.context.get("request")
    path = obj.get_absolute_url()
    return request.build_absolute_uri(path) if request else path


class WithinNormsSerializer(serializers.Serializer):
    """Each reported waiting time against its Treeknorm: true within, false
    above, null when the provider gave no figure."""

    intake = serializers.BooleanField(allow_null=True)
    treatment = serializers.BooleanField(allow_null=True)
    total = serializers.BooleanField(allow_null=True)


def _norm_weeks() -> dict:
    """The municipality's norms in weeks (registry.norms)."""
    return norms.regular_weeks()


def within_norms(capacity, norms: dict | None = None) -> dict:
    """``norms``: the norm weeks when the caller read them already (a list)."""
    norms = _norm_weeks() if norms is None else norms
    figures = {
        "intake": (capacity.intake_wait_weeks, norms["intake"]),
        "treatment": (capacity.treatment_wait_weeks, norms["treatment"]),
        "total": (capacity.total_wait_weeks, norms["total"]),
    }
    return {
        name: None if weeks is None else weeks <= norm
        for name, (weeks, norm) in figures.items()
    }


class CapacitySummarySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Capacity.Status.choices)
    intake_wait_weeks = serializers.IntegerField(allow_null=True)
    treatment_wait_weeks = serializers.IntegerField(allow_null=True)
    total_wait_weeks = serializers.IntegerField(allow_null=True)
    free_places = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(
        source="is_stale", help_text="Not updated for CAPACITY_STALE_DAYS days."
    )
    within_norms = serializers.SerializerMethodField()

    @extend_schema_field(WithinNormsSerializer)
    def get_within_norms(self, capacity):
        return within_norms(capacity)


class ProductCategorySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="iJw JZ020 productcategorie, e.g. 45.")
    name = serializers.CharField()


class ServiceOrganisationSerializer(OrganisationRefSerializer):
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)


class ServiceSerializer(serializers.Serializer):
    """A service (aanbod) as a search result line shows it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    organisation = ServiceOrganisationSerializer()
    lot = LotRefSerializer(source="perceel")
    age_min = serializers.IntegerField(help_text="From this age (years).")
    age_max = serializers.IntegerField(help_text="Up to and including this age.")
    problem_areas = ReferenceSerializer(many=True)
    forms = ReferenceSerializer(many=True)
    districts = ReferenceSerializer(
        many=True, help_text="Stadsdelen served; empty means all of Almere."
    )
    product_category = serializers.SerializerMethodField(
        help_text="iJw JZ020 product category, where the service maps to one."
    )
    capacity = CapacitySummarySerializer(allow_null=True, default=None)
    url = serializers.SerializerMethodField(help_text="The service's public page.")

    @extend_schema_field(ProductCategorySerializer(allow_null=True))
    def get_product_category(self, service):
        code = hsds.jz020_category(service)
        return {"code": code, "name": hsds.JZ020[code]} if code else None

    def get_url(self, service) -> str:
        return _page_url(self, service)

    def to_representation(self, service):
        # The declared fields above are the contract (and the OpenAPI schema);
        # a search list builds the same dict directly, as DRF's nested fields
        # cost about half a millisecond per result. Subclasses use DRF's way.
        if type(self) is not ServiceSerializer:
            return super().to_representation(service)
        organisation, perceel = service.organisation, service.perceel
        terms = self._line_terms(service)
        form_slugs = {term["slug"] for term in terms["form"]}
        category = "41" if "dagbehandeling" in form_slugs else None
        category = category or hsds.PERCEEL_JZ020.get(perceel.code)
        return {
            "id": service.pk,
            "name": str(service.name),
            "organisation": {
                "id": organisation.pk,
                "slug": str(organisation.slug),
                "name": str(organisation.name),
                "kind": organisation.kind,
            },
            "lot": {"code": str(perceel.code), "name": str(perceel.name)},
            "age_min": service.age_min,
            "age_max": service.age_max,
            "problem_areas": terms["problem"],
            "forms": terms["form"],
            "districts": terms["district"],
            "product_category": (
                {"code": category, "name": hsds.JZ020[category]} if category else None
            ),
            "capacity": _capacity_summary(
                getattr(service, "capacity", None), *self._line_constants()
            ),
            "url": self._line_url(service),
        }

    # A list serializes every line with this one instance: the parts common to
    # all lines are worked out once.

    def _line_terms(self, service) -> dict[str, list[dict]]:
        """Problem areas, forms and stadsdelen of ``service``. With the search's
        reference values in the context (the list view): read from the bit sets
        stored on the service, which the search filters on too, so a list
        needs no query per term table; else from the relations."""
        by_bit = getattr(self, "_terms_by_bit", None)
        if by_bit is None and "reference" in self.context:
            by_bit = self._terms_by_bit = {
                group: [
                    (1 << option.slot, {"slug": option.slug, "name": option.name})
                    for option in self.context["reference"][group]
                ]
                for group in _TERM_BITS
            }
        if by_bit is None:
            return {
                group: _references(getattr(service, relation).all())
                for group, (relation, _bits) in _TERM_BITS.items()
            }
        return {
            group: [
                dict(term)
                for bit, term in by_bit[group]
                if getattr(service, bits_field) & bit
            ]
            for group, (_relation, bits_field) in _TERM_BITS.items()
        }

    def _line_url(self, service) -> str:
        parts = getattr(self, "_url_parts", None)
        if parts is None:
            # The page URL of a stand-in id, split around that id.
            stand_in = Service(pk=_STAND_IN_ID)
            head, _sep, tail = _page_url(self, stand_in).rpartition(str(_STAND_IN_ID))
            parts = self._url_parts = (head, tail)
        return f"{parts[0]}{service.pk}{parts[1]}"

    def _line_constants(self) -> tuple:
        """The time zone, the norm weeks and the stale limit (``is_stale``),
        worked out once for the list: the norms come through the cache and the
        clock through the settings, each costing more per line than the line."""
        found = getattr(self, "_constants", None)
        if found is None:
            stale_before = timezone.now() - timedelta(days=settings.CAPACITY_STALE_DAYS)
            found = self._constants = (
                _DATETIME.default_timezone(),
                _norm_weeks(),
                stale_before,
            )
        return found


_TERM_BITS = {
    "problem": ("problem_areas", "search_problem_bits"),
    "form": ("forms", "search_form_bits"),
    "district": ("districts", "search_district_bits"),
}
_STAND_IN_ID = 987654321
_DATETIME = serializers.DateTimeField()


def _iso_datetime(value, zone) -> str | None:
    """``serializers.DateTimeField`` output (ISO 8601 in ``zone``, UTC as Z)."""
    if not value:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _references(terms) -> list[dict]:
    return [{"slug": str(term.slug), "name": str(term.name)} for term in terms]


def _capacity_summary(capacity, zone, norm_weeks: dict, stale_before) -> dict | None:
    """``CapacitySummarySerializer``'s output, built directly (see above)."""
    if capacity is None:
        return None
    return {
        "status": capacity.status,
        "intake_wait_weeks": capacity.intake_wait_weeks,
        "treatment_wait_weeks": capacity.treatment_wait_weeks,
        "total_wait_weeks": capacity.total_wait_weeks,
        "free_places": capacity.free_places,
        "note": str(capacity.note),
        "updated_at": _iso_datetime(capacity.updated_at, zone),
        # ``Capacity.is_stale`` against the list's one reading of the clock.
        "stale": capacity.updated_at < stale_before,
        "within_norms": within_norms(capacity, norm_weeks),
    }


class LocationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_main = serializers.BooleanField(help_text="The organisation's main address.")
    address = serializers.CharField(
        allow_blank=True,
        help_text="The street line composed from the BAG parts below, as the BAG "
        "writes it (e.g. Kalkovenweg 12A-2).",
    )
    street = serializers.CharField(allow_blank=True, help_text="Straatnaam (BAG).")
    house_number = serializers.IntegerField(
        allow_null=True, help_text="Huisnummer (BAG), 1-99999."
    )
    house_letter = serializers.CharField(
        allow_blank=True, help_text="Huisletter (BAG): one letter."
    )
    house_number_addition = serializers.CharField(
        allow_blank=True,
        help_text="Huisnummertoevoeging (BAG): up to 4 letters or digits.",
    )
    postcode = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    district = ReferenceSerializer(allow_null=True, help_text="Stadsdeel.")
    phone = serializers.CharField(allow_blank=True)
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)


class IntakeSerializer(serializers.Serializer):
    phone = serializers.CharField(source="intake_phone", allow_blank=True)
    email = serializers.CharField(source="intake_email", allow_blank=True)


class NormWeeksSerializer(serializers.Serializer):
    intake = serializers.IntegerField(help_text="Treeknorm aanmeldwachttijd.")
    treatment = serializers.IntegerField(help_text="Treeknorm behandelwachttijd.")
    total = serializers.IntegerField()


class ServiceDetailSerializer(ServiceSerializer):
    description = serializers.CharField(allow_blank=True)
    how_to_refer = serializers.CharField(allow_blank=True)
    intake = IntakeSerializer(source="*", help_text="Contact for referrals.")
    locations = LocationSerializer(many=True)
    main_contractors = serializers.SerializerMethodField(
        help_text="For an onderaannemer: the hoofdaanbieders it works under."
    )
    norm_weeks = serializers.SerializerMethodField(
        help_text="The norms within_norms compares with (weeks)."
    )

    @extend_schema_field(OrganisationRefSerializer(many=True))
    def get_main_contractors(self, service):
        mains = {}
        for sub in service.organisation.subcontracts.all():
            mains.setdefault(sub.contract.organisation_id, sub.contract.organisation)
        return OrganisationRefSerializer(mains.values(), many=True).data

    @extend_schema_field(NormWeeksSerializer)
    def get_norm_weeks(self, service):
        norms = _norm_weeks()
        return {name: norms[name] for name in ("intake", "treatment", "total")}


def _lot_codes(organisation) -> list[str]:
    codes = {c.perceel.code: c.perceel.position for c in organisation.contracts.all()}
    for sub in organisation.subcontracts.all():
        codes.setdefault(sub.contract.perceel.code, sub.contract.perceel.position)
    return sorted(codes, key=lambda code: (codes[code], code))


class OrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    lots = serializers.SerializerMethodField(
        help_text="Codes of the percelen held (contract or subcontract)."
    )
    website = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    url = serializers.SerializerMethodField(help_text="The public page.")

    def get_lots(self, organisation) -> list[str]:
        return _lot_codes(organisation)

    def get_url(self, organisation) -> str:
        return _page_url(self, organisation)


class ContractSerializer(serializers.Serializer):
    lot = LotRefSerializer(source="perceel")
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    subcontractors = serializers.SerializerMethodField()

    @extend_schema_field(OrganisationRefSerializer(many=True))
    def get_subcontractors(self, contract):
        subs = [sub.subcontractor for sub in contract.subcontracts.all()]
        return OrganisationRefSerializer(subs, many=True).data


class MainContractorSerializer(serializers.Serializer):
    lot = LotRefSerializer(source="contract.perceel")
    organisation = OrganisationRefSerializer(source="contract.organisation")
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)


class OrganisationServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    lot = LotRefSerializer(source="perceel")
    capacity = CapacitySummarySerializer(allow_null=True, default=None)


class OrganisationDetailSerializer(OrganisationSerializer):
    description = serializers.CharField(allow_blank=True)
    kvk = serializers.CharField(allow_blank=True, help_text="KvK-nummer.")
    agb = serializers.CharField(allow_blank=True, help_text="AGB-code.")
    contracts = ContractSerializer(
        many=True, help_text="A hoofdaanbieder's contracts with its onderaannemers."
    )
    main_contractors = MainContractorSerializer(
        source="subcontracts",
        many=True,
        help_text="An onderaannemer's hoofdaanbieders, per perceel.",
    )
    services = OrganisationServiceSerializer(many=True, help_text="Active services.")
    locations = LocationSerializer(many=True)


# --- provider self-service (writes) ---------------------------------------------------


class _StrictUpdateSerializer(serializers.Serializer):
    """A PATCH body: any of the fields; anything else is refused by name."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [_("Onbekend of niet te wijzigen veld.")]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                _("Geef minstens één veld om te wijzigen.")
            )
        return attrs


class IntakeUpdateSerializer(_StrictUpdateSerializer):
    phone = serializers.CharField(
        source="intake_phone",
        max_length=20,
        allow_blank=True,
        help_text="e.g. 036 123 45 67",
    )
    email = serializers.EmailField(source="intake_email", allow_blank=True)


class ServiceUpdateSerializer(_StrictUpdateSerializer):
    description = serializers.CharField(allow_blank=True, max_length=10000)
    how_to_refer = serializers.CharField(allow_blank=True, max_length=10000)
    intake = IntakeUpdateSerializer(help_text="Contact for referrals.")

    def changes(self) -> dict:
        """The model fields to change (``services.SERVICE_DETAIL_FIELDS``)."""
        data = dict(self.validated_data)
        return {**data.pop("intake", {}), **data}


class OrganisationContactUpdateSerializer(_StrictUpdateSerializer):
    phone = serializers.CharField(max_length=20, allow_blank=True)
    email = serializers.EmailField(allow_blank=True)
    website = serializers.URLField(allow_blank=True, max_length=200)


class LocationWriteSerializer(_StrictUpdateSerializer):
    """A location to add (name required) or the fields to change."""

    name = serializers.CharField(max_length=200)
    street = serializers.CharField(
        max_length=200, allow_blank=True, help_text="Straatnaam (BAG)."
    )
    house_number = serializers.IntegerField(
        allow_null=True, help_text="Huisnummer (BAG), 1-99999, or null."
    )
    house_letter = serializers.CharField(
        max_length=1, allow_blank=True, help_text="Huisletter (BAG): one letter."
    )
    house_number_addition = serializers.CharField(
        max_length=4,
        allow_blank=True,
        help_text="Huisnummertoevoeging (BAG): up to 4 letters or digits.",
    )
    postcode = serializers.CharField(
        max_length=7, allow_blank=True, help_text="e.g. 1315 HR"
    )
    city = serializers.CharField(
        max_length=100, allow_blank=True, help_text="Woonplaats (BAG)."
    )
    latitude = serializers.DecimalField(
        max_digits=8,
        decimal_places=5,
        allow_null=True,
        coerce_to_string=False,
        min_value=Decimal(str(v.NL_LATITUDE[0])),
        max_value=Decimal(str(v.NL_LATITUDE[1])),
        help_text="The pin (WGS84), within the Netherlands; with longitude.",
    )
    longitude = serializers.DecimalField(
        max_digits=8,
        decimal_places=5,
        allow_null=True,
        coerce_to_string=False,
        min_value=Decimal(str(v.NL_LONGITUDE[0])),
        max_value=Decimal(str(v.NL_LONGITUDE[1])),
        help_text="The pin (WGS84), within the Netherlands; with latitude.",
    )
    district = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=District.objects.all(),
        allow_null=True,
        help_text="Stadsdeel code (see /districts), or null.",
    )
    phone = serializers.CharField(max_length=20, allow_blank=True)

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.creating and not attrs.get("name"):
            raise serializers.ValidationError({"name": [_("Dit veld is verplicht.")]})
        return attrs
