"""The public catalogue API: lots, districts, problem areas, forms,
organisations and services (read-only, no token needed)."""

from datetime import timedelta

from django.http import QueryDict
from django.utils import timezone

import pytest
from rest_framework.fields import DateTimeField
from rest_framework.test import APIClient

from registry import selectors
from registry.api import filters as api_filters
from registry.api.serializers import within_norms
from registry.models import Capacity, Organisation, Perceel, Service
from registry.services.capacity import capacity_update
from registry.services.search_index import service_refresh_search
from tests import factories
from tests.api.helpers import assert_problem, logged_in, token_client
from tests.registry.search_data import build_catalogue, make_service

pytestmark = pytest.mark.django_db
API = "/api/v1"


def get(path, client=None, **params):
    return (client or APIClient()).get(f"{API}/{path}", params)


def timestamp(value) -> str:
    return DateTimeField().to_representation(value)


@pytest.fixture
def catalogue():
    return build_catalogue()


# --- lots, districts, problem areas, forms -----------------------------------------


def test_lots_list_the_active_percelen_in_display_order():
    Perceel.objects.create(code="oud", name="Oud perceel", active=False, position=9)
    response = get("lots")
    assert response.status_code == 200
    assert response.json() == {
        "count": 3,
        "next": None,
        "previous": None,
        "results": [
            {"code": p.code, "name": p.name, "description": p.description}
            for p in Perceel.objects.filter(active=True)
        ],
    }


def test_a_lot_names_the_hoofdaanbieders_holding_it(provider_org, outsider_org):
    inactive = factories.HoofdaanbiederFactory(
        active=False, percelen=[Perceel.objects.get(code="begeleiding")]
    )
    response = get("lots/begeleiding")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "begeleiding"
    assert body["main_contractors"] == [
        {"id": org.pk, "slug": org.slug, "name": org.name}
        for org in sorted([provider_org, outsider_org], key=lambda o: o.name)
    ]
    assert inactive.pk not in [org["id"] for org in body["main_contractors"]]


def test_an_unknown_or_inactive_lot_is_not_found():
    Perceel.objects.create(code="oud", name="Oud perceel", active=False)
    assert_problem(get("lots/oud"), 404)
    assert_problem(get("lots/bestaat-niet"), 404)


def test_districts_list_and_detail():
    response = get("districts")
    assert response.json()["count"] == 7
    assert {"slug": "almere-haven", "name": "Almere Haven"} in response.json()[
        "results"
    ]
    assert get("districts/almere-haven").json() == {
        "slug": "almere-haven",
        "name": "Almere Haven",
    }
    assert_problem(get("districts/atlantis"), 404)


def test_problem_areas_and_forms_are_listed_by_name():
    areas = get("problem-areas").json()
    forms = get("forms").json()
    assert areas["count"] == 21 and len(areas["results"]) == 21
    assert forms["count"] == 6
    names = [area["name"] for area in areas["results"]]
    assert names == sorted(names)
    assert {"slug": "dagbehandeling", "name": "Dagbehandeling"} in forms["results"]


def test_reference_lists_are_paginated(django_assert_num_queries):
    with django_assert_num_queries(2):  # count, page
        response = get("problem-areas", page=2, pageSize=5)
    body = response.json()
    assert body["count"] == 21
    assert len(body["results"]) == 5
    assert body["previous"].endswith("/api/v1/problem-areas?pageSize=5")
    assert body["next"].endswith("/api/v1/problem-areas?page=3&pageSize=5")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"page": "0"}, "page"),
        ({"page": "twee"}, "page"),
        ({"pageSize": "101"}, "pageSize"),
        ({"pageSize": "0"}, "pageSize"),
        ({"pageSize": "-1"}, "pageSize"),
    ],
)
def test_a_bad_page_or_page_size_is_400_naming_it(params, name):
    assert_problem(get("problem-areas", **params), 400, name)


def test_a_page_beyond_the_last_is_not_found():
    assert_problem(get("lots", page=2), 404)


# --- organisations -------------------------------------------------------------------


def test_anonymous_visitors_see_active_providers_only(
    provider_org, subcontractor_org, referrer_org, municipality_org
):
    factories.OrganisationFactory(kind="school", name="Basisschool")
    factories.HoofdaanbiederFactory(active=False)
    response = get("organisations")
    assert response.status_code == 200
    ids = [org["id"] for org in response.json()["results"]]
    assert ids == [provider_org.pk, subcontractor_org.pk]


