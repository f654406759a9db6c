"""Open Referral HSDS 3.1 view of the public catalogue.

Other social maps read our catalogue in the international standard for service
directories. HSDS identifies everything by UUID; ours are integers, so each
object gets a stable ``uuid5`` derived from its kind and primary key: the same
service always has the same HSDS id, across exports and API calls.

Capacity uses the 3.1 ``service_capacity`` form (free places as ``available``);
the waiting times and the intake status are structured attributes (a taxonomy
term plus a ``value``), never the deprecated free-text ``wait_time``. Percelen,
problem areas, forms of help and the iJw JZ020 product category are taxonomy
terms linked to a service through ``attributes``. A service's ``last_modified``
is the later of its own change and its capacity's, so a consumer syncing with
``modified_after`` sees every capacity and waiting-time update. Only public
catalogue data is exported: never referrals, users or tokens.
"""

import uuid
from collections.abc import Iterable

from django.db.models import F, Prefetch
from django.db.models.functions import Coalesce, Greatest

from registry.models import (
    Capacity,
    DeliveryForm,
    Location,
    Organisation,
    Perceel,
    ProblemArea,
    Service,
)
from sociale_kaart.site import site_url

# A fixed namespace for this product's HSDS identifiers (uuid5 over a URL-like name).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sociale-kaart-jeugd.nl/hsds")
TAXONOMY_PREFIX = "sociale-kaart-jeugd"
HSDS_VERSION = "3.1"
# org-id.guide's scheme for the Dutch Chamber of Commerce register (KvK number).
KVK_SCHEME = "NL-KVK"

# The taxonomies of this catalogue: code -> (name, description).
TAXONOMIES = {
    "perceel": ("Perceel", "Procurement lots of the municipality's youth care."),
    "problematiek": ("Problematiek", "Problem areas a service addresses."),
    "vorm": ("Vorm", "How help is given (ambulant, groep, online, ...)."),
    "ijw-jz020": ("iJw JZ020", "iJw 3.2 code list JZ020: product category."),
    "wachttijd": (
        "Wachttijd",
        "Waiting times in weeks (value) and the intake status of a service.",
    ),
}
# The waiting-time terms: code -> name (the attribute's value is the weeks).
WAIT_TERMS = {
    "aanmeldwachttijd": "Aanmeldwachttijd (weken)",
    "behandelwachttijd": "Behandelwachttijd (weken)",
    "aanmeldstatus": "Aanmeldstatus (open, waitlist of closed)",
}

