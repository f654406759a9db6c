"""/api/v1/hsds: the Open Referral API (HSDA 3.1) over the public catalogue.

Every answer is validated against the vendored HSDS 3.1 schemas in strict mode
(tests/registry/hsds_schema.py); the filters are cumulative; bad or unknown
parameters are 400 problem+json naming them; ``export_hsds`` writes the same
documents."""

import io
import json
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

import pytest
import time_machine
from rest_framework.test import APIClient

from registry import hsds
from registry import services as registry_services
from registry.models import Capacity, DeliveryForm, Organisation, ProblemArea, Service
from tests import factories
from tests.api.helpers import assert_problem
from tests.registry.hsds_schema import (
    errors,
    organization_errors,
    organization_list_errors,
    page_errors,
    service_at_location_errors,
    service_errors,
    service_list_errors,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/hsds"


def get(path, **params):
    return APIClient().get(f"{API}/{path}", params)


def ids(body) -> list[str]:
    assert page_errors(body) == []
    return [item["id"] for item in body["contents"]]


@pytest.fixture
def services(provider_org, subcontractor_org, perceel):
    location = factories.LocationFactory(
        organisation=provider_org,
        is_main=True,
        postcode="1315 HR",
        latitude="52.37000",
        longitude="5.22000",
    )
    far = factories.LocationFactory(
        organisation=subcontractor_org,
        postcode="1358 AA",
        latitude="52.40000",
        longitude="5.12000",  # about 7.5 km west
    )
    made = [
        factories.ServiceFactory(
            organisation=org, perceel=perceel, capacity__free_places=2
        )
        for org in (provider_org, provider_org, subcontractor_org)
    ]
    made[0].locations.add(location)
    made[0].problem_areas.add(ProblemArea.objects.get(slug="angst"))
    made[0].intake_email = "intake@example.org"
    made[0].save()
    made[2].locations.add(far)
    made[2].forms.add(DeliveryForm.objects.get(slug="dagbehandeling"))
    return made


def hid(service) -> str:
    return hsds.hsds_id("service", service.pk)


def test_the_root_names_version_profile_and_openapi_document():
    response = get("")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "version": "3.1",
        "profile": body["profile"],
        "openapi_url": "http://testserver/api/v1/hsds/openapi.json",
    }
    assert body["profile"].startswith("https://")
    document = get("openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [
        {"url": "/api/v1/hsds", "description": "This server"}
    ]
    assert {"name", "url", "email"} <= set(document["info"]["contact"])
    assert set(document["paths"]) >= {"/", "/services", "/services/{id}"}
    assert all(
        set(ops) - {"parameters"} == {"get"} for ops in document["paths"].values()
    )


def test_service_lists_are_pages_with_contents_in_the_list_form(services):
    body = get("services", per_page=2).json()
    assert page_errors(body) == []
    assert {k: v for k, v in body.items() if k != "contents"} == {
        "total_items": 3,
        "total_pages": 2,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": False,
        "empty": False,
    }
    assert [s["id"] for s in body["contents"]] == [hid(s) for s in services[:2]]
    for document in body["contents"]:
        assert service_list_errors(document) == []
        assert "attributes" not in document  # list form: one-to-one fields only
    last = get("services", page=2, per_page=2).json()
    assert (last["page_number"], last["size"], last["last_page"]) == (2, 1, True)


def test_full_and_minimal_services(services):
    full = get("services", full="true").json()["contents"]
    for document in full:
        assert service_errors(document) == []
        assert "wait_time" not in document
    assert full[0]["capacities"][0]["available"] == 2
    minimal = get("services", minimal="true").json()["contents"]
    assert minimal[0] == {
        "id": hid(services[0]),
        "name": services[0].name,
        "status": "active",
        "last_modified": minimal[0]["last_modified"],
    }


def test_a_service_is_the_same_document_as_the_export(services):
    service = services[0]
    response = get(f"services/{hid(service)}")
    assert response.status_code == 200
    expected = hsds.service_dict(hsds.service_queryset().get(pk=service.pk))
    assert response.json() == json.loads(json.dumps(expected))
    assert service_errors(response.json()) == []


def test_waits_are_structured_attributes(services):
    capacity = services[0].capacity
    capacity.intake_wait_weeks, capacity.treatment_wait_weeks = 3, 8
    capacity.status = Capacity.Status.WAITLIST
    capacity.save()
    document = get(f"services/{hid(services[0])}").json()
    waits = {
        a["taxonomy_term"]["code"]: (a["value"], a["label"])
        for a in document["attributes"]
        if a["taxonomy_term"]["taxonomy"] == "sociale-kaart-jeugd:wachttijd"
    }
    assert waits == {
        "aanmeldstatus": ("waitlist", "Wachtlijst"),
        "aanmeldwachttijd": ("3", "weken"),
        "behandelwachttijd": ("8", "weken"),
    }
    assert service_errors(document) == []


