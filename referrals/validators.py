"""Field validators of the referral tracker: plain functions (STYLE.md).

- ``validate_no_bsn``: the ONE check that keeps a BSN out of every free text the
  tracker stores (help question, step notes, correction reasons). Model fields
  declare it, so ``full_clean`` in the services refuses it for page, API and
  import alike, naming the field.
- ``normalise_dutch_phone``: a parent's phone number, checked with the
  ``phonenumbers`` library (Google's libphonenumber metadata) as a Dutch number.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

import phonenumbers

# Nine digits, optionally grouped with dots, spaces or hyphens ("123.456.782",
# "1234 56 782"), not part of a longer number (a phone number has ten digits).
_NINE_DIGITS = re.compile(r"(?<!\d)(?<!\d[ .-])\d(?:[ .-]?\d){8}(?![ .-]?\d)")


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
    if contains_bsn(value):
        raise ValidationError(
            _(
                "Deze tekst bevat een BSN. Een BSN hoort hier nooit: haal het "
                "nummer weg."
            ),
            code="contains_bsn",
        )


def normalise_dutch_phone(value: str) -> str:
    """A valid Dutch phone number in national notation ("06 12345678"), or a
    ValidationError. Empty stays empty."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "NL")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "NL"
    ):
        raise ValidationError(
            _("Vul een geldig Nederlands telefoonnummer in, zoals 06 12345678."),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def validate_dutch_phone(value: str) -> None:
    normalise_dutch_phone(value)