def test_logged_in_users_and_tokens_also_see_schools(
    provider_org, referrer_user, referrer_org, municipality_org
):
    school = factories.OrganisationFactory(kind="school", name="Basisschool")
    for client in (logged_in(referrer_user), token_client(provider_org)):
        ids = {org["id"] for org in get("organisations", client).json()["results"]}
        assert ids == {provider_org.pk, school.pk}


def test_an_organisation_in_the_list(provider_org, django_assert_num_queries):
    provider_org.website = "https://example.org"
    provider_org.phone = "036 123 45 67"
    provider_org.save()
    with django_assert_num_queries(4):  # count, page, contracts, subcontracts
        body = get("organisations").json()
    assert body["results"] == [
        {
            "id": provider_org.pk,
            "slug": provider_org.slug,
            "name": provider_org.name,
            "kind": "hoofdaanbieder",
            "lots": ["begeleiding"],
            "website": "https://example.org",
            "phone": "036 123 45 67",
            "email": "",
            "url": f"http://testserver/aanbieders/{provider_org.slug}",
        }
    ]


def test_the_organisation_list_runs_a_fixed_number_of_queries(
    perceel, django_assert_num_queries
):
    for _ in range(12):
        main = factories.HoofdaanbiederFactory(percelen=[perceel])
        factories.OnderaannemerFactory(main_contractor=main, percelen=[perceel])
    with django_assert_num_queries(4):
        body = get("organisations", pageSize=100).json()
    assert body["count"] == 24


def test_organisations_filter_by_kind_lot_and_name(
    provider_org, subcontractor_org, outsider_org
):
    lvb = Perceel.objects.get(code="behandeling-lvb")
    factories.ContractFactory(organisation=outsider_org, perceel=lvb)

    def ids(**params):
        return [org["id"] for org in get("organisations", **params).json()["results"]]

    assert ids(kind="onderaannemer") == [subcontractor_org.pk]
    assert ids(lot="behandeling-lvb") == [outsider_org.pk]
    assert set(ids(lot="begeleiding")) == {
        provider_org.pk,
        subcontractor_org.pk,
        outsider_org.pk,
    }
    assert ids(q=subcontractor_org.name.upper()[3:]) == [subcontractor_org.pk]


@pytest.mark.parametrize(
    ("params", "name"),
    [({"kind": "ruimteschip"}, "kind"), ({"lot": "bestaat-niet"}, "lot")],
)
def test_a_bad_organisation_filter_is_400_naming_it(provider_org, params, name):
    assert_problem(get("organisations", **params), 400, name)


def test_a_subcontractor_names_its_main_contractor(
    provider_org, subcontractor_org, subcontractor_service
):
    location = factories.LocationFactory(
        organisation=subcontractor_org, is_main=True, latitude="52.37", longitude="5.2"
    )
    capacity = subcontractor_service.capacity
    response = get(f"organisations/{subcontractor_org.slug}")
    assert response.status_code == 200
    assert response.json() == {
        "id": subcontractor_org.pk,
        "slug": subcontractor_org.slug,
        "name": subcontractor_org.name,
        "kind": "onderaannemer",
        "lots": ["begeleiding"],
        "website": "",
        "phone": "",
        "email": "",
        "url": f"http://testserver/aanbieders/{subcontractor_org.slug}",
        "description": "",
        "kvk": subcontractor_org.kvk,
        "agb": "",
        "contracts": [],
        "main_contractors": [
            {
                "lot": {"code": "begeleiding", "name": "Begeleiding"},
                "organisation": {
                    "id": provider_org.pk,
                    "slug": provider_org.slug,
                    "name": provider_org.name,
                },
                "start_date": None,
                "end_date": None,
            }
        ],
        "services": [
            {
                "id": subcontractor_service.pk,
                "name": subcontractor_service.name,
                "lot": {"code": "begeleiding", "name": "Begeleiding"},
                "capacity": {
                    "status": "open",
                    "intake_wait_weeks": 2,
                    "treatment_wait_weeks": 4,
                    "total_wait_weeks": 6,
                    "free_places": None,
                    "note": "",
                    "updated_at": timestamp(capacity.updated_at),
                    "stale": False,
                    "within_norms": {"intake": True, "treatment": True, "total": True},
                },
            }
        ],
        "locations": [
            {
                "id": location.pk,
                "name": location.name,
                "is_main": True,
                "address": "Stadhuisplein 1",
                "street": "Stadhuisplein",
                "house_number": 1,
                "house_letter": "",
                "house_number_addition": "",
                "postcode": "1315 HR",
                "city": "Almere",
                "district": {"slug": "almere-stad", "name": "Almere Stad"},
                "phone": "",
                "latitude": 52.37,
                "longitude": 5.2,
            }
        ],
    }


