"""Field validators of the referral tracker: plain functions (STYLE.md).

- ``validate_no_bsn``: the ONE check that keeps a BSN out of every free text
  (help question, step notes, correction reasons here; the providers' texts in
  the registry). It lives in ``registry.validators``; imported here so the
  referral models and migrations keep their path. Model fields declare it, so
  ``full_clean`` in the services refuses it for page, API and import alike,
  naming the field.
- ``normalise_dutch_phone``: a parent's phone number, checked with the
  ``phonenumbers`` library (Google's libphonenumber metadata) as a Dutch number.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

import phonenumbers

from registry.validators import contains_bsn, is_bsn, validate_no_bsn

__all__ = [
    "contains_bsn",
    "is_bsn",
    "normalise_dutch_phone",
    "validate_dutch_phone",
    "validate_no_bsn",
]


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