def test_last_modified_moves_with_capacity_and_waits(services, provider_user):
    service = services[0]
    with time_machine.travel("2026-01-05 10:00Z", tick=False):
        Service.objects.update(updated_at=timezone.now())
        Capacity.objects.update(updated_at=timezone.now())
    before = get(f"services/{hid(service)}").json()["last_modified"]
    assert before.startswith("2026-01-05T10:00")
    with time_machine.travel("2026-02-01 09:00Z", tick=False):
        registry_services.capacity_update(
            capacity=Capacity.objects.get(service=service),
            actor=provider_user,
            data={"intake_wait_weeks": 6},
            expected_version=None,
        )
    after = get(f"services/{hid(service)}").json()["last_modified"]
    assert after.startswith("2026-02-01T09:00")
    found = ids(get("services", modified_after="2026-01-31T00:00:00Z").json())
    assert found == [hid(service)]


def test_every_filter_narrows_and_they_combine_as_and(services, provider_org):
    angst = hsds.term_id("problematiek", "angst")
    day = hsds.term_id("ijw-jz020", "41")
    org = hsds.hsds_id("organization", provider_org.pk)
    assert ids(get("services", taxonomy_term_id=angst).json()) == [hid(services[0])]
    assert ids(get("services", taxonomy_term_id=day).json()) == [hid(services[2])]
    assert ids(get("services", taxonomy_id=hsds.taxonomy_id("vorm")).json()) == [
        hid(services[2])
    ]
    assert ids(get("services", organization_id=org).json()) == [
        hid(s) for s in services[:2]
    ]
    assert ids(get("services", search=services[1].name).json()) == [hid(services[1])]
    # AND: the provider's services with the day-treatment term: none.
    assert ids(get("services", organization_id=org, taxonomy_term_id=day).json()) == []
    assert ids(get("services", organization_id=org, taxonomy_term_id=angst).json()) == [
        hid(services[0])
    ]
    assert ids(get("services", taxonomy_term_id=hsds.hsds_id("x", 1)).json()) == []


def test_postcode_and_proximity(services):
    near = get("services", postcode="1315hr", proximity="2000").json()
    assert ids(near) == [hid(services[0])]
    wide = get("services", postcode="1315 HR", proximity="20000").json()
    assert ids(wide) == [hid(services[0]), hid(services[2])]
    assert ids(get("services", postcode="1358AA").json()) == [hid(services[2])]
    links = get("service_at_locations", postcode="1315 HR", proximity="2000").json()
    assert [link["service_id"] for link in links["contents"]] == [hid(services[0])]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"taxonomy_term_id": "angst"}, "taxonomy_term_id"),
        ({"organization_id": "12"}, "organization_id"),
        ({"modified_after": "gisteren"}, "modified_after"),
        ({"minimal": "ja"}, "minimal"),
        ({"full": "2"}, "full"),
        ({"postcode": "13155"}, "postcode"),
        ({"postcode": "1315 HR", "proximity": "-5"}, "proximity"),
        ({"proximity": "500"}, "proximity"),
        ({"postcode": "9999 ZZ", "proximity": "500"}, "postcode"),
        ({"per_page": "0"}, "per_page"),
        ({"format": "xml"}, "format"),
        ({"page_size": "5"}, "page_size"),  # ours, not HSDA's
        ({"organisation": "x"}, "organisation"),  # a typo never widens a result
    ],
)
def test_bad_or_unknown_parameters_are_400_naming_them(services, params, named):
    assert_problem(get("services", **params), 400, named)


def test_organizations_list_full_and_filters(services, provider_org):
    body = get("organizations").json()
    assert page_errors(body) == []
    assert body["total_items"] == 2
    for document in body["contents"]:
        assert organization_list_errors(document) == []
    for document in get("organizations", full="true").json()["contents"]:
        assert organization_errors(document) == []
    full_service = get("organizations", full_service="true").json()["contents"]
    for document in full_service:
        assert organization_errors(document) == []
    assert full_service[0]["services"][0]["capacities"][0]["available"] == 2
    angst = hsds.term_id("problematiek", "angst")
    assert ids(get("organizations", taxonomy_term_id=angst).json()) == [
        hsds.hsds_id("organization", provider_org.pk)
    ]
    assert_problem(get("organizations", organization_id="x"), 400, "organization_id")
    one = get(f"organizations/{hsds.hsds_id('organization', provider_org.pk)}").json()
    assert organization_errors(one) == []
    assert one["organization_identifiers"][0] == {
        "id": one["organization_identifiers"][0]["id"],
        "organization_id": one["id"],
        "identifier_scheme": "NL-KVK",
        "identifier_type": "KvK-nummer",
        "identifier": provider_org.kvk,
    }


