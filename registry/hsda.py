"""The query side of the Open Referral API (HSDA 3.1) under /api/v1/hsds.

HSDA defines its own query parameters (snake_case, as the Open Referral
contract says: ``taxonomy_term_id``, ``per_page``, ``modified_after``...).
They are cumulative: every given filter must hold (boolean AND). A value that
cannot be understood is a ``ValidationError`` naming the parameter, and so is
a parameter the endpoint does not know: a typo never silently widens a result.

``postcode`` and ``proximity`` work on what the catalogue knows: the centroid
of a postcode is the mean of the coordinates of our locations with that
postcode (the 4-digit area when the full postcode has none). Without
``proximity``, ``postcode`` keeps the services that work in the postcode's
stadsdeel (service area) or have a location in its 4-digit area.
"""

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from registry import hsds, validators
from registry.models import Location, Organisation

PAGING = ("page", "per_page", "format")
SERVICE_PARAMS = (
    *PAGING,
    "search",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "minimal",
    "full",
    "postcode",
    "proximity",
)
SERVICE_AT_LOCATION_PARAMS = tuple(p for p in SERVICE_PARAMS if p != "minimal")
ORGANIZATION_PARAMS = (
    *PAGING,
    "search",
    "full_service",
    "full",
    "taxonomy_term_id",
    "taxonomy_id",
)
TAXONOMY_PARAMS = (*PAGING, "search")
TAXONOMY_TERM_PARAMS = (*PAGING, "search", "taxonomy_id", "top_only", "parent_id")
ORGANIZATION_DETAIL_PARAMS = ("full_service",)
MAX_PROXIMITY = 100_000  # metres: wider than the municipality, with room
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


@dataclass
class Query:
    """The parsed HSDA parameters of one request."""

    search: str = ""
    term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: datetime | None = None
    minimal: bool = False
    full: bool = False
    full_service: bool = False
    postcode: str = ""
    proximity: int | None = None
    top_only: bool = False
    parent_id: str | None = None
    errors: dict = field(default_factory=dict)


def parse(params, allowed: tuple[str, ...]) -> Query:
    """Parse ``params`` (a QueryDict) for an endpoint taking ``allowed``.

    Raises ``ValidationError`` naming every unknown or malformed parameter."""
    query = Query()
    for name in sorted(set(params) - set(allowed)):
        query.errors[name] = _("Onbekende parameter; deze lijst kent: %(names)s.") % {
            "names": ", ".join(allowed)
        }
    for name in set(params) & set(allowed):
        _parse_one(query, name, params[name].strip())
    if query.proximity is not None and not query.postcode:
        query.errors["proximity"] = _("Geef ook een postcode op.")
    if query.errors:
        raise ValidationError(query.errors)
    return query


def _parse_one(query: Query, name: str, raw: str) -> None:
    try:
        if name in ("taxonomy_term_id", "taxonomy_id", "organization_id", "parent_id"):
            attr = {"taxonomy_term_id": "term_id"}.get(name, name)
            setattr(query, attr, _uuid(raw))
        elif name in ("minimal", "full", "full_service", "top_only"):
            setattr(query, name, _boolean(raw))
        elif name == "search":
            query.search = raw[:200]
        elif name == "modified_after":
            query.modified_after = _moment(raw)
        elif name == "postcode":
            query.postcode = _postcode(raw)
        elif name == "proximity":
            query.proximity = _proximity(raw)
        elif name == "format" and raw != "json":
            raise ValueError(_("Alleen json."))
    except ValueError as exc:
        query.errors[name] = str(exc)


