"""/api/v1/hsds: the public catalogue as Open Referral HSDS 3.0, validated against
the HSDS schemas, and the full demo export of ``manage.py export_hsds``."""

import io
import json

from django.core.management import call_command

import pytest
from rest_framework.test import APIClient

from registry import hsds
from registry.models import Organisation, Service
from tests import factories
from tests.api.helpers import assert_problem
from tests.registry.hsds_schema import errors, organization_errors, service_errors

pytestmark = pytest.mark.django_db
API = "/api/v1/hsds"
PAGE_FIELDS = (
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
)


def get(path, **params):
    return APIClient().get(f"{API}/{path}", params)


@pytest.fixture
def services(provider_org, subcontractor_org, perceel):
    location = factories.LocationFactory(organisation=provider_org, is_main=True)
    made = [
        factories.ServiceFactory(
            organisation=org, perceel=perceel, capacity__free_places=2
        )
        for org in (provider_org, provider_org, subcontractor_org)
    ]
    made[0].locations.add(location)
    made[0].intake_email = "intake@example.org"
    made[0].save()
    return made


def test_services_are_hsds_documents_with_page_metadata(services):
    response = get("services", page_size=2)
    assert response.status_code == 200
    body = response.json()
    assert {name: body[name] for name in ("count", *PAGE_FIELDS)} == {
        "count": 3,
        "total_items": 3,
        "total_pages": 2,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": False,
        "empty": False,
    }
    assert [s["id"] for s in body["results"]] == [
        hsds.hsds_id("service", s.pk) for s in services[:2]
    ]
    for document in body["results"]:
        assert service_errors(document) == []
    last = get("services", page=2, per_page=2).json()
    assert (last["page_number"], last["size"], last["last_page"]) == (2, 1, True)


def test_a_service_is_the_same_document_as_the_export(services):
    service = services[0]
    response = get(f"services/{hsds.hsds_id('service', service.pk)}")
    assert response.status_code == 200
    expected = hsds.service_dict(hsds.service_queryset().get(pk=service.pk))
    assert response.json() == json.loads(json.dumps(expected))
    assert service_errors(response.json()) == []
    assert response.json()["capacities"][0]["available"] == 2


def test_organizations_validate_against_the_hsds_schema(services, provider_org):
    body = get("organizations").json()
    assert body["count"] == 2
    for document in body["results"]:
        assert organization_errors(document) == []
    one = get(f"organizations/{hsds.hsds_id('organization', provider_org.pk)}")
    assert one.json()["organization_identifiers"][0]["identifier"] == provider_org.kvk


def test_an_empty_catalogue_is_an_empty_first_page():
    body = get("services").json()
    assert (body["count"], body["empty"], body["first_page"], body["last_page"]) == (
        0,
        True,
        True,
        True,
    )


def test_an_integer_id_or_unknown_uuid_is_not_found(services):
    service = services[0]
    assert_problem(get(f"services/{service.pk}"), 404)
    assert_problem(get(f"services/{hsds.hsds_id('service', 999999)}"), 404)
    organisation_id = hsds.hsds_id("organization", service.organisation_id)
    assert_problem(get(f"services/{organisation_id}"), 404)  # not a service's id


def test_inactive_services_and_non_providers_are_not_exported(
    services, referrer_org, municipality_org
):
    Service.objects.filter(pk=services[0].pk).update(active=False)
    assert_problem(get(f"services/{hsds.hsds_id('service', services[0].pk)}"), 404)
    assert get("services").json()["count"] == 2
    for org in (referrer_org, municipality_org):
        assert_problem(
            get(f"organizations/{hsds.hsds_id('organization', org.pk)}"), 404
        )
    ids = {o["id"] for o in get("organizations").json()["results"]}
    assert hsds.hsds_id("organization", referrer_org.pk) not in ids


def test_the_hsds_list_runs_a_fixed_number_of_queries(
    services, provider_org, perceel, django_assert_num_queries
):
    # count, page, problem areas, forms, districts, locations
    with django_assert_num_queries(6):
        get("services")
    for _ in range(10):
        factories.ServiceFactory(organisation=provider_org, perceel=perceel)
    with django_assert_num_queries(6):
        assert get("services", page_size=100).json()["size"] == 13


def test_bad_paging_is_400_naming_the_parameter(services):
    assert_problem(get("services", per_page="0"), 400, "per_page")
    assert_problem(get("organizations", page="x"), 400, "page")


@pytest.mark.usefixtures("seeded_demo")
class TestTheFullDemoDataset:
    def test_the_export_validates_against_the_hsds_schemas(self, tmp_path):
        call_command("export_hsds", str(tmp_path), stdout=io.StringIO())
        services = json.loads((tmp_path / "services.json").read_text())
        organisations = json.loads((tmp_path / "organizations.json").read_text())
        terms = json.loads((tmp_path / "taxonomy_terms.json").read_text())
        public = Service.objects.filter(active=True, organisation__active=True)
        assert len(services) == public.count() > 200
        assert (
            len(organisations)
            == Organisation.objects.filter(
                kind__in=Organisation.PROVIDER_KINDS, active=True
            ).count()
        )
        found = [e for document in services for e in service_errors(document)]
        found += [
            e for document in organisations for e in organization_errors(document)
        ]
        found += [e for term in terms for e in errors("taxonomy_term.json", term)]
        assert found == []
        assert any(document["capacities"] for document in services)

    def test_the_api_serves_the_same_documents(self, tmp_path):
        call_command("export_hsds", str(tmp_path), stdout=io.StringIO())
        exported = json.loads((tmp_path / "services.json").read_text())
        served = get("services", page=3, page_size=100).json()["results"]
        assert served == exported[200:300]
