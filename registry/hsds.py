"""Open Referral HSDS 3.0 view of the public catalogue.

Other social maps read our catalogue in the international standard for service
directories. HSDS identifies everything by UUID; ours are integers, so each
object gets a stable ``uuid5`` derived from its kind and primary key: the same
service always has the same HSDS id, across exports and API calls.

Capacity uses the 3.1 ``service_capacity`` form (free places as ``available``);
percelen, problem areas, forms of help and the iJw JZ020 product category are
taxonomy terms linked to a service through ``attributes``. Only public
catalogue data is exported: never referrals, users or tokens.
"""

import uuid
from collections.abc import Iterable

from django.db.models import Prefetch

from registry.models import Capacity, Location, Organisation, Service
from sociale_kaart.site import site_url

# A fixed namespace for this product's HSDS identifiers (uuid5 over a URL-like name).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sociale-kaart-jeugd.nl/hsds")
TAXONOMY_PREFIX = "sociale-kaart-jeugd"

# iJw JZ020 product categories a service maps to (iJw 3.2 code list JZ020).
JZ020 = {
    "41": "Dagbehandeling",
    "45": "Jeugdhulp ambulant",
    "54": "Jeugd-ggz",
}
_PERCEEL_JZ020 = {
    "begeleiding": "45",
    "behandeling-lvb": "45",
    "behandeling-psychiatrie": "54",
}


def hsds_id(kind: str, pk) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}/{pk}"))


def jz020_category(service: Service) -> str | None:
    """The JZ020 product category of a service, where it maps to one."""
    if any(form.slug == "dagbehandeling" for form in service.forms.all()):
        return "41"
    return _PERCEEL_JZ020.get(service.perceel.code)


def service_queryset():
    """Public services with all the HSDS form needs, in a fixed number of queries."""
    return (
        Service.objects.filter(active=True, organisation__active=True)
        .select_related("organisation", "perceel", "capacity")
        .prefetch_related(
            "problem_areas",
            "forms",
            "districts",
            Prefetch("locations", queryset=Location.objects.select_related("district")),
        )
        .order_by("pk")
    )


def organisation_queryset():
    return (
        Organisation.objects.filter(kind__in=Organisation.PROVIDER_KINDS, active=True)
        .prefetch_related(
            Prefetch("locations", queryset=Location.objects.select_related("district")),
            Prefetch(
                "services",
                queryset=Service.objects.filter(active=True).only(
                    "pk", "name", "organisation_id"
                ),
            ),
        )
        .order_by("pk")
    )


def _term(taxonomy: str, code: str, name: str, description: str = "") -> dict:
    return {
        "id": hsds_id(f"taxonomy_term/{taxonomy}", code),
        "code": code,
        "name": name,
        "description": description or name,
        "taxonomy": f"{TAXONOMY_PREFIX}:{taxonomy}",
        "language": "nl",
    }


def _attribute(link_id: str, term: dict) -> dict:
    return {
        "id": hsds_id("attribute", f"{link_id}/{term['id']}"),
        "link_id": link_id,
        "link_type": "taxonomy",
        "link_entity": "service",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }


def service_terms(service: Service) -> list[dict]:
    terms = [_term("perceel", service.perceel.code, service.perceel.name)]
    terms += [
        _term("problematiek", p.slug, p.name) for p in service.problem_areas.all()
    ]
    terms += [_term("vorm", f.slug, f.name) for f in service.forms.all()]
    category = jz020_category(service)
    if category:
        terms.append(_term("ijw-jz020", category, JZ020[category]))
    return terms


def _phone(owner_key: str, number: str, **links) -> dict:
    return {"id": hsds_id("phone", owner_key), "number": number, **links}


def _address(location: Location) -> list[dict]:
    if not (location.address and location.city and location.postcode):
        return []
    return [
        {
            "id": hsds_id("address", location.pk),
            "location_id": hsds_id("location", location.pk),
            "address_1": location.address,
            "city": location.city,
            "region": location.district.name if location.district else "",
            "state_province": "Flevoland",
            "postal_code": location.postcode,
            "country": "NL",
            "address_type": "physical",
        }
    ]


def location_dict(location: Location) -> dict:
    result = {
        "id": hsds_id("location", location.pk),
        "location_type": "physical",
        "organization_id": hsds_id("organization", location.organisation_id),
        "name": location.name,
        "addresses": _address(location),
        "phones": [],
    }
    if location.latitude is not None and location.longitude is not None:
        result["latitude"] = float(location.latitude)
        result["longitude"] = float(location.longitude)
    if location.phone:
        key = f"location/{location.pk}"
        result["phones"].append(_phone(key, location.phone, location_id=result["id"]))
    return result


