"""The HSDS 3.0 export of the public catalogue validates against the Open Referral
schemas and carries what another social map needs."""

import json

from django.core.management import call_command

import pytest

from registry import hsds
from registry.models import DeliveryForm, District, ProblemArea
from tests import factories
from tests.registry.hsds_schema import organization_errors, service_errors


@pytest.fixture
def rich_service(service, provider_org):
    location = factories.LocationFactory(
        organisation=provider_org, is_main=True, latitude="52.37", longitude="5.22"
    )
    service.locations.add(location)
    service.problem_areas.add(ProblemArea.objects.get(slug="angst"))
    service.forms.add(DeliveryForm.objects.get(slug="dagbehandeling"))
    service.districts.add(District.objects.get(slug="almere-haven"))
    service.intake_phone = "036 123 45 67"
    service.intake_email = "intake@example.org"
    service.how_to_refer = "Bel de intakelijn."
    service.save()
    service.capacity.free_places = 3
    service.capacity.save()
    return service


@pytest.mark.django_db
def test_a_full_service_validates_against_the_hsds_schemas(rich_service):
    document = hsds.service_dict(hsds.service_queryset().get(pk=rich_service.pk))
    assert service_errors(document) == []
    assert document["id"] == hsds.hsds_id("service", rich_service.pk)
    assert document["capacities"][0]["available"] == 3
    assert document["capacities"][0]["unit"]["name"] == "plek"
    assert document["service_at_locations"][0]["location"]["latitude"] == 52.37
    codes = {
        a["taxonomy_term"]["taxonomy"]: a["taxonomy_term"]["code"]
        for a in document["attributes"]
        if a["taxonomy_term"]["taxonomy"] != "sociale-kaart-jeugd:problematiek"
    }
    assert codes["sociale-kaart-jeugd:perceel"] == "begeleiding"
    # A day-treatment service maps to iJw JZ020 product category 41.
    assert codes["sociale-kaart-jeugd:ijw-jz020"] == "41"


@pytest.mark.django_db
def test_a_minimal_service_without_contacts_or_places_validates(service):
    document = hsds.service_dict(hsds.service_queryset().get(pk=service.pk))
    assert service_errors(document) == []
    assert document["capacities"] == []
    assert "email" not in document


@pytest.mark.django_db
def test_ids_are_stable_uuids_per_object():
    assert hsds.hsds_id("service", 7) == hsds.hsds_id("service", 7)
    assert hsds.hsds_id("service", 7) != hsds.hsds_id("organization", 7)


@pytest.mark.django_db
def test_organisations_validate_with_kvk_identifier(rich_service, provider_org):
    document = hsds.organisation_dict(
        hsds.organisation_queryset().get(pk=provider_org.pk)
    )
    assert organization_errors(document) == []
    assert document["organization_identifiers"][0]["identifier"] == provider_org.kvk
    assert document["services"][0]["name"] == rich_service.name


@pytest.mark.django_db
def test_inactive_services_and_referrer_organisations_are_not_exported(
    service, referrer_org
):
    service.active = False
    service.save()
    assert not hsds.service_queryset().exists()
    assert referrer_org not in hsds.organisation_queryset()


@pytest.mark.django_db
def test_export_command_writes_valid_files_in_a_fixed_number_of_queries(
    rich_service, subcontractor_service, tmp_path, django_assert_max_num_queries
):
    # services + 4 prefetches, organisations + 2 prefetches: no query per row.
    with django_assert_max_num_queries(8):
        call_command("export_hsds", str(tmp_path))
    services = json.loads((tmp_path / "services.json").read_text(encoding="utf-8"))
    organisations = json.loads((tmp_path / "organizations.json").read_text("utf-8"))
    terms = json.loads((tmp_path / "taxonomy_terms.json").read_text(encoding="utf-8"))
    assert len(services) == 2
    assert len(organisations) == 2
    for document in services:
        assert service_errors(document) == []
    for document in organisations:
        assert organization_errors(document) == []
    assert {t["taxonomy"] for t in terms} >= {"sociale-kaart-jeugd:perceel"}
