"""Catalogue export: the contract list in the format ``importing`` reads.

Writes active providers with a KvK and their active services, sorted by KvK (and
aanbod name), lists sorted, UTF-8 with a BOM (so Excel shows accents) and ``;``.
Exporting, importing into an empty database and exporting again gives identical
files. Cells are written through ``sociale_kaart.csvsafe`` (no formulas in a
spreadsheet); the import reverses its escape. The format holds one hoofdaanbieder
per onderaannemer: one working under several is written with the one it holds
most percelen under, and a warning.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from registry.importing import (
    ORGANISATION_COLUMNS,
    SEPARATOR,
    SERVICE_COLUMNS,
    STATUSES,
    link_model,
)
from registry.models import Contract, Location, Organisation, Service, Subcontract
from sociale_kaart import csvsafe

STATUS_WORDS = {status: word for word, status in STATUSES.items()}
# Service link -> the attribute written for each linked object.
LINK_LABELS = {"problem_areas": "slug", "forms": "slug", "districts": "name"}


@dataclass
class ExportResult:
    organisations: int = 0
    services: int = 0
    warnings: list[str] = field(default_factory=list)


def catalogue_export(*, organisations, services) -> ExportResult:
    """Write both files (paths); return the row counts and any warnings."""
    result = ExportResult()
    org_rows = organisation_rows(warnings=result.warnings)
    service_rows_ = service_rows()
    write_csv(Path(organisations), ORGANISATION_COLUMNS, org_rows)
    write_csv(Path(services), SERVICE_COLUMNS, service_rows_)
    result.organisations, result.services = len(org_rows), len(service_rows_)
    return result


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csvsafe.dict_writer(handle, fieldnames=columns, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)


def _providers():
    return Organisation.objects.filter(
        kind__in=Organisation.PROVIDER_KINDS, active=True
    ).exclude(kvk="")


def _codes(percelen) -> str:
    ordered = sorted(set(percelen), key=lambda p: (p.position, p.code))
    return SEPARATOR.join(p.code for p in ordered)


def organisation_rows(*, warnings: list[str]) -> list[dict]:
    contracted = defaultdict(set)
    for contract in Contract.objects.select_related("perceel"):
        contracted[contract.organisation_id].add(contract.perceel)
    locations = {
        location.organisation_id: location
        for location in Location.objects.filter(is_main=True).select_related("district")
    }
    mains = _main_contractors()
    rows = []
    for org in _providers().order_by("kvk"):
        main_kvk, percelen = "", contracted.get(org.pk, set())
        if org.kind == Organisation.Kind.ONDERAANNEMER:
            main_kvk, percelen = _main_contractor(org, mains.get(org.pk, {}), warnings)
        rows.append(_organisation_row(org, main_kvk, percelen, locations.get(org.pk)))
    return rows


def _main_contractors() -> dict[int, dict[str, set]]:
    """Per onderaannemer: hoofdaanbieder KvK -> percelen subcontracted under it."""
    mains = defaultdict(lambda: defaultdict(set))
    subcontracts = Subcontract.objects.select_related(
        "contract__organisation", "contract__perceel"
    )
    for sub in subcontracts:
        mains[sub.subcontractor_id][sub.contract.organisation.kvk].add(
            sub.contract.perceel
        )
    return mains


def _main_contractor(org, mains: dict[str, set], warnings: list[str]):
    if not mains:
        warnings.append(
            _("Onderaannemer %(kvk)s (%(name)s) heeft geen hoofdaanbieder.")
            % {"kvk": org.kvk, "name": org.name}
        )
        return "", set()
    ranked = sorted(mains.items(), key=lambda item: (-len(item[1]), item[0]))
    if len(ranked) > 1:
        warnings.append(
            _(
                "Onderaannemer %(kvk)s (%(name)s) werkt onder meerdere "
                "hoofdaanbieders (%(all)s); alleen %(main)s staat in het bestand."
            )
            % {
                "kvk": org.kvk,
                "name": org.name,
                "all": ", ".join(kvk for kvk, _percelen in ranked),
                "main": ranked[0][0],
            }
        )
    return ranked[0]


def _organisation_row(org, main_kvk: str, percelen, location) -> dict:
    row = {
        "kvk": org.kvk,
        "naam": org.name,
        "rol": org.kind,
        "hoofdaanbieder_kvk": main_kvk,
        "percelen": _codes(percelen),
        "agb": org.agb,
        "website": org.website,
        "telefoon": org.phone,
        "email": org.email,
    }
    if location is not None:
        row["adres"] = location.address
        row["postcode"] = location.postcode
        row["plaats"] = location.city
        row["stadsdeel"] = location.district.name if location.district else ""
    return {column: str(row.get(column, "")).strip() for column in ORGANISATION_COLUMNS}


def _link_labels(name: str, attribute: str) -> dict[int, str]:
    through, source, target = link_model(name)
    labels = defaultdict(list)
    for service_id, label in through.objects.values_list(
        f"{source}_id", f"{target}__{attribute}"
    ):
        labels[service_id].append(label)
    return {service_id: SEPARATOR.join(sorted(v)) for service_id, v in labels.items()}


def service_rows() -> list[dict]:
    links = {name: _link_labels(name, attr) for name, attr in LINK_LABELS.items()}
    services = (
        Service.objects.filter(active=True, organisation__in=_providers())
        .select_related("organisation", "perceel", "capacity")
        .order_by("organisation__kvk", "name")
    )
    return [_service_row(service, links) for service in services]


def _number(value) -> str:
    return "" if value is None else str(value)


def _service_row(service: Service, links: dict[str, dict[int, str]]) -> dict:
    try:
        capacity = service.capacity
    except ObjectDoesNotExist:  # every service has one; tolerate a broken row
        capacity = None
    row = {
        "kvk": service.organisation.kvk,
        "aanbod": service.name,
        "perceel": service.perceel.code,
        "omschrijving": service.description,
        "leeftijd_van": _number(service.age_min),
        "leeftijd_tot": _number(service.age_max),
        "problematiek": links["problem_areas"].get(service.pk, ""),
        "vorm": links["forms"].get(service.pk, ""),
        "stadsdelen": links["districts"].get(service.pk, ""),
        "intake_telefoon": service.intake_phone,
        "intake_email": service.intake_email,
        "status": STATUS_WORDS[capacity.status] if capacity else "open",
    }
    if capacity is not None:
        row["aanmeldwachttijd_weken"] = _number(capacity.intake_wait_weeks)
        row["behandelwachttijd_weken"] = _number(capacity.treatment_wait_weeks)
        row["vrije_plekken"] = _number(capacity.free_places)
    return {column: str(row.get(column, "")).strip() for column in SERVICE_COLUMNS}