def _wait_time(capacity: Capacity | None) -> str:
    if capacity is None:
        return ""
    parts = [capacity.get_status_display()]
    if capacity.intake_wait_weeks is not None:
        parts.append(f"aanmeldwachttijd {capacity.intake_wait_weeks} weken")
    if capacity.treatment_wait_weeks is not None:
        parts.append(f"behandelwachttijd {capacity.treatment_wait_weeks} weken")
    return ", ".join(parts)


def capacity_dicts(service: Service, capacity: Capacity | None) -> list[dict]:
    """The 3.1 ``service_capacity`` entries: free places, when known."""
    if capacity is None:
        return []
    available = capacity.free_places
    if available is None and capacity.status == Capacity.Status.CLOSED:
        available = 0
    if available is None:
        return []
    return [
        {
            "id": hsds_id("service_capacity", service.pk),
            "service_id": hsds_id("service", service.pk),
            "unit": {"id": hsds_id("unit", "plek"), "name": "plek", "scheme": "SKJ"},
            "available": available,
            "description": _wait_time(capacity),
            "updated": capacity.updated_at.isoformat(),
        }
    ]


def _service_contacts(service: Service, service_id: str) -> tuple[list, list]:
    phones, contacts = [], []
    if service.intake_phone:
        phones.append(
            _phone(f"service/{service.pk}", service.intake_phone, service_id=service_id)
        )
    if service.intake_email:
        contacts.append(
            {
                "id": hsds_id("contact", f"service/{service.pk}"),
                "service_id": service_id,
                "name": "Intake",
                "email": service.intake_email,
            }
        )
    return phones, contacts


def service_dict(service: Service) -> dict:
    service_id = hsds_id("service", service.pk)
    capacity = getattr(service, "capacity", None)
    phones, contacts = _service_contacts(service, service_id)
    url = f"{site_url()}{service.get_absolute_url()}"
    terms = service_terms(service)
    result = {
        "id": service_id,
        "organization_id": hsds_id("organization", service.organisation_id),
        "name": service.name,
        "description": service.description,
        "url": url,
        "status": "active",
        "application_process": service.how_to_refer,
        "wait_time": _wait_time(capacity),
        "minimum_age": service.age_min,
        "maximum_age": service.age_max,
        "last_modified": service.updated_at.isoformat(),
        "phones": phones,
        "contacts": contacts,
        "service_areas": [
            {
                "id": hsds_id("service_area", f"{service.pk}/{d.slug}"),
                "service_id": service_id,
                "name": d.name,
                "extent": d.name,
                "extent_type": "text",
            }
            for d in service.districts.all()
        ],
        "service_at_locations": [
            {
                "id": hsds_id("service_at_location", f"{service.pk}/{loc.pk}"),
                "service_id": service_id,
                "location_id": hsds_id("location", loc.pk),
                "location": location_dict(loc),
            }
            for loc in service.locations.all()
        ],
        "attributes": [_attribute(service_id, term) for term in terms],
        "organization": _organisation_summary(service.organisation),
        "capacities": capacity_dicts(service, capacity),
    }
    if service.intake_email:
        result["email"] = service.intake_email
    return result


def _organisation_summary(org: Organisation) -> dict:
    result = {
        "id": hsds_id("organization", org.pk),
        "name": org.name,
        "description": org.description or org.get_kind_display(),
    }
    if org.website:
        result["website"] = org.website
    if org.email:
        result["email"] = org.email
    return result


def organisation_dict(org: Organisation) -> dict:
    org_id = hsds_id("organization", org.pk)
    identifiers = []
    for scheme, value in (("KvK", org.kvk), ("AGB", org.agb)):
        if value:
            identifiers.append(
                {
                    "id": hsds_id("organization_identifier", f"{org.pk}/{scheme}"),
                    "organization_id": org_id,
                    "identifier_scheme": scheme,
                    "identifier_type": scheme,
                    "identifier": value,
                }
            )
    result = _organisation_summary(org)
    result.update(
        {
            "uri": f"{site_url()}{org.get_absolute_url()}",
            "legal_status": org.get_kind_display(),
            "organization_identifiers": identifiers,
            "phones": [
                _phone(f"organization/{org.pk}", org.phone, organization_id=org_id)
            ]
            if org.phone
            else [],
            "locations": [location_dict(loc) for loc in org.locations.all()],
            "services": [
                {
                    "id": hsds_id("service", s.pk),
                    "organization_id": org_id,
                    "name": s.name,
                    "status": "active",
                }
                for s in org.services.all()
            ],
        }
    )
    return result


def taxonomy_terms(services: Iterable[Service]) -> list[dict]:
    """Every distinct taxonomy term used by ``services`` (for a taxonomy file)."""
    seen = {}
    for service in services:
        for term in service_terms(service):
            seen.setdefault(term["id"], term)
    return sorted(seen.values(), key=lambda t: (t["taxonomy"], t["code"]))
