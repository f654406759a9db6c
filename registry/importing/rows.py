"""One row at a time: parse cells, match reference data, run model validation.

Each row becomes unsaved model instances carrying the validated values; the
planner later decides whether they are created or copied onto existing rows.
Normalised on the way in: cells are stripped, postcodes become "1234 AB", a website
without a scheme gets "https://", reference data matches by slug or name in any
case (stadsdelen with or without "Almere ").
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from registry import validators as v
from registry.importing.reading import SEPARATOR, Row
from registry.models import (
    Capacity,
    DeliveryForm,
    District,
    Location,
    Organisation,
    Perceel,
    ProblemArea,
    Service,
)

ROLES = {
    "hoofdaanbieder": Organisation.Kind.HOOFDAANBIEDER,
    "onderaannemer": Organisation.Kind.ONDERAANNEMER,
}
STATUSES = {
    "open": Capacity.Status.OPEN,
    "wachtlijst": Capacity.Status.WAITLIST,
    "aanmeldstop": Capacity.Status.CLOSED,
}
MAIN_LOCATION_NAME = "Hoofdlocatie"

# Model field -> CSV column, so messages from full_clean() name the column.
ORGANISATION_FIELDS = {
    "kvk": "kvk",
    "name": "naam",
    "kind": "rol",
    "agb": "agb",
    "website": "website",
    "phone": "telefoon",
    "email": "email",
}
# The file keeps one "adres" column (the street line); it is split into the BAG
# parts, so a message about any of them names that column.
LOCATION_FIELDS = {
    "street": "adres",
    "house_number": "adres",
    "house_letter": "adres",
    "house_number_addition": "adres",
    "postcode": "postcode",
    "city": "plaats",
}
SERVICE_FIELDS = {
    "name": "aanbod",
    "description": "omschrijving",
    "age_min": "leeftijd_van",
    "age_max": "leeftijd_tot",
    "intake_phone": "intake_telefoon",
    "intake_email": "intake_email",
}
CAPACITY_FIELDS = {
    "status": "status",
    "intake_wait_weeks": "aanmeldwachttijd_weken",
    "treatment_wait_weeks": "behandelwachttijd_weken",
    "free_places": "vrije_plekken",
}
LINK_COLUMNS = {
    "problem_areas": "problematiek",
    "forms": "vorm",
    "districts": "stadsdelen",
}

_INTEGER = re.compile(r"^[+-]?[0-9]+$")

# --- Reference data ----------------------------------------------------------------


def _plain(value: str) -> str:
    return " ".join(value.lower().split())


def _district_key(value: str) -> str:
    return _plain(value.replace("-", " ")).removeprefix("almere ")


class Choices:
    """Reference objects found by slug or name, whatever the case."""

    def __init__(self, objects, *, key=_plain, label=lambda obj: obj.slug):
        self.key = key
        self.by_key = {}
        for obj in objects:
            self.by_key[key(obj.slug.replace("-", " "))] = obj
            self.by_key[key(obj.slug)] = obj
            self.by_key[key(obj.name)] = obj
        self.known = ", ".join(label(obj) for obj in objects)

    def find(self, value: str):
        return self.by_key.get(self.key(value))


@dataclass
class Reference:
    percelen: dict[str, Perceel]
    districts: Choices
    problem_areas: Choices
    forms: Choices

    @classmethod
    def load(cls) -> "Reference":
        return cls(
            percelen={p.code.lower(): p for p in Perceel.objects.all()},
            districts=Choices(
                District.objects.all(), key=_district_key, label=lambda d: d.name
            ),
            problem_areas=Choices(ProblemArea.objects.order_by("slug")),
            forms=Choices(DeliveryForm.objects.order_by("slug")),
        )

    def perceel(self, row: Row, column: str, code: str) -> Perceel | None:
        perceel = self.percelen.get(code.lower())
        if perceel is None:
            known = ", ".join(p.code for p in self.percelen.values() if p.active)
            row.error(
                column,
                _("Onbekend perceel '%(code)s'; bekend zijn: %(known)s.")
                % {"code": code, "known": known},
            )
        elif not perceel.active:
            message = _("Perceel '%(code)s' is niet actief.") % {"code": perceel.code}
            row.error(column, message)
            return None
        return perceel


# --- Rows --------------------------------------------------------------------------


@dataclass
class OrganisationRow:
    row: Row
    organisation: Organisation  # unsaved; carries the validated values
    main_kvk: str
    percelen: list[Perceel]
    location: Location | None  # unsaved; None when the row has no address

    @property
    def kvk(self) -> str:
        return self.organisation.kvk


@dataclass
class ServiceRow:
    row: Row
    kvk: str
    perceel: Perceel | None
    service: Service  # unsaved; carries the validated values
    links: dict[str, list]
    capacity: Capacity  # unsaved; carries the validated values

    @property
    def capacity_data(self) -> dict[str, Any]:
        """The figures for ``services.capacity_update``."""
        return {name: getattr(self.capacity, name) for name in CAPACITY_FIELDS}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(SEPARATOR) if part.strip()]


def _full_clean(row: Row, instance: models.Model, columns: Mapping):
    """Model validation of the fields the file sets (``columns``: field -> column),
    plus the model's ``clean()``. Without queries: relations, uniqueness and
    constraints are checked against the whole file and the database by the checks.
    A column already in error is not validated again (one message per column)."""
    exclude = [
        f.name
        for f in instance._meta.fields
        if f.name not in columns or columns[f.name] in row.failed
    ]
    try:
        instance.full_clean(
            exclude=exclude, validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        row.validation_error(error, columns)


def _integer(row: Row, column: str, *, required: bool = False) -> int | None:
    raw = row.get(column)
    if not raw:
        if required:
            row.error(column, _("Vul een getal in."))
        return None
    if not _INTEGER.match(raw):
        row.error(column, _("'%(value)s' is geen geheel getal.") % {"value": raw})
        return None
    return int(raw)


def _choices(row: Row, column: str, choices: Choices) -> list:
    found, unknown = [], []
    for part in _split(row.get(column)):
        obj = choices.find(part)
        if obj is None:
            unknown.append(f"'{part}'")
        elif obj not in found:
            found.append(obj)
    if unknown:
        row.error(
            column,
            _("Onbekende waarde %(values)s; bekend zijn: %(known)s.")
            % {"values": ", ".join(unknown), "known": choices.known},
        )
    return found


def _website(value: str) -> str:
    return f"https://{value}" if value and "://" not in value else value


def organisation_row(row: Row, ref: Reference) -> OrganisationRow:
    kind = ROLES.get(row.get("rol").lower())
    if kind is None:
        row.error(
            "rol",
            _("Onbekende rol '%(value)s'; kies hoofdaanbieder of onderaannemer.")
            % {"value": row.get("rol")},
        )
    organisation = Organisation(
        kvk=row.get("kvk"),
        name=row.get("naam"),
        kind=kind or "",
        agb=row.get("agb"),
        website=_website(row.get("website")),
        phone=row.get("telefoon"),
        email=row.get("email"),
    )
    _full_clean(row, organisation, ORGANISATION_FIELDS)
    main_kvk = row.get("hoofdaanbieder_kvk")
    if main_kvk:
        try:
            v.validate_kvk(main_kvk)
        except ValidationError as error:
            row.error("hoofdaanbieder_kvk", error.messages[0])
    percelen = [
        ref.perceel(row, "percelen", code) for code in _split(row.get("percelen"))
    ]
    percelen = list(dict.fromkeys(p for p in percelen if p))
    return OrganisationRow(row, organisation, main_kvk, percelen, _location(row, ref))


def _location(row: Row, ref: Reference) -> Location | None:
    columns = ("adres", "postcode", "plaats", "stadsdeel")
    if not any(row.get(column) for column in columns):
        return None
    district = None
    if row.get("stadsdeel"):
        district = ref.districts.find(row.get("stadsdeel"))
        if district is None:
            row.error(
                "stadsdeel",
                _("Onbekend stadsdeel '%(value)s'; bekend zijn: %(known)s.")
                % {"value": row.get("stadsdeel"), "known": ref.districts.known},
            )
    location = Location(
        name=MAIN_LOCATION_NAME,
        is_main=True,
        **v.split_address_line(row.get("adres")),
        postcode=v.normalise_postcode(row.get("postcode")),
        city=row.get("plaats"),
        district=district,
    )
    _full_clean(row, location, LOCATION_FIELDS)
    return location


def service_row(row: Row, ref: Reference) -> ServiceRow:
    kvk = row.get("kvk")
    try:
        v.validate_kvk(kvk)
    except ValidationError as error:
        row.error("kvk", error.messages[0])
    perceel = None
    if not row.get("perceel"):
        row.error("perceel", _("Vul een perceel in."))
    else:
        perceel = ref.perceel(row, "perceel", row.get("perceel"))
    service = Service(
        name=row.get("aanbod"),
        description=row.get("omschrijving"),
        age_min=_integer(row, "leeftijd_van", required=True),
        age_max=_integer(row, "leeftijd_tot", required=True),
        intake_phone=row.get("intake_telefoon"),
        intake_email=row.get("intake_email"),
    )
    _full_clean(row, service, SERVICE_FIELDS)
    links = {
        name: _choices(row, column, getattr(ref, name))
        for name, column in LINK_COLUMNS.items()
    }
    return ServiceRow(row, kvk, perceel, service, links, _capacity(row))


def _capacity(row: Row) -> Capacity:
    status = STATUSES.get(row.get("status").lower())
    if status is None:
        message = _(
            "Onbekende status '%(value)s'; kies open, wachtlijst of aanmeldstop."
        )
        row.error("status", message % {"value": row.get("status")})
    capacity = Capacity(
        status=status or Capacity.Status.OPEN,
        intake_wait_weeks=_integer(row, "aanmeldwachttijd_weken"),
        treatment_wait_weeks=_integer(row, "behandelwachttijd_weken"),
        free_places=_integer(row, "vrije_plekken"),
    )
    _full_clean(row, capacity, CAPACITY_FIELDS)
    return capacity