def test_a_main_contractor_lists_its_contracts_with_subcontractors(
    provider_org, subcontractor_org
):
    body = get(f"organisations/{provider_org.slug}").json()
    assert body["contracts"] == [
        {
            "lot": {"code": "begeleiding", "name": "Begeleiding"},
            "start_date": "2019-01-01",
            "end_date": None,
            "subcontractors": [
                {
                    "id": subcontractor_org.pk,
                    "slug": subcontractor_org.slug,
                    "name": subcontractor_org.name,
                }
            ],
        }
    ]
    assert body["main_contractors"] == []


def test_referrers_the_municipality_and_inactive_providers_are_not_found(
    referrer_org, municipality_org, referrer_user
):
    gone = factories.HoofdaanbiederFactory(active=False)
    for org in (referrer_org, municipality_org, gone):
        assert_problem(get(f"organisations/{org.slug}"), 404)
        assert_problem(get(f"organisations/{org.slug}", logged_in(referrer_user)), 404)


def test_a_school_is_found_only_with_a_token_or_session(provider_org):
    school = factories.OrganisationFactory(kind="school", name="Basisschool")
    assert_problem(get(f"organisations/{school.slug}"), 404)
    response = get(f"organisations/{school.slug}", token_client(provider_org))
    assert response.status_code == 200
    assert response.json()["kind"] == "school"


# --- services ---------------------------------------------------------------------


def test_a_service_in_the_list(catalogue):
    service = catalogue["depressie"]
    response = get("services", q="depressie")
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": service.pk,
                "name": "Behandeling van depressie",
                "organisation": {
                    "id": service.organisation_id,
                    "slug": "kompas",
                    "name": "Kompas Jeugdhulp",
                    "kind": "hoofdaanbieder",
                },
                "lot": {
                    "code": "behandeling-psychiatrie",
                    "name": "Behandeling psychiatrie (jeugd-GGZ)",
                },
                "age_min": 12,
                "age_max": 23,
                "problem_areas": [
                    {"slug": "angst", "name": "Angst"},
                    {"slug": "depressie", "name": "Depressie"},
                ],
                "forms": [
                    {"slug": "ambulant", "name": "Ambulant"},
                    {"slug": "online", "name": "Online"},
                ],
                "districts": [{"slug": "almere-stad", "name": "Almere Stad"}],
                "product_category": {"code": "54", "name": "Jeugd-ggz"},
                "capacity": {
                    "status": "closed",
                    "intake_wait_weeks": None,
                    "treatment_wait_weeks": None,
                    "total_wait_weeks": None,
                    "free_places": None,
                    "note": "",
                    "updated_at": timestamp(service.capacity.updated_at),
                    "stale": True,
                    "within_norms": {"intake": None, "treatment": None, "total": None},
                },
                "url": f"http://testserver/aanbod/{service.pk}",
            }
        ],
    }