def test_taxonomies_and_terms(services):
    body = get("taxonomies").json()
    assert page_errors(body) == []
    for taxonomy in body["contents"]:
        assert errors("taxonomy.json", taxonomy) == []
    vorm = hsds.taxonomy_id("vorm")
    assert get(f"taxonomies/{vorm}").json()["name"] == "sociale-kaart-jeugd:vorm"
    terms = get("taxonomy_terms", taxonomy_id=vorm, per_page=100).json()
    assert page_errors(terms) == []
    assert {t["code"] for t in terms["contents"]} == set(
        DeliveryForm.objects.values_list("slug", flat=True)
    )
    for term in terms["contents"]:
        assert errors("taxonomy_term.json", term) == []
    term = terms["contents"][0]
    assert get(f"taxonomy_terms/{term['id']}").json() == term
    assert get("taxonomy_terms", top_only="true").json()["total_items"] > 0
    assert_problem(get("taxonomy_terms", parent_id="nope"), 400, "parent_id")
    assert_problem(get(f"taxonomies/{hsds.hsds_id('x', 1)}"), 404)


def test_service_at_locations(services):
    body = get("service_at_locations").json()
    assert page_errors(body) == []
    assert body["total_items"] == 2
    for document in body["contents"]:
        assert service_at_location_errors(document) == []
    full = get("service_at_locations", full="true").json()["contents"]
    for document in full:
        assert service_at_location_errors(document, full=True) == []
    one = get(f"service_at_locations/{body['contents'][0]['id']}")
    assert one.status_code == 200
    assert service_at_location_errors(one.json(), full=True) == []
    assert_problem(get(f"service_at_locations/{hid(services[0])}"), 404)


def test_an_empty_catalogue_is_an_empty_first_page():
    body = get("services").json()
    assert page_errors(body) == []
    assert (body["total_items"], body["empty"], body["first_page"]) == (0, True, True)
    assert body["last_page"] is True


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
    assert_problem(get(f"services/{hid(services[0])}"), 404)
    assert get("services").json()["total_items"] == 2
    for org in (referrer_org, municipality_org):
        assert_problem(
            get(f"organizations/{hsds.hsds_id('organization', org.pk)}"), 404
        )
    found = ids(get("organizations").json())
    assert hsds.hsds_id("organization", referrer_org.pk) not in found
    links = get("service_at_locations").json()["contents"]
    assert hid(services[0]) not in {link["service_id"] for link in links}


def test_the_hsds_list_runs_a_fixed_number_of_queries(
    services, provider_org, perceel, django_assert_num_queries
):
    # count, page; full adds problem areas, forms, districts, locations
    with django_assert_num_queries(2):
        get("services")
    with django_assert_num_queries(6):
        get("services", full="true")
    for _ in range(10):
        factories.ServiceFactory(organisation=provider_org, perceel=perceel)
    with django_assert_num_queries(6):
        assert get("services", full="true", per_page=100).json()["size"] == 13


@pytest.mark.usefixtures("seeded_demo")
class TestTheFullDemoDataset:
    def test_the_export_validates_strictly_against_the_hsds_schemas(self, tmp_path):
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
        taxonomies = json.loads((tmp_path / "taxonomies.json").read_text())
        found += [e for item in taxonomies for e in errors("taxonomy.json", item)]
        assert found == []
        assert {t["taxonomy_id"] for t in terms} <= {t["id"] for t in taxonomies}
        assert any(document["capacities"] for document in services)

    def test_the_api_serves_the_same_documents(self, tmp_path):
        call_command("export_hsds", str(tmp_path), stdout=io.StringIO())
        exported = json.loads((tmp_path / "services.json").read_text())
        served = get("services", page=3, per_page=100, full="true").json()
        assert served["contents"] == exported[200:300]
        week_ago = (timezone.now() - timedelta(days=7)).isoformat()
        recent = get("services", modified_after=week_ago, minimal="true").json()
        assert page_errors(recent) == []
