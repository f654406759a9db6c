"""Field validators: Dutch identifiers, postcodes, phone numbers, ages, and the
e-mail/URL checks models get from Django, all as a form or import would see them
(``full_clean`` names the field)."""

from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from registry import validators as v
from registry.models import Organisation, Service
from tests import factories


@pytest.mark.parametrize("value", ["12345678", "00000001", "99001234"])
@pytest.mark.parametrize("validator", [v.validate_kvk, v.validate_agb])
def test_kvk_and_agb_accept_exactly_eight_digits(validator, value):
    validator(value)


@pytest.mark.parametrize(
    "value",
    ["1234567", "123456789", "1234567a", "abcdefgh", "1234 567", " 12345678", ""],
)
@pytest.mark.parametrize("validator", [v.validate_kvk, v.validate_agb])
def test_kvk_and_agb_refuse_anything_but_eight_digits(validator, value):
    with pytest.raises(ValidationError):
        validator(value)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("1315hr", "1315 HR"),
        ("1315 hr", "1315 HR"),
        ("1315HR", "1315 HR"),
        (" 1315 HR ", "1315 HR"),
        ("1315 HR", "1315 HR"),
    ],
)
def test_postcode_is_normalised_to_four_digits_space_two_capitals(raw, normal):
    v.validate_postcode(raw)
    assert v.normalise_postcode(raw) == normal


@pytest.mark.parametrize(
    "value",
    ["0315 HR", "131 HR", "13155 HR", "1315 H", "1315 HRX", "HR 1315", "1315-HR", ""],
)
def test_postcode_refuses_malformed_input(value):
    with pytest.raises(ValidationError):
        v.validate_postcode(value)


@pytest.mark.parametrize("letters", ["SA", "SD", "SS", "sa", "sd", "ss"])
def test_postcode_refuses_the_letter_pairs_never_issued(letters):
    with pytest.raises(ValidationError):
        v.validate_postcode(f"1315 {letters}")


@pytest.mark.parametrize(
    "value",
    ["036 123 45 67", "0361234567", "036-1234567", "+31 36 123 4567", "06 12345678"],
)
def test_phone_accepts_dutch_numbers_in_common_notations(value):
    v.validate_phone(value)


@pytest.mark.parametrize(
    "value",
    [
        "12345",  # too short
        "036 12",  # too few digits
        "0036 1234 5678 9012",  # too many digits
        "036 123 45 6x",  # letters
        "bel ons",
        "036 123 45 67 ",  # trailing space
        "",
    ],
)
def test_phone_refuses_other_input(value):
    with pytest.raises(ValidationError):
        v.validate_phone(value)


@pytest.mark.parametrize(("low", "high"), [(0, 0), (0, 23), (12, 18), (17, 17)])
def test_age_range_accepts_min_at_most_max(low, high):
    v.validate_age_range(low, high)


def test_age_range_refuses_min_above_max_on_the_max_field():
    with pytest.raises(ValidationError) as error:
        v.validate_age_range(12, 4)
    assert "age_max" in error.value.message_dict


def test_age_range_leaves_an_open_end_alone():
    v.validate_age_range(None, 4)
    v.validate_age_range(4, None)


# --- through full_clean, as forms, the import and the API see them ---------------


def _errors(obj) -> dict:
    with pytest.raises(ValidationError) as error:
        obj.full_clean()
    return error.value.message_dict


@pytest.mark.django_db
def test_organisation_full_clean_names_every_bad_field(provider_org):
    provider_org.kvk = "1234567"
    provider_org.agb = "12345678x"
    provider_org.phone = "bel ons"
    provider_org.email = "info@"
    provider_org.website = "javascript:alert(1)"
    errors = _errors(provider_org)
    assert set(errors) == {"kvk", "agb", "phone", "email", "website"}
    assert "8 cijfers" in errors["kvk"][0]


@pytest.mark.django_db
def test_provider_without_kvk_is_refused_on_the_kvk_field():
    org = Organisation(name="Zonder KvK", slug="zonder-kvk", kind="hoofdaanbieder")
    assert "kvk" in _errors(org)


@pytest.mark.django_db
def test_referrer_needs_no_kvk():
    Organisation(name="School", slug="school", kind="school").full_clean()


@pytest.mark.django_db
def test_location_full_clean_stores_the_normal_postcode(provider_org):
    location = factories.LocationFactory.build(
        organisation=provider_org, postcode="1315hr"
    )
    location.full_clean()
    assert location.postcode == "1315 HR"


@pytest.mark.django_db
def test_location_full_clean_refuses_a_never_issued_postcode(provider_org):
    location = factories.LocationFactory.build(
        organisation=provider_org, postcode="1315 SS"
    )
    assert set(_errors(location)) == {"postcode"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", Decimal("91")),
        ("longitude", Decimal("-181")),
        ("latitude", Decimal("48.85")),
        ("longitude", Decimal("2.35")),
    ],
)
def test_location_refuses_coordinates_outside_the_netherlands(
    provider_org, field, value
):
    location = factories.LocationFactory.build(
        organisation=provider_org, latitude=Decimal("52.37"), longitude=Decimal("5.22")
    )
    setattr(location, field, value)
    assert set(_errors(location)) == {field}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"age_min": 24, "age_max": 24}, {"age_min", "age_max"}),
        ({"age_min": 12, "age_max": 4}, {"age_max"}),
        ({"intake_email": "intake@@example.org"}, {"intake_email"}),
        ({"intake_phone": "12"}, {"intake_phone"}),
    ],
)
def test_service_full_clean_names_the_bad_field(service, changes, field):
    for name, value in changes.items():
        setattr(service, name, value)
    assert set(_errors(service)) == field


@pytest.mark.django_db
def test_service_up_to_23_is_allowed_for_verlengde_jeugdhulp(service):
    service.age_min, service.age_max = 16, 23
    service.full_clean()


@pytest.mark.django_db
def test_a_referrer_organisation_cannot_offer_services(referrer_org, perceel):
    service = Service(organisation=referrer_org, perceel=perceel, name="Spreekuur")
    assert set(_errors(service)) == {"organisation"}
