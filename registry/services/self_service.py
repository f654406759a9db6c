"""Provider self-service: a service's details, locations and the organisation's
contact data. Callers check permission first (registry.permissions); these
functions enforce the data invariants and record who changed what.
"""

from typing import Any

from django.db import transaction

from registry.models import (
    Location,
    Organisation,
    Service,
)
from registry.services._common import (
    _apply_changes,
    _reject_unknown_fields,
    _save_with_history,
)
from registry.services.search_index import service_refresh_search

SERVICE_DETAIL_FIELDS = ("description", "how_to_refer", "intake_phone", "intake_email")
LOCATION_FIELDS = (
    "name",
    *Location.ADDRESS_FIELDS,
    "district",
    "phone",
    "latitude",
    "longitude",
)
ORGANISATION_CONTACT_FIELDS = ("phone", "email", "website")


@transaction.atomic
def service_update_details(
    *, service: Service, actor, data: dict[str, Any], reason: str = ""
) -> Service:
    """Change a service's description and contact data (``SERVICE_DETAIL_FIELDS``).

    Invariants: only those fields change; the row is locked while changed.
    Errors: ``ValidationError`` naming the field (unknown field, bad phone or
    e-mail); nothing is saved then.
    Side effects: one history row with ``actor`` and ``reason`` when anything
    changed, and the search document is refreshed; unchanged data saves nothing.
    """
    _reject_unknown_fields(data, SERVICE_DETAIL_FIELDS)
    locked = Service.objects.select_for_update().get(pk=service.pk)
    if not _apply_changes(locked, data):
        return locked
    _save_with_history(locked, actor=actor, reason=reason or "gegevens bijgewerkt")
    service_refresh_search(services=[locked])
    return locked


@transaction.atomic
def location_update(
    *, location: Location, actor, data: dict[str, Any], reason: str = ""
) -> Location:
    """Change a location's address (the BAG parts), pin, phone or stadsdeel
    (``LOCATION_FIELDS``).

    Errors: ``ValidationError`` naming the field (postcode, house number,
    letter, addition, a pin outside the Netherlands, phone); nothing saved.
    Side effects: one history row when anything changed, and the search
    documents of the services offered there are refreshed. The postcode is
    stored in its normal form (``1315 AB``).
    """
    _reject_unknown_fields(data, LOCATION_FIELDS)
    locked = Location.objects.select_for_update().get(pk=location.pk)
    if not _apply_changes(locked, data):
        return locked
    _save_with_history(locked, actor=actor, reason=reason or "locatie bijgewerkt")
    service_refresh_search(services=locked.services.values_list("pk", flat=True))
    return locked


@transaction.atomic
def location_create(
    *, organisation: Organisation, actor, data: dict[str, Any], reason: str = ""
) -> Location:
    """Add a location (vestiging) to ``organisation``.

    Invariants: the organisation's first location becomes its main address; a
    later one never does (one main location per organisation).
    Errors: ``ValidationError`` naming the field; nothing saved.
    Side effects: one history row.
    """
    _reject_unknown_fields(data, LOCATION_FIELDS)
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    location = Location(organisation=locked, **data)
    location.is_main = not locked.locations.filter(is_main=True).exists()
    return _save_with_history(
        location, actor=actor, reason=reason or "locatie toegevoegd"
    )


@transaction.atomic
def organisation_update_contact(
    *, organisation: Organisation, actor, data: dict[str, Any], reason: str = ""
) -> Organisation:
    """Change an organisation's phone, e-mail or website.

    Invariants: only ``ORGANISATION_CONTACT_FIELDS`` change; name, KvK, kind,
    contracts and subcontracts are the municipality's (admin) business.
    Errors: ``ValidationError`` naming the field; nothing saved.
    Side effects: one history row when anything changed.
    """
    _reject_unknown_fields(data, ORGANISATION_CONTACT_FIELDS)
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not _apply_changes(locked, data):
        return locked
    return _save_with_history(
        locked, actor=actor, reason=reason or "contactgegevens bijgewerkt"
    )