def _uuid(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise ValueError(_("Een HSDS-id (uuid).")) from None


def _boolean(raw: str) -> bool:
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ValueError(_("true of false."))


def _moment(raw: str) -> datetime:
    moment = None
    try:
        moment = parse_datetime(raw)
        if moment is None and parse_date(raw) is not None:
            moment = datetime.combine(parse_date(raw), datetime.min.time())
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError(_("Een datum en tijd volgens ISO 8601."))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _postcode(raw: str) -> str:
    value = validators.normalise_postcode(raw)
    try:
        validators.validate_postcode(value)
    except ValidationError:
        raise ValueError(_("Een postcode zoals 1311 AB.")) from None
    return value


def _proximity(raw: str) -> int:
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_PROXIMITY:
        return int(raw)
    raise ValueError(
        _("Een afstand in meters van 1 tot en met %(n)s.") % {"n": MAX_PROXIMITY}
    )


# --- filters ---------------------------------------------------------------------


def _term_q(term_id: str, prefix: str) -> Q:
    """Services (``prefix`` leads from the queried model to the service) that
    carry the taxonomy term ``term_id``; no service for an unknown term."""
    for term in hsds.all_terms():
        if term["id"] == term_id:
            return _term_code_q(term["taxonomy"].split(":", 1)[1], term["code"], prefix)
    return Q(pk__in=[])


def _term_code_q(taxonomy: str, code: str, prefix: str) -> Q:
    p = prefix
    if taxonomy == "perceel":
        return Q(**{f"{p}perceel__code": code})
    if taxonomy == "problematiek":
        return Q(**{f"{p}problem_areas__slug": code})
    if taxonomy == "vorm":
        return Q(**{f"{p}forms__slug": code})
    if taxonomy == "ijw-jz020":
        day = Q(**{f"{p}forms__slug": "dagbehandeling"})
        if code == "41":
            return day
        lots = [lot for lot, jz in hsds.PERCEEL_JZ020.items() if jz == code]
        return Q(**{f"{p}perceel__code__in": lots}) & ~day
    return _wait_q(code, p)


def _wait_q(code: str, p: str) -> Q:
    field_name = {
        "aanmeldwachttijd": "capacity__intake_wait_weeks__isnull",
        "behandelwachttijd": "capacity__treatment_wait_weeks__isnull",
        "aanmeldstatus": "capacity__isnull",
    }[code]
    return Q(**{f"{p}{field_name}": False})


def _taxonomy_q(taxonomy_id: str, prefix: str) -> Q:
    p = prefix
    by_taxonomy = {
        hsds.taxonomy_id("perceel"): Q(**{f"{p}perceel__isnull": False}),
        hsds.taxonomy_id("problematiek"): Q(**{f"{p}problem_areas__isnull": False}),
        hsds.taxonomy_id("vorm"): Q(**{f"{p}forms__isnull": False}),
        hsds.taxonomy_id("ijw-jz020"): Q(
            **{f"{p}perceel__code__in": hsds.PERCEEL_JZ020}
        )
        | Q(**{f"{p}forms__slug": "dagbehandeling"}),
        hsds.taxonomy_id("wachttijd"): Q(**{f"{p}capacity__isnull": False}),
    }
    return by_taxonomy.get(taxonomy_id, Q(pk__in=[]))


def _organisation_pk(hsds_uuid: str) -> int | None:
    pks = Organisation.objects.filter(kind__in=Organisation.PROVIDER_KINDS)
    for pk in pks.values_list("pk", flat=True).iterator():
        if hsds.hsds_id("organization", pk) == hsds_uuid:
            return pk
    return None


def _distance_m(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in metres (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, map(float, (lat1, lon1, lat2, lon2)))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def _located(queryset: QuerySet[Location]) -> list[tuple]:
    return list(
        queryset.filter(latitude__isnull=False, longitude__isnull=False).values_list(
            "pk", "latitude", "longitude"
        )
    )


def postcode_centroid(postcode: str) -> tuple[float, float]:
    """The mean position of our locations in ``postcode`` (else its 4-digit area).

    Raises ``ValidationError`` on ``postcode`` when no location there has
    coordinates: a distance from an unknown point would be a guess."""
    points = _located(Location.objects.filter(postcode=postcode))
    if not points:
        points = _located(Location.objects.filter(postcode__startswith=postcode[:4]))
    if not points:
        raise ValidationError(
            {"postcode": _("Van deze postcode zijn geen coördinaten bekend.")}
        )
    return (
        sum(float(p[1]) for p in points) / len(points),
        sum(float(p[2]) for p in points) / len(points),
    )


def near_location_pks(query: Query) -> list[int]:
    """Locations within ``query.proximity`` metres of the postcode's centroid."""
    lat, lon = postcode_centroid(query.postcode)
    return [
        pk
        for pk, plat, plon in _located(Location.objects.all())
        if _distance_m(lat, lon, plat, plon) <= query.proximity
    ]


def _postcode_q(query: Query, prefix: str, location_field: str) -> Q:
    p = prefix
    if query.proximity is not None:
        return Q(**{f"{location_field}__in": near_location_pks(query)})
    area = query.postcode[:4]
    districts = Location.objects.filter(
        postcode__startswith=area, district__isnull=False
    ).values("district")
    return Q(**{f"{location_field}__postcode__startswith": area}) | Q(
        **{f"{p}districts__in": districts}
    )


def service_filter(query: Query, prefix: str = "", location_field: str = "") -> Q:
    """The AND of every given service filter, as one ``Q`` over ``prefix``."""
    p = prefix
    condition = Q()
    if query.search:
        condition &= (
            Q(**{f"{p}name__icontains": query.search})
            | Q(**{f"{p}description__icontains": query.search})
            | Q(**{f"{p}organisation__name__icontains": query.search})
        )
    if query.term_id:
        condition &= Q(**{f"{p}pk__in": _subquery(_term_q(query.term_id, ""))})
    if query.taxonomy_id:
        condition &= Q(**{f"{p}pk__in": _subquery(_taxonomy_q(query.taxonomy_id, ""))})
    if query.organization_id:
        condition &= Q(
            **{f"{p}organisation_id": _organisation_pk(query.organization_id)}
        )
    if query.modified_after:
        condition &= Q(hsds_modified__gte=query.modified_after)
    if query.postcode:
        location_field = location_field or f"{p}locations"
        condition &= _postcode_q(query, p, location_field)
    return condition


def _subquery(condition: Q):
    # Filters over many-to-many relations go through a subquery, so that a
    # service with two matching terms is still one row.
    from registry.models import Service

    return Service.objects.filter(condition).values("pk")


def services(query: Query) -> QuerySet:
    queryset = hsds.service_queryset().filter(service_filter(query))
    if query.postcode:
        # The location filter joins locations: one row per service.
        queryset = queryset.distinct()
    return queryset


def organisations(query: Query) -> QuerySet:
    queryset = hsds.organisation_queryset(full_service=query.full_service)
    if query.search:
        queryset = queryset.filter(
            Q(name__icontains=query.search) | Q(description__icontains=query.search)
        )
    service_condition = Q()
    if query.term_id:
        service_condition &= _term_q(query.term_id, "")
    if query.taxonomy_id:
        service_condition &= _taxonomy_q(query.taxonomy_id, "")
    if service_condition:
        from registry.models import Service

        owners = Service.objects.filter(service_condition, active=True)
        queryset = queryset.filter(pk__in=owners.values("organisation_id"))
    return queryset


def taxonomy_terms(query: Query) -> list[dict]:
    terms = hsds.all_terms()
    if query.search:
        needle = query.search.lower()
        terms = [t for t in terms if needle in (t["name"] + t["code"]).lower()]
    if query.taxonomy_id:
        terms = [t for t in terms if t["taxonomy_id"] == query.taxonomy_id]
    if query.parent_id:
        terms = []  # the taxonomies here are flat: no term has a parent
    return terms


def taxonomies(query: Query) -> list[dict]:
    found = [hsds.taxonomy_dict(code) for code in hsds.TAXONOMIES]
    if query.search:
        needle = query.search.lower()
        found = [t for t in found if needle in t["description"].lower()]
    return found


def service_at_locations(query: Query) -> QuerySet:
    """The (service, location) links of the public services that pass the
    filters; ``postcode``/``proximity`` apply to the link's own location."""
    from registry.models import Service

    service_query = Query(**{**query.__dict__, "postcode": "", "proximity": None})
    links = Service.locations.through.objects.filter(
        service__in=services(service_query).values("pk")
    )
    if query.postcode:
        if query.proximity is not None:
            links = links.filter(location__in=near_location_pks(query))
        else:
            links = links.filter(location__postcode__startswith=query.postcode[:4])
    return links.order_by("service_id", "location_id")


def load_links(links) -> list:
    """Attach each link's service (in HSDS form) and location in 3 queries."""
    links = list(links)
    services_by_pk = hsds.service_queryset().in_bulk(
        {link.service_id for link in links}
    )
    locations = Location.objects.select_related("district").in_bulk(
        {link.location_id for link in links}
    )
    for link in links:
        link.service = services_by_pk[link.service_id]
        link.location = locations[link.location_id]
    return links
