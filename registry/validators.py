"""Plain validation functions for Dutch identifiers and cross-object rules.

Called from model fields and ``clean()`` and from services, so the rules live in
one place. The matching database CHECK constraints use the same patterns
(``*_PATTERN``) so a row that bypasses Python validation is still refused.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

KVK_PATTERN = r"^[0-9]{8}$"
AGB_PATTERN = r"^[0-9]{8}$"
# Dutch postcode: four digits (no leading zero), a space, two capitals. SA, SD and SS
# are never issued. Stored in this normal form; input is normalised first.
POSTCODE_PATTERN = r"^[1-9][0-9]{3} [A-Z]{2}$"
_POSTCODE_INPUT = re.compile(r"^\s*([1-9][0-9]{3})\s?([A-Za-z]{2})\s*$")
_POSTCODE_FORBIDDEN = {"SA", "SD", "SS"}
# Phone numbers: digits with optional leading +, spaces, dashes and brackets.
PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]{5,18}[0-9]$"
_PHONE_DIGITS = re.compile(r"[0-9]")

# Nine digits, optionally grouped with dots, spaces or hyphens ("123.456.782",
# "1234 56 782"), not part of a longer number (a phone number has ten digits).
_NINE_DIGITS = re.compile(r"(?<!\d)(?<!\d[ .-])\d(?:[ .-]?\d){8}(?![ .-]?\d)")
# BAG (Basisregistratie Adressen en Gebouwen) address parts: huisnummer 1-99999,
# huisletter one letter, huisnummertoevoeging up to four letters or digits.
HOUSE_NUMBER_MIN, HOUSE_NUMBER_MAX = 1, 99999
HOUSE_LETTER_PATTERN = r"^[A-Za-z]$"
HOUSE_NUMBER_ADDITION_PATTERN = r"^[A-Za-z0-9]{1,4}$"
# The European Netherlands with a margin for the coast and the border regions.
NL_LATITUDE = (50.70, 53.70)
NL_LONGITUDE = (3.20, 7.30)
# "Kalkovenweg 12", "Kalkovenweg 12A", "Kalkovenweg 12 A", "Kalkovenweg 12-2",
# "Kalkovenweg 12A-bis"; "/" and a space also separate the addition.
_ADDRESS_LINE = re.compile(
    r"^\s*(?P<street>.*?[^\s,]),?\s+(?P<number>[1-9][0-9]{0,4})(?![0-9])"
    r"(?:\s*(?P<letter>[A-Za-z])(?![A-Za-z0-9]))?"
    r"(?:\s*[-/ ]?\s*(?P<addition>[A-Za-z0-9]{1,4}))?\s*$"
)

AGE_MIN = 0
AGE_MAX = 23  # youth care runs to 18, verlengde jeugdhulp to 23
WAIT_WEEKS_MAX = 260  # five years; anything above is a typo


def is_bsn(digits: str) -> bool:
    """The 11-proef of a burgerservicenummer: 9 digits, weights 9..2 and -1."""
    if len(digits) != 9 or not digits.isdigit() or int(digits) == 0:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def contains_bsn(text: str) -> bool:
    return any(
        is_bsn(re.sub(r"\D", "", match.group()))
        for match in _NINE_DIGITS.finditer(text or "")
    )


def validate_no_bsn(value: str) -> None:
    """The one check that keeps a BSN out of every free text anyone stores: the
    referral tracker's (help question, notes) and the providers' own texts
    (descriptions, "hoe verwijzen", capacity notes)."""
    if contains_bsn(value):
        raise ValidationError(
            _(
                "Deze tekst bevat een BSN. Een BSN hoort hier nooit: haal het "
                "nummer weg."
            ),
            code="contains_bsn",
        )


def validate_kvk(value: str) -> None:
    if not re.fullmatch(KVK_PATTERN, value or ""):
        raise ValidationError(
            _("Een KvK-nummer bestaat uit precies 8 cijfers."), code="invalid_kvk"
        )


def validate_agb(value: str) -> None:
    if not re.fullmatch(AGB_PATTERN, value or ""):
        raise ValidationError(
            _("Een AGB-code bestaat uit precies 8 cijfers."), code="invalid_agb"
        )


def normalise_postcode(value: str) -> str:
    """Return ``1234 AB`` for ``1234ab``/``1234 AB``; other input unchanged."""
    match = _POSTCODE_INPUT.match(value or "")
    if not match:
        return value
    return f"{match.group(1)} {match.group(2).upper()}"


def validate_postcode(value: str) -> None:
    normal = normalise_postcode(value)
    if not re.fullmatch(POSTCODE_PATTERN, normal) or normal[-2:] in _POSTCODE_FORBIDDEN:
        raise ValidationError(
            _("Vul een Nederlandse postcode in, zoals 1315 AB."),
            code="invalid_postcode",
        )


def validate_house_number(value: int | None) -> None:
    if value is not None and not HOUSE_NUMBER_MIN <= value <= HOUSE_NUMBER_MAX:
        raise ValidationError(
            _("Vul als huisnummer een getal van 1 tot en met 99999 in."),
            code="invalid_house_number",
        )


def validate_house_letter(value: str) -> None:
    if value and not re.fullmatch(HOUSE_LETTER_PATTERN, value):
        raise ValidationError(
            _("Een huisletter is één letter, zoals A."), code="invalid_house_letter"
        )


def validate_house_number_addition(value: str) -> None:
    if value and not re.fullmatch(HOUSE_NUMBER_ADDITION_PATTERN, value):
        raise ValidationError(
            _("Een toevoeging is hoogstens 4 letters of cijfers, zoals 2 of bis."),
            code="invalid_house_number_addition",
        )


def validate_latitude_nl(value) -> None:
    if value is not None and not NL_LATITUDE[0] <= float(value) <= NL_LATITUDE[1]:
        raise ValidationError(
            _("Kies een breedtegraad in Nederland (tussen %(low)s en %(high)s).")
            % {"low": NL_LATITUDE[0], "high": NL_LATITUDE[1]},
            code="outside_netherlands",
        )


def validate_longitude_nl(value) -> None:
    if value is not None and not NL_LONGITUDE[0] <= float(value) <= NL_LONGITUDE[1]:
        raise ValidationError(
            _("Kies een lengtegraad in Nederland (tussen %(low)s en %(high)s).")
            % {"low": NL_LONGITUDE[0], "high": NL_LONGITUDE[1]},
            code="outside_netherlands",
        )


def split_address_line(line: str) -> dict:
    """Split "Kalkovenweg 12A-2" into the BAG parts ``street``,
    ``house_number``, ``house_letter`` and ``house_number_addition``.

    A line without a recognisable house number at its end ("Stationsplein",
    "Kalkovenweg 123456") stays whole in ``street``: nothing is lost, a person
    can split it later.
    """
    line = " ".join((line or "").split())
    match = _ADDRESS_LINE.match(line)
    if not match:
        return {
            "street": line,
            "house_number": None,
            "house_letter": "",
            "house_number_addition": "",
        }
    return {
        "street": match["street"],
        "house_number": int(match["number"]),
        "house_letter": (match["letter"] or "").upper(),
        "house_number_addition": match["addition"] or "",
    }


def compose_address_line(
    street: str, house_number: int | None, letter: str = "", addition: str = ""
) -> str:
    """The street line as the BAG writes it: "Kalkovenweg 12A-2"."""
    if house_number is None:
        return street
    number = f"{house_number}{letter}" + (f"-{addition}" if addition else "")
    return f"{street} {number}".strip()


def validate_location_address_parts(
    *, house_number, house_letter: str, house_number_addition: str, latitude, longitude
) -> None:
    """A letter or addition belongs to a house number; a pin needs both
    coordinates."""
    errors = {}
    if house_number is None:
        if house_letter:
            errors["house_letter"] = _(
                "Een huisletter hoort bij een huisnummer: vul dat ook in."
            )
        if house_number_addition:
            errors["house_number_addition"] = _(
                "Een toevoeging hoort bij een huisnummer: vul dat ook in."
            )
    if (latitude is None) != (longitude is None):
        missing = "latitude" if latitude is None else "longitude"
        errors[missing] = _("Vul breedtegraad én lengtegraad in, of laat beide leeg.")
    if errors:
        raise ValidationError(errors, code="address_incomplete")


def validate_phone(value: str) -> None:
    digits = len(_PHONE_DIGITS.findall(value or ""))
    if not re.fullmatch(PHONE_PATTERN, value or "") or not 9 <= digits <= 13:
        raise ValidationError(
            _("Vul een geldig telefoonnummer in, zoals 036 123 45 67."),
            code="invalid_phone",
        )


def validate_age_range(age_min: int | None, age_max: int | None) -> None:
    if age_min is not None and age_max is not None and age_min > age_max:
        raise ValidationError(
            {
                "age_max": _(
                    "De maximumleeftijd mag niet lager zijn dan de minimumleeftijd."
                )
            },
            code="age_range",
        )


def validate_capacity_coherent(
    *,
    status: str,
    free_places: int | None,
    intake_wait_weeks: int | None,
    intake_norm_weeks: int,
) -> None:
    """Status, free places and waiting time must tell the same story (the ONE
    place for this rule: ``Capacity.clean`` calls it for page, API and import).

    - open ("direct plek") needs free places or an aanmeldwachttijd within the
      intake norm; otherwise it is a wachtlijst;
    - aanmeldstop has no free places.
    """
    if status == "open":
        has_places = bool(free_places)
        short_wait = (
            intake_wait_weeks is not None and intake_wait_weeks <= intake_norm_weeks
        )
        if not (has_places or short_wait):
            raise ValidationError(
                {
                    "status": _(
                        "Open kan alleen met vrije plekken of een "
                        "aanmeldwachttijd van ten hoogste %(n)s weken. Kies "
                        "anders Wachtlijst."
                    )
                    % {"n": intake_norm_weeks}
                },
                code="capacity_incoherent",
            )
    elif status == "closed" and free_places:
        raise ValidationError(
            {
                "free_places": _(
                    "Bij een aanmeldstop zijn er geen vrije plekken: vul 0 in of "
                    "kies een andere status."
                )
            },
            code="capacity_incoherent",
        )