def test_services_hide_inactive_ones_and_those_of_inactive_providers(catalogue):
    names = {s["name"] for s in get("services", pageSize=100).json()["results"]}
    assert names == {
        "Training tegen angsten",
        "Autisme begeleiding thuis",
        "Behandeling van depressie",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"lot": "behandeling-psychiatrie"}, ["depressie"]),
        ({"lot": ["behandeling-psychiatrie", "begeleiding"]}, "all"),
        ({"age": "5"}, ["autisme"]),
        ({"district": "almere-buiten"}, ["autisme"]),
        ({"problem": "opvoeding"}, ["autisme"]),
        ({"form": ["online", "groep"]}, ["depressie", "angst"]),
        ({"accepting": "true"}, ["angst"]),
        ({"accepting": "false"}, "all"),
        ({"maxWaitWeeks": "5"}, ["angst"]),
        ({"ordering": "wait"}, ["angst", "autisme", "depressie"]),
        ({"ordering": "-updated"}, ["angst", "autisme", "depressie"]),
        ({"q": "autisme", "district": "almere-haven", "age": "10"}, ["autisme"]),
    ],
)
def test_service_filters_work_as_on_the_search_page(catalogue, params, expected):
    if expected == "all":
        expected = ["autisme", "depressie", "angst"]  # by name
    by_id = {service.pk: key for key, service in catalogue.items()}
    results = get("services", **params).json()["results"]
    assert [by_id[s["id"]] for s in results] == expected


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"lot": "bestaat-niet"}, ["lot"]),
        ({"lot": ["begeleiding", ""]}, ["lot"]),
        (
            {"district": "atlantis", "problem": "x", "form": "y"},
            ["district", "problem", "form"],
        ),
        ({"age": "24"}, ["age"]),
        ({"age": "-1"}, ["age"]),
        ({"age": "acht"}, ["age"]),
        ({"maxWaitWeeks": "261"}, ["maxWaitWeeks"]),
        ({"accepting": "ja"}, ["accepting"]),
        ({"ordering": "name"}, ["ordering"]),
        ({"ordering": "updated"}, ["ordering"]),
        ({"q": "x" * 201}, ["q"]),
    ],
)
def test_a_bad_service_filter_is_400_naming_each_parameter(catalogue, params, names):
    problem = assert_problem(get("services", **params), 400, *names)
    assert problem["code"] == "invalid"


def test_the_service_list_runs_a_fixed_number_of_queries(
    provider_org, perceel, django_assert_num_queries
):
    # reference values, counts (not cached yet), page; the problem areas,
    # forms and stadsdelen are the bit sets stored on each service
    factories.ServiceFactory(organisation=provider_org, perceel=perceel)
    with django_assert_num_queries(3):
        assert get("services").json()["count"] == 1
    for _ in range(12):
        factories.ServiceFactory(organisation=provider_org, perceel=perceel)
    with django_assert_num_queries(3):
        assert len(get("services", pageSize=100).json()["results"]) == 13


def test_a_repeated_service_list_takes_its_count_from_the_cache(
    provider_org, perceel, django_assert_num_queries
):
    for _ in range(100):
        factories.ServiceFactory(organisation=provider_org, perceel=perceel)
    assert get("services", pageSize=100, page=1).json()["count"] == 100
    # the page alone: the reference values are kept under the catalogue
    # version, the total comes from the search's cached counts (no COUNT(*) of
    # every matching service), the terms from the bit sets stored on each
    # service (no prefetches)
    with django_assert_num_queries(1):
        body = get("services", pageSize=100).json()
    assert (body["count"], len(body["results"])) == (100, 100)


@pytest.fixture
def fourteen(provider_org):
    """Fourteen public services with "angst" in the name, waits 0-13 weeks."""
    made = [
        make_service(
            provider_org,
            "begeleiding",
            f"Angst hulp {n:02d}",
            capacity={"intake_wait_weeks": (n * 5) % 14, "treatment_wait_weeks": 0},
        )
        for n in range(14)
    ]
    service_refresh_search(services=made)
    return made


@pytest.mark.parametrize(
    "params",
    [
        {"pageSize": 100},
        {"pageSize": 5, "page": 3},
        {"q": "angst", "pageSize": 4, "page": 2},
        {"ordering": "wait", "pageSize": 6, "page": 2},
    ],
)
def test_a_repeated_page_reads_its_cached_ids_and_answers_the_same(
    fourteen, params, django_assert_num_queries
):
    """A page's ids in search order are cached (shared with /zoeken); the next
    request reads those rows by key alone (one query) and answers the same
    body. A catalogue write is seen at once."""
    first = get("services", **params).json()
    with django_assert_num_queries(1):
        again = get("services", **params).json()
    assert again == first
    assert first["results"]

    renamed = Service.objects.get(pk=first["results"][-1]["id"])
    renamed.name = f"{renamed.name} (nieuw)"
    renamed.save()  # a catalogue write: a new version, the cached ids unread
    after = get("services", **params).json()
    names = {line["id"]: line["name"] for line in after["results"]}
    assert names[renamed.pk] == renamed.name
    assert after["count"] == first["count"]


