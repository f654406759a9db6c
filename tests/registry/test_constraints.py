"""Database constraints hold even when Python validation is bypassed
(``QuerySet.update``, ``bulk_create``, raw imports): the row is refused and what
was there stays unchanged. The cross-object rules that the database cannot express
are checked by ``full_clean``."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

import pytest

from registry.models import (
    Capacity,
    CapacityReminder,
    Contract,
    Location,
    Membership,
    Organisation,
    Perceel,
    Service,
    Subcontract,
)
from tests import factories

pytestmark = pytest.mark.django_db


def _refused(action, constraint: str | None = None) -> None:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        action()
    if constraint:  # both SQLite and PostgreSQL name a violated CHECK constraint
        assert constraint in str(error.value)


def _assert_update_refused(obj, values: dict, constraint: str | None) -> None:
    model = type(obj)
    _refused(lambda: model.objects.filter(pk=obj.pk).update(**values), constraint)
    fresh = model.objects.get(pk=obj.pk)
    for name in values:
        assert getattr(fresh, name) == getattr(obj, name), name


@pytest.fixture
def capacity(service):
    return service.capacity


@pytest.fixture
def location(provider_org):
    return factories.LocationFactory(organisation=provider_org, is_main=True)


@pytest.fixture
def contract(provider_org):
    return provider_org.contracts.get()


@pytest.fixture
def subcontract(subcontractor_org):
    return subcontractor_org.subcontracts.get()


@pytest.mark.parametrize(
    ("fixture", "values", "constraint"),
    [
        ("provider_org", {"kvk": "1234567"}, "organisation_kvk_8_digits"),
        ("provider_org", {"kvk": "1234567a"}, "organisation_kvk_8_digits"),
        ("provider_org", {"agb": "123"}, "organisation_agb_8_digits"),
        ("provider_org", {"phone": "bel ons"}, "organisation_phone_format"),
        ("provider_org", {"kind": "apotheek"}, "organisation_kind_valid"),
        ("provider_org", {"kvk": ""}, "organisation_provider_has_kvk"),
        ("subcontractor_org", {"kvk": ""}, "organisation_provider_has_kvk"),
        ("location", {"postcode": "1315hr"}, "location_postcode_format"),
        ("location", {"postcode": "0315 HR"}, "location_postcode_format"),
        ("location", {"phone": "12"}, "location_phone_format"),
        ("service", {"age_max": 24}, "service_age_within_0_23"),
        ("service", {"age_min": 24, "age_max": 24}, "service_age_within_0_23"),
        ("service", {"age_min": 12, "age_max": 4}, "service_age_min_le_max"),
        ("service", {"intake_phone": "x"}, "service_intake_phone_format"),
        ("capacity", {"status": "vol"}, "capacity_status_valid"),
        ("capacity", {"intake_wait_weeks": 261}, "capacity_intake_wait_0_260"),
        ("capacity", {"treatment_wait_weeks": 261}, "capacity_treatment_wait_0_260"),
        ("capacity", {"intake_wait_weeks": -1}, None),  # also a positive field
        ("capacity", {"treatment_wait_weeks": -1}, None),
        ("contract", {"end_date": date(2018, 12, 31)}, "contract_end_after_start"),
    ],
)
def test_check_constraint_refuses_bad_value_written_around_validation(
    request, fixture, values, constraint
):
    _assert_update_refused(request.getfixturevalue(fixture), values, constraint)


def test_subcontract_cannot_end_before_it_starts(subcontract):
    Subcontract.objects.filter(pk=subcontract.pk).update(start_date=date(2020, 1, 1))
    values = {"end_date": date(2019, 12, 31)}
    _assert_update_refused(subcontract, values, "subcontract_end_after_start")


def test_membership_role_must_be_staff_or_admin(provider_user):
    membership = provider_user.memberships.get()
    _assert_update_refused(membership, {"role": "eigenaar"}, "membership_role_valid")


@pytest.mark.parametrize("weeks", [0, 260])
def test_waiting_weeks_accept_the_boundaries(capacity, weeks):
    Capacity.objects.filter(pk=capacity.pk).update(
        intake_wait_weeks=weeks, treatment_wait_weeks=weeks
    )
    capacity.refresh_from_db()
    assert capacity.intake_wait_weeks == capacity.treatment_wait_weeks == weeks


def test_ages_accept_zero_to_23(service):
    Service.objects.filter(pk=service.pk).update(age_min=0, age_max=23)
    service.refresh_from_db()
    assert (service.age_min, service.age_max) == (0, 23)


# --- uniqueness ------------------------------------------------------------------


def test_kvk_is_unique(provider_org, outsider_org):
    _assert_update_refused(outsider_org, {"kvk": provider_org.kvk}, None)


def test_organisations_without_kvk_do_not_clash():
    Organisation.objects.bulk_create(
        [
            Organisation(name="School A", slug="school-a", kind="school"),
            Organisation(name="School B", slug="school-b", kind="school"),
        ]
    )
    assert Organisation.objects.filter(kvk="").count() == 2


def test_one_main_location_per_organisation(location):
    second = Location(organisation=location.organisation, name="Tweede", is_main=True)
    _refused(lambda: Location.objects.bulk_create([second]))
    assert list(Location.objects.filter(is_main=True)) == [location]


def test_many_other_locations_are_fine(location):
    Location.objects.bulk_create(
        [Location(organisation=location.organisation, name=f"L{i}") for i in range(3)]
    )
    assert location.organisation.locations.count() == 4


def test_service_name_is_unique_per_organisation(service):
    twin = Service(organisation=service.organisation, perceel=service.perceel)
    twin.name = service.name
    _refused(lambda: Service.objects.bulk_create([twin]))
    assert Service.objects.filter(name=service.name).count() == 1


def test_a_service_has_one_capacity_row(capacity):
    _refused(lambda: Capacity.objects.bulk_create([Capacity(service=capacity.service)]))
    assert Capacity.objects.filter(service=capacity.service).count() == 1


def test_contract_is_unique_per_lot_and_period(contract):
    twin = Contract(
        organisation=contract.organisation,
        perceel=contract.perceel,
        start_date=contract.start_date,
    )
    _refused(lambda: Contract.objects.bulk_create([twin]))
    assert Contract.objects.count() == 1


def test_subcontract_is_unique_per_contract(subcontract):
    twin = Subcontract(
        contract=subcontract.contract, subcontractor=subcontract.subcontractor
    )
    _refused(lambda: Subcontract.objects.bulk_create([twin]))
    assert Subcontract.objects.count() == 1


def test_membership_is_unique_per_user_and_organisation(provider_user, provider_org):
    twin = Membership(user=provider_user, organisation=provider_org, role="admin")
    _refused(lambda: Membership.objects.bulk_create([twin]))
    assert provider_user.memberships.get().role == "staff"


def test_capacity_reminder_is_sent_once_per_period(provider_org):
    CapacityReminder.objects.create(organisation=provider_org, period="2026-W47")
    twin = CapacityReminder(organisation=provider_org, period="2026-W47")
    _refused(lambda: CapacityReminder.objects.bulk_create([twin]))
    assert CapacityReminder.objects.count() == 1


# --- the hoofdaanbieder / onderaannemer chain ---------------------------------------


def test_subcontract_must_point_at_an_existing_contract(subcontractor_org):
    """A subcontract names a contract, not an organisation + perceel: the foreign
    key is what makes "the hoofdaanbieder holds this perceel" a database rule.
    (Foreign keys are checked at commit; check_constraints forces that check.)"""
    missing = Contract.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1

    def orphan():
        Subcontract.objects.bulk_create(
            [Subcontract(contract_id=missing, subcontractor=subcontractor_org)]
        )
        connection.check_constraints(table_names=["registry_subcontract"])

    _refused(orphan)
    assert not Subcontract.objects.filter(contract_id=missing).exists()


def test_a_contract_with_subcontracts_cannot_be_deleted(subcontract):
    with pytest.raises(ProtectedError), transaction.atomic():
        subcontract.contract.delete()
    assert Contract.objects.filter(pk=subcontract.contract_id).exists()


def _perceel(code: str) -> Perceel:
    return Perceel.objects.get(code=code)


def test_onderaannemer_service_outside_its_subcontracted_perceel_is_refused(
    subcontractor_org,
):
    other = _perceel("behandeling-lvb")
    service = Service(organisation=subcontractor_org, perceel=other, name="LVB")
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert set(error.value.message_dict) == {"perceel"}


def test_onderaannemer_without_any_subcontract_cannot_offer_services(perceel):
    loose = factories.OnderaannemerFactory()
    service = Service(organisation=loose, perceel=perceel, name="Begeleiding")
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert set(error.value.message_dict) == {"perceel"}


def test_onderaannemer_may_offer_in_the_perceel_it_is_subcontracted_for(
    subcontractor_org, perceel
):
    Service(organisation=subcontractor_org, perceel=perceel, name="Ok").full_clean()


def test_hoofdaanbieder_service_needs_a_contract_for_the_perceel(provider_org):
    other = _perceel("behandeling-psychiatrie")
    service = Service(organisation=provider_org, perceel=other, name="GGZ")
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert set(error.value.message_dict) == {"perceel"}


def test_only_a_hoofdaanbieder_holds_a_contract(subcontractor_org, perceel):
    contract = Contract(
        organisation=subcontractor_org, perceel=perceel, start_date=date(2019, 1, 1)
    )
    with pytest.raises(ValidationError) as error:
        contract.full_clean()
    assert set(error.value.message_dict) == {"organisation"}


def test_only_an_onderaannemer_works_under_a_contract(contract, outsider_org):
    sub = Subcontract(contract=contract, subcontractor=outsider_org)
    with pytest.raises(ValidationError) as error:
        sub.full_clean()
    assert set(error.value.message_dict) == {"subcontractor"}


def test_subcontract_dates_are_checked_by_full_clean_too(subcontract):
    subcontract.start_date = date(2020, 1, 1)
    subcontract.end_date = subcontract.start_date - timedelta(days=1)
    with pytest.raises(ValidationError):
        subcontract.full_clean()