# iJw JZ020 product categories a service maps to (iJw 3.2 code list JZ020).
JZ020 = {
    "41": "Dagbehandeling",
    "45": "Jeugdhulp ambulant",
    "54": "Jeugd-ggz",
}
PERCEEL_JZ020 = {
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
    return PERCEEL_JZ020.get(service.perceel.code)


def service_queryset():
    """Public services with all the HSDS form needs, in a fixed number of queries.

    ``hsds_modified`` is the later of the service's and its capacity's change."""
    return (
        Service.objects.filter(active=True, organisation__active=True)
        .annotate(
            hsds_modified=Greatest(
                F("updated_at"), Coalesce(F("capacity__updated_at"), F("updated_at"))
            )
        )
        .select_related("organisation", "perceel", "capacity")
        .prefetch_related(
            "problem_areas",
            "forms",
            "districts",
            Prefetch("locations", queryset=Location.objects.select_related("district")),
        )
        .order_by("pk")
    )


def organisation_queryset(*, full_service: bool = False):
    """Active providers; ``full_service`` loads their services in full."""
    services = (
        service_queryset()
        if full_service
        else Service.objects.filter(active=True).only("pk", "name", "organisation_id")
    )
    return (
        Organisation.objects.filter(kind__in=Organisation.PROVIDER_KINDS, active=True)
        .prefetch_related(
            Prefetch("locations", queryset=Location.objects.select_related("district")),
            Prefetch("services", queryset=services, to_attr="public_services"),
        )
        .order_by("pk")
    )


def taxonomy_id(taxonomy: str) -> str:
    return hsds_id("taxonomy", taxonomy)


def taxonomy_dict(code: str) -> dict:
    name, description = TAXONOMIES[code]
    return {
        "id": taxonomy_id(code),
        "name": f"{TAXONOMY_PREFIX}:{code}",
        "description": f"{name}: {description}",
        "version": "1",
    }


def term_id(taxonomy: str, code: str) -> str:
    return hsds_id(f"taxonomy_term/{taxonomy}", code)


def _term(taxonomy: str, code: str, name: str, description: str = "") -> dict:
    return {
        "id": term_id(taxonomy, code),
        "code": code,
        "name": name,
        "description": description or name,
        "taxonomy": f"{TAXONOMY_PREFIX}:{taxonomy}",
        "taxonomy_id": taxonomy_id(taxonomy),
        "language": "nl",
    }


def _attribute(link_id: str, term: dict, value: str = "", label: str = "") -> dict:
    result = {
        "id": hsds_id("attribute", f"{link_id}/{term['id']}"),
        "link_id": link_id,
        "link_type": "taxonomy",
        "link_entity": "service",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }
    if value:
        result["value"] = value
    if label:
        result["label"] = label
    return result


def all_terms() -> list[dict]:
    """Every taxonomy term of the catalogue, from the reference tables (4 queries)."""
    terms = [_term("perceel", p.code, p.name) for p in Perceel.objects.order_by("code")]
    terms += [_term("problematiek", p.slug, p.name) for p in ProblemArea.objects.all()]
    terms += [_term("vorm", f.slug, f.name) for f in DeliveryForm.objects.all()]
    terms += [_term("ijw-jz020", code, name) for code, name in JZ020.items()]
    terms += [_term("wachttijd", code, name) for code, name in WAIT_TERMS.items()]
    return terms


def wait_attributes(service_id: str, capacity: Capacity | None) -> list[dict]:
    """Waiting times and the intake status as structured attributes."""
    if capacity is None:
        return []
    values = {
        "aanmeldstatus": (capacity.status, capacity.get_status_display()),
        "aanmeldwachttijd": (capacity.intake_wait_weeks, "weken"),
        "behandelwachttijd": (capacity.treatment_wait_weeks, "weken"),
    }
    return [
        _attribute(
            service_id, _term("wachttijd", code, WAIT_TERMS[code]), str(value), label
        )
        for code, (value, label) in values.items()
        if value is not None
    ]


def last_modified(service: Service) -> str:
    """The later of the service's and its capacity's change (ISO 8601)."""
    moment = getattr(service, "hsds_modified", None)
    if moment is None:
        capacity = getattr(service, "capacity", None)
        moment = max(
            service.updated_at, capacity.updated_at if capacity else service.updated_at
        )
    return moment.isoformat()


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


def location_summary(location: Location) -> dict:
    """The one-to-one fields of a location (HSDA list form)."""
    result = {
        "id": hsds_id("location", location.pk),
        "location_type": "physical",
        "organization_id": hsds_id("organization", location.organisation_id),
        "name": location.name,
    }
    if location.latitude is not None and location.longitude is not None:
        result["latitude"] = float(location.latitude)
        result["longitude"] = float(location.longitude)
    return result


def location_dict(location: Location) -> dict:
    result = location_summary(location)
    result["addresses"] = _address(location)
    result["phones"] = []
    if location.phone:
        key = f"location/{location.pk}"
        result["phones"].append(_phone(key, location.phone, location_id=result["id"]))
    return result


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
            "description": f"Vrije plekken ({capacity.get_status_display()})",
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


def service_summary(service: Service) -> dict:
    """The one-to-one fields of a service (HSDA list form, ``service_list``)."""
    result = {
        "id": hsds_id("service", service.pk),
        "organization_id": hsds_id("organization", service.organisation_id),
        "name": service.name,
        "description": service.description,
        "url": f"{site_url()}{service.get_absolute_url()}",
        "status": "active",
        "application_process": service.how_to_refer,
        "minimum_age": service.age_min,
        "maximum_age": service.age_max,
        "last_modified": last_modified(service),
        "organization": organisation_summary(service.organisation),
    }
    if service.intake_email:
        result["email"] = service.intake_email
    return result


def service_minimal(service: Service) -> dict:
    """HSDA ``minimal``: enough to decide what to fetch again."""
    return {
        "id": hsds_id("service", service.pk),
        "name": service.name,
        "status": "active",
        "last_modified": last_modified(service),
    }


def service_dict(service: Service) -> dict:
    service_id = hsds_id("service", service.pk)
    capacity = getattr(service, "capacity", None)
    phones, contacts = _service_contacts(service, service_id)
    terms = service_terms(service)
    result = service_summary(service)
    result.update(
        {
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
            "attributes": [_attribute(service_id, term) for term in terms]
            + wait_attributes(service_id, capacity),
            "capacities": capacity_dicts(service, capacity),
        }
    )
    return result


def organisation_summary(org: Organisation) -> dict:
    """The one-to-one fields of an organization (HSDA list form)."""
    result = {
        "id": hsds_id("organization", org.pk),
        "name": org.name,
        "description": org.description or org.get_kind_display(),
    }
    if org.website:
        result["website"] = org.website
    if org.email:
        result["email"] = org.email
    result["uri"] = f"{site_url()}{org.get_absolute_url()}"
    result["legal_status"] = org.get_kind_display()
    return result


def organisation_dict(org: Organisation, *, full_service: bool = False) -> dict:
    org_id = hsds_id("organization", org.pk)
    identifiers = []
    if org.kvk:
        identifiers.append(
            {
                "id": hsds_id("organization_identifier", f"{org.pk}/KvK"),
                "organization_id": org_id,
                "identifier_scheme": KVK_SCHEME,
                "identifier_type": "KvK-nummer",
                "identifier": org.kvk,
            }
        )
    if org.agb:
        # The AGB register has no org-id.guide scheme: type only, no scheme.
        identifiers.append(
            {
                "id": hsds_id("organization_identifier", f"{org.pk}/AGB"),
                "organization_id": org_id,
                "identifier_type": "AGB-code",
                "identifier": org.agb,
            }
        )
    result = organisation_summary(org)
    result.update(
        {
            "organization_identifiers": identifiers,
            "phones": [
                _phone(f"organization/{org.pk}", org.phone, organization_id=org_id)
            ]
            if org.phone
            else [],
            "locations": [location_dict(loc) for loc in org.locations.all()],
            "services": [
                service_dict(s)
                if full_service
                else {
                    "id": hsds_id("service", s.pk),
                    "organization_id": org_id,
                    "name": s.name,
                    "status": "active",
                }
                for s in org.public_services
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


def service_at_location_dict(link, *, full: bool = False) -> dict:
    """A service offered at a location (``link`` is the through row with its
    service and location loaded); ``full`` nests the whole service."""
    service, location = link.service, link.location
    if full:
        nested = service_dict(service)
        del nested["service_at_locations"]  # the link itself is the one here
    else:
        nested = service_summary(service)
    result = {
        "id": hsds_id("service_at_location", f"{service.pk}/{location.pk}"),
        "service_id": hsds_id("service", service.pk),
        "location_id": hsds_id("location", location.pk),
        "location": location_dict(location) if full else location_summary(location),
        "service": nested,
    }
    return result