def test_a_capacity_write_reorders_a_cached_page_sorted_by_waiting_time(fourteen):
    params = {"ordering": "wait", "pageSize": 100}
    first = [line["id"] for line in get("services", **params).json()["results"]]
    last = Service.objects.get(pk=first[-1])
    capacity_update(
        capacity=last.capacity,
        actor=None,
        data={"intake_wait_weeks": 0, "treatment_wait_weeks": 0},
    )
    again = [line["id"] for line in get("services", **params).json()["results"]]
    # Now waiting 0 weeks, as the first one: second, by name.
    assert again[:2] == [first[0], last.pk] != first[:2]


def test_a_list_line_is_what_the_declared_fields_give(catalogue, rf):
    """The list builds its lines directly, the terms from the bit sets stored
    on each service; they equal DRF's generic output of the declared fields
    (the OpenAPI contract, the terms from their tables) for every service."""
    from rest_framework import serializers as drf

    from registry.api import selectors as api_selectors
    from registry.api.serializers import ServiceSerializer

    request = rf.get("/api/v1/services")
    filters, reference = api_filters.service_filters(request.GET)
    services = list(api_selectors.service_list(filters=filters))
    assert len(services) == 3
    for service in services:
        context = {"request": request, "reference": reference}
        serializer = ServiceSerializer(context=context)
        fast = serializer.to_representation(service)
        generic = drf.Serializer.to_representation(serializer, service)
        assert fast == generic


@pytest.mark.parametrize("ordering", ["relevance", "wait", "-updated"])
def test_a_list_line_from_values_is_the_line_of_the_model(catalogue, rf, ordering):
    """The list reads plain rows (``service_lines``), not model instances: the
    same services in the same order give the same lines as the models, with
    a stale capacity, a missing one and none at all among them."""
    from registry.api import selectors as api_selectors
    from registry.api.serializers import ServiceSerializer

    stale = Service.objects.filter(capacity__isnull=False).first()
    Capacity.objects.filter(service=stale).update(
        updated_at=timezone.now() - timedelta(days=400), free_places=3
    )
    Capacity.objects.filter(
        service=Service.objects.exclude(pk=stale.pk).filter(capacity__isnull=False)[0]
    ).delete()
    request = rf.get("/api/v1/services", {"ordering": ordering})
    filters, reference = api_filters.service_filters(request.GET)
    models = list(api_selectors.service_list(filters=filters))
    rows = list(api_selectors.service_lines(filters=filters))
    assert [row["id"] for row in rows] == [service.pk for service in models]
    context = {"request": request, "reference": reference}
    from_models = ServiceSerializer(models, many=True, context=context).data
    lines = [api_selectors.line_row(row) for row in rows]
    from_rows = ServiceSerializer(lines, many=True, context=context).data
    assert from_rows == from_models
    assert {line["capacity"] is None for line in from_rows} == {True, False}
    assert True in {(line["capacity"] or {}).get("stale") for line in from_rows}


def test_the_service_list_is_paginated(provider_org, perceel):
    for _ in range(25):
        factories.ServiceFactory(organisation=provider_org, perceel=perceel)
    first = get("services").json()
    assert (first["count"], len(first["results"])) == (25, 20)
    second = APIClient().get(first["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert_problem(get("services", page=3), 404)


def test_a_service_in_full(provider_org, subcontractor_org, perceel):
    service = factories.ServiceFactory(
        organisation=subcontractor_org,
        perceel=perceel,
        name="Gezinsbegeleiding",
        description="Thuis en op school.",
        how_to_refer="Bel de intakelijn.",
        intake_phone="036 123 45 67",
        intake_email="intake@example.org",
        capacity__status="waitlist",
        capacity__intake_wait_weeks=6,
        capacity__treatment_wait_weeks=8,
        capacity__free_places=0,
    )
    location = factories.LocationFactory(organisation=subcontractor_org, phone="")
    service.locations.add(location)
    response = get(f"services/{service.pk}")
    assert response.status_code == 200
    assert response.json() == {
        "id": service.pk,
        "name": "Gezinsbegeleiding",
        "organisation": {
            "id": subcontractor_org.pk,
            "slug": subcontractor_org.slug,
            "name": subcontractor_org.name,
            "kind": "onderaannemer",
        },
        "lot": {"code": "begeleiding", "name": "Begeleiding"},
        "age_min": 4,
        "age_max": 17,
        "problem_areas": [],
        "forms": [],
        "districts": [],
        "product_category": {"code": "45", "name": "Jeugdhulp ambulant"},
        "capacity": {
            "status": "waitlist",
            "intake_wait_weeks": 6,
            "treatment_wait_weeks": 8,
            "total_wait_weeks": 14,
            "free_places": 0,
            "note": "",
            "updated_at": timestamp(service.capacity.updated_at),
            "stale": False,
            "within_norms": {"intake": False, "treatment": True, "total": True},
        },
        "url": f"http://testserver/aanbod/{service.pk}",
        "description": "Thuis en op school.",
        "how_to_refer": "Bel de intakelijn.",
        "intake": {"phone": "036 123 45 67", "email": "intake@example.org"},
        "locations": [
            {
                "id": location.pk,
                "name": location.name,
                "is_main": False,
                "address": "Stadhuisplein 1",
                "street": "Stadhuisplein",
                "house_number": 1,
                "house_letter": "",
                "house_number_addition": "",
                "postcode": "1315 HR",
                "city": "Almere",
                "district": {"slug": "almere-stad", "name": "Almere Stad"},
                "phone": "",
                "latitude": None,
                "longitude": None,
            }
        ],
        "main_contractors": [
            {
                "id": provider_org.pk,
                "slug": provider_org.slug,
                "name": provider_org.name,
            }
        ],
        "norm_weeks": {"intake": 4, "treatment": 10, "total": 14},
    }


def test_a_service_detail_runs_a_fixed_number_of_queries(
    service, django_assert_num_queries
):
    with django_assert_num_queries(6):  # selectors.service_get_public_document
        assert get(f"services/{service.pk}").status_code == 200


def test_an_inactive_or_unknown_service_is_not_found(service, provider_org):
    assert_problem(get("services/999999"), 404)
    Service.objects.filter(pk=service.pk).update(active=False)
    assert_problem(get(f"services/{service.pk}"), 404)
    Service.objects.filter(pk=service.pk).update(active=True)
    Organisation.objects.filter(pk=provider_org.pk).update(active=False)
    assert_problem(get(f"services/{service.pk}"), 404)


def test_a_huge_id_is_not_found_rather_than_an_error():
    assert_problem(get(f"services/{2**70}"), 404)


def test_catalogue_reads_need_no_token_but_a_bad_token_is_refused(service):
    assert APIClient().get(f"{API}/services/{service.pk}").status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token skj_not-a-real-key")
    assert_problem(client.get(f"{API}/services"), 401)


def test_catalogue_endpoints_are_read_only(service):
    client = token_client(service.organisation)
    for path in ("lots", "organisations", "services", f"services/{service.pk}"):
        assert_problem(client.post(f"{API}/{path}", {}, format="json"), 405)


# --- the same results as /zoeken --------------------------------------------------


SEARCHES = [
    ("", ""),
    ("q=angst", "q=angst"),
    ("lot=begeleiding&age=10", "perceel=begeleiding&leeftijd=10"),
    (
        "district=almere-haven&district=almere-poort&ordering=wait",
        "stadsdeel=almere-haven&stadsdeel=almere-poort&sorteer=wachttijd",
    ),
    ("problem=angst&form=groep&accepting=true", "probleem=angst&vorm=groep&plek=ja"),
    ("maxWaitWeeks=8&ordering=-updated", "wachttijd=8&sorteer=bijgewerkt"),
    ("q=begeleiding thuis&age=12", "q=begeleiding thuis&leeftijd=12"),
]


@pytest.mark.usefixtures("seeded_demo")
class TestTheSameResultsAsTheSearchPage:
    @pytest.mark.parametrize(("api", "page"), SEARCHES)
    def test_services_give_the_results_of_the_search_page_in_its_order(self, api, page):
        expected = selectors.search_run(QueryDict(page))
        body = APIClient().get(f"{API}/services?{api}&pageSize=20").json()
        assert body["count"] == expected.pagination.count > 0
        assert [s["id"] for s in body["results"]] == [s.pk for s in expected.services]


def test_a_within_norms_badge_is_unknown_without_a_figure():
    capacity = Capacity(intake_wait_weeks=5, treatment_wait_weeks=None)
    assert within_norms(capacity) == {"intake": False, "treatment": None, "total": True}
