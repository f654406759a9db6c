"""Capacity writes (status, free places, waits, "nog actueel") replace only the
capacity version: a search's next request shows the new figures, while the
counts and pages that read no capacity figure stay cached."""

from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest
from rest_framework.test import APIClient

from registry import catalogue_version, selectors, services
from registry.models import Service
from tests import factories
from tests.registry.search_data import build_catalogue
from tests.registry.test_provider_pages import _capacity_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return build_catalogue()


def searched(query: str = ""):
    """The search and the SQL of its queries."""
    with CaptureQueriesContext(connection) as ctx:
        result = selectors.search_run(QueryDict(query))
    return result, [q["sql"].upper() for q in ctx.captured_queries]


def _is_facet_pass(sql: str) -> bool:
    # One FILTER aggregate per option (SQLite), one GROUPING SETS pass (PostgreSQL).
    return "FILTER (WHERE" in sql or "GROUPING SETS" in sql


def facet_pass(queries) -> bool:
    """Whether the search counted every facet."""
    return any(_is_facet_pass(sql) for sql in queries)


def open_recount(queries) -> bool:
    return any("COUNT(*)" in sql and not _is_facet_pass(sql) for sql in queries)


def id_sets(queries) -> int:
    """How many sets of service ids the search read (its own matches, the
    services with room), not counting the option sets' pass."""
    return sum(">> 6" in sql and not option_pass([sql]) for sql in queries)


def option_pass(queries) -> bool:
    """Whether the search built the option sets (one pass over every service)."""
    return any(">> 6" in sql and "CASE WHEN" in sql for sql in queries)


def open_by_counting(query: str = "") -> int:
    """The open count as a plain count of the matching services with room."""
    reference = selectors.search_reference()
    filters, _errors = selectors.search.parse_params(QueryDict(query), reference)
    filters = selectors.search_prepare(filters, reference)
    matching = selectors._filtered_services(filters)  # noqa: SLF001
    return matching.filter(search_open=True).count()


def ranked(queries) -> bool:
    """Whether the search chose its page's ids (rather than reading them)."""
    return any("LIMIT" in sql and "REGISTRY_SERVICE" in sql for sql in queries)


def make_room(service):
    services.capacity_update(
        capacity=service.capacity,
        actor=None,
        data={"status": "open", "free_places": 2},
    )


def test_a_capacity_write_replaces_only_the_capacity_version(catalogue):
    before = catalogue_version.catalogue_versions()
    make_room(catalogue["autisme"])
    after = catalogue_version.catalogue_versions()
    assert after.catalogue == before.catalogue
    assert after.capacity != before.capacity


def test_a_catalogue_write_replaces_both_versions(catalogue):
    before = catalogue_version.catalogue_versions()
    service = catalogue["autisme"]
    service.name = "Autisme thuis"
    service.save()
    after = catalogue_version.catalogue_versions()
    assert after.catalogue != before.catalogue
    assert after.capacity != before.capacity


def test_after_a_capacity_write_only_the_open_count_is_counted_again(catalogue):
    first, queries = searched("stadsdeel=almere-haven")
    assert facet_pass(queries)
    assert first.open_count == 1
    make_room(catalogue["autisme"])
    again, queries = searched("stadsdeel=almere-haven")
    assert not facet_pass(queries) and not open_recount(queries)
    # The option sets (the second time this process asks under the catalogue
    # version), the search's own matches by words, age and place (read once)
    # and the services with room.
    assert option_pass(queries) and id_sets(queries) == 2
    assert again.open_count == 2
    assert again.facets == first.facets
    assert again.pagination.count == first.pagination.count == 2
    # And then the open count is cached too.
    _result, queries = searched("stadsdeel=almere-haven")
    assert not facet_pass(queries) and not open_recount(queries)
    assert id_sets(queries) == 0


def test_after_the_next_capacity_write_only_the_services_with_room_are_read(
    catalogue,
):
    haven, begeleiding = "stadsdeel=almere-haven", "perceel=begeleiding"
    searched(haven)
    searched(begeleiding)
    make_room(catalogue["autisme"])
    searched(haven)  # the option sets, its matches, the services with room
    services.capacity_update(
        capacity=catalogue["autisme"].capacity,
        actor=None,
        data={"status": "closed", "free_places": 0},
    )
    result, queries = searched(haven)
    assert id_sets(queries) == 1 and not open_recount(queries)
    assert not option_pass(queries) and not facet_pass(queries)
    assert result.open_count == 1 == open_by_counting(haven)
    # Another search after the same write, matching the same words, age and
    # place (none): nothing of its own to read.
    result, queries = searched(begeleiding)
    assert id_sets(queries) == 0 and not open_recount(queries)
    assert result.open_count == open_by_counting(begeleiding)
    # One with words reads its own matches once, at its first visit (its
    # counts are computed from the sets too).
    _result, queries = searched("q=angst")
    assert id_sets(queries) == 1 and not facet_pass(queries)
    make_room(catalogue["autisme"])
    # The first search after the write reads the services with room.
    for query, reads in (("q=angst", 1), (begeleiding, 0), (haven, 0), ("q=angst", 0)):
        result, queries = searched(query)
        assert id_sets(queries) == reads, query
        assert not facet_pass(queries) and not open_recount(queries), query
        assert result.open_count == open_by_counting(query), query


def test_searches_that_differ_in_words_age_or_wait_keep_their_own_sets(catalogue):
    """Under one catalogue and capacity version, each search's counts from id
    sets are its own: against the plain count, in any order."""
    queries = [
        "leeftijd=4",
        "leeftijd=16",
        "q=angst",
        "q=autisme",
        "wachttijd=1",
        "wachttijd=30",
        "leeftijd=16&wachttijd=30",
        "plek=1&leeftijd=4",
        "plek=1&leeftijd=16",
    ]
    for query in queries:
        searched(query)
    make_room(catalogue["autisme"])
    for query in [*queries, *reversed(queries)]:
        result, _queries = searched(query)
        reference = selectors.search_reference()
        filters, _errors = selectors.search.parse_params(QueryDict(query), reference)
        filters = selectors.search_prepare(filters, reference)
        matching = selectors._filtered_services(filters)  # noqa: SLF001
        assert result.pagination.count == matching.count(), query
        assert result.open_count == open_by_counting(query), query


@pytest.mark.parametrize(
    "query",
    ["", "q=angst", "perceel=begeleiding", "stadsdeel=almere-haven", "leeftijd=12"],
)
def test_the_open_count_from_id_sets_is_the_count_of_services_with_room(
    catalogue, query
):
    """Against a plain count, through writes that open and close services,
    a new service and a service made inactive (a catalogue write)."""
    searched(query)
    figures = [
        ("autisme", {"status": "open", "free_places": 2}),
        ("depressie", {"status": "open", "free_places": 1}),
        ("autisme", {"status": "closed", "free_places": 0}),
        ("depressie", {"status": "waitlist", "free_places": 0}),
    ]
    for name, data in figures:
        services.capacity_update(
            capacity=catalogue[name].capacity, actor=None, data=data
        )
        result, _queries = searched(query)
        assert result.open_count == open_by_counting(query), (query, name, data)
    catalogue["autisme"].active = False
    catalogue["autisme"].save()
    make_room(catalogue["depressie"])
    result, _queries = searched(query)
    assert result.open_count == open_by_counting(query)


def test_ids_too_large_for_an_id_set_are_counted(catalogue, monkeypatch):
    monkeypatch.setattr(selectors, "_ids_out_of_range", False)  # restored after
    searched("stadsdeel=almere-haven")
    monkeypatch.setattr(selectors, "_ID_BITS_MAX_WORDS", 0)
    make_room(catalogue["autisme"])
    result, queries = searched("stadsdeel=almere-haven")
    assert option_pass(queries) and open_recount(queries)
    assert result.open_count == 2 == open_by_counting("stadsdeel=almere-haven")
    # From then on this process builds no sets: it counts, as before.
    make_room(catalogue["depressie"])
    for query in ("stadsdeel=almere-haven", "plek=1", "q=angst"):
        result, queries = searched(query)
        assert id_sets(queries) == 0 and not option_pass(queries), query
        assert result.open_count == open_by_counting(query), query


def test_a_warm_search_reads_the_services_with_room_once_per_capacity_write(
    catalogue, django_assert_num_queries
):
    searched("stadsdeel=almere-haven")
    # Counts and page ids from the cache: the page's rows (1), their places (1).
    with django_assert_num_queries(2):
        selectors.search_run(QueryDict("stadsdeel=almere-haven"))
    make_room(catalogue["autisme"])
    # The same, and for the open count the id sets: the options' (once per
    # catalogue version), the search's matches (once), the services with room
    # (once per capacity write).
    with django_assert_num_queries(5):
        result = selectors.search_run(QueryDict("stadsdeel=almere-haven"))
    assert result.open_count == 2
    make_room(catalogue["depressie"])
    with django_assert_num_queries(3):
        result = selectors.search_run(QueryDict("stadsdeel=almere-haven"))
    assert result.open_count == 2


@pytest.mark.parametrize(
    ("query", "before", "after"),
    [("plek=1", 1, 2), ("wachttijd=10", 1, 2), ("plek=1&stadsdeel=almere-haven", 1, 2)],
)
def test_searches_filtering_on_capacity_are_counted_again(
    catalogue, query, before, after
):
    first, _queries = searched(query)
    assert first.pagination.count == before
    services.capacity_update(
        capacity=catalogue["autisme"].capacity,
        actor=None,
        data={
            "status": "open",
            "free_places": 2,
            "intake_wait_weeks": 1,
            "treatment_wait_weeks": 1,
        },
    )
    again, queries = searched(query)
    # Counted again from id sets: no pass over the matching services.
    assert not facet_pass(queries) and id_sets(queries) >= 1
    assert again.pagination.count == after
    assert "Autisme begeleiding thuis" in [s.name for s in again.services]


def test_a_text_search_keeps_its_ranked_page_after_a_capacity_write(catalogue):
    first, queries = searched("q=angst")
    assert ranked(queries)
    make_room(catalogue["autisme"])
    again, queries = searched("q=angst")
    assert not ranked(queries)
    assert [s.name for s in again.services] == [s.name for s in first.services]


@pytest.mark.parametrize("sort", ["wachttijd", "bijgewerkt"])
def test_a_page_sorted_by_capacity_is_chosen_again(catalogue, sort):
    _first, queries = searched(f"sorteer={sort}")
    assert ranked(queries)
    services.capacity_confirm_current(
        capacity=catalogue["depressie"].capacity, actor=None
    )
    again, queries = searched(f"sorteer={sort}")
    assert ranked(queries)
    if sort == "bijgewerkt":
        assert again.services[0].name == "Behandeling van depressie"


def test_a_capacity_patch_through_the_api_shows_in_the_next_search(catalogue):
    assert searched()[0].open_count == 1
    service = catalogue["autisme"]
    _token, key = services.api_token_create(
        organisation=service.organisation, actor=None, name="Planning"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.patch(
        reverse("registry-api:service-capacity", args=[service.pk]),
        {"status": "open", "free_places": 3},
        format="json",
        HTTP_IF_MATCH=f'"{service.capacity.pk}-{service.capacity.version}"',
    )
    assert response.status_code == 200, response.content
    result, queries = searched()
    assert result.open_count == 2
    assert not facet_pass(queries)
    assert searched("plek=1")[0].pagination.count == 2


def test_a_capacity_form_post_shows_in_the_next_search(client, catalogue):
    assert searched("plek=1")[0].pagination.count == 1
    assert searched()[0].open_count == 1
    service = catalogue["autisme"]
    client.force_login(
        factories.MembershipFactory(organisation=service.organisation).user
    )
    response = client.post(
        reverse("provider:capacity-update", args=[service.pk]),
        _capacity_post(service, status="open", intake_wait_weeks=1, free_places=2),
    )
    assert response.status_code == 302
    result, queries = searched()
    assert result.open_count == 2
    assert not facet_pass(queries)
    assert searched("plek=1")[0].pagination.count == 2


def test_a_lost_capacity_version_counts_open_again(catalogue):
    searched()
    cache.delete(catalogue_version.CAPACITY_CACHE_KEY)
    result, queries = searched()
    assert id_sets(queries) == 2 and not facet_pass(queries)
    assert result.open_count == 1


def test_warming_caches_the_open_counts_too(catalogue):
    selectors.facet_counts_warm()
    for query in ("", "stadsdeel=almere-haven", "plek=1"):
        _result, queries = searched(query)
        assert not facet_pass(queries) and not open_recount(queries), query


def warmed(**kwargs):
    """``facet_counts_warm``: how many it counted, and the SQL it ran."""
    with CaptureQueriesContext(connection) as ctx:
        counted = selectors.facet_counts_warm(**kwargs)
    return counted, [q["sql"].upper() for q in ctx.captured_queries]


def test_warming_again_counts_nothing_that_is_cached(catalogue):
    first, _queries = warmed()
    assert first > 10
    again, queries = warmed()
    assert again == 0
    assert not facet_pass(queries) and not open_recount(queries)
    # --all counts every one of them again.
    assert warmed(only_missing=False)[0] == first


def test_warming_after_a_capacity_write_counts_only_the_open_counts(catalogue):
    warmed()
    make_room(catalogue["autisme"])
    counted, queries = warmed()
    # The services with room are read once; each search's own ids once.
    assert counted > 0 and not open_recount(queries)
    assert sum("SEARCH_OPEN" in sql and ">> 6" in sql for sql in queries) == 1
    # Searches filtering on room are counted again from id sets, the others
    # only their open count: no pass over the matching services.
    assert not facet_pass(queries)
    result, queries = searched()
    assert not facet_pass(queries) and not open_recount(queries)
    assert (
        result.open_count
        == selectors._filtered_services(  # noqa: SLF001
            selectors.search.parse_params(QueryDict(""), selectors.search_reference())[
                0
            ]
        )
        .filter(search_open=True)
        .count()
    )


def test_warming_after_a_catalogue_write_counts_them_all_again(catalogue):
    first, _queries = warmed()
    service = catalogue["autisme"]
    service.name = "Autisme, nieuw"
    service.save()
    assert warmed()[0] == first


@pytest.mark.parametrize(
    "ids",
    [[], [1000], [1023, 1024], [1087, 1088, 1151, 4095, 4096], [1001, 1063, 1500]],
)
def test_an_id_set_holds_exactly_its_ids(ids):
    """Bit 63 of a word is the sign bit of the database's bigint: ids on
    either side of a word's edge come back as themselves."""
    organisation = factories.HoofdaanbiederFactory()
    for pk in ids:
        factories.ServiceFactory(pk=pk, organisation=organisation)
    bits = selectors._id_bits(  # noqa: SLF001
        Service.objects.filter(organisation=organisation)
    )
    as_int = selectors._unpacked(bits)  # noqa: SLF001
    assert {n for n in range(as_int.bit_length()) if as_int >> n & 1} == set(ids)


def test_option_sets_built_from_an_older_reference_do_not_hide_a_new_option(
    catalogue,
):
    """A request that read the reference before a write that added a perceel,
    and the versions after it, builds option sets without that perceel: a
    later search under the new reference must not use them (it would count
    the new perceel 0)."""
    from registry.models import Perceel

    old_reference = selectors.search_reference()
    new = Perceel.objects.create(code="nieuw", name="Nieuw perceel", position=9)
    service = catalogue["autisme"]
    service.perceel = new
    service.save()
    versions = catalogue_version.catalogue_versions()
    filters, _errors = selectors.search.parse_params(QueryDict(""), old_reference)
    for _ in range(2):  # the second time builds the option sets
        selectors._facet_counts_from_sets(filters, old_reference, versions)  # noqa: SLF001
    for _ in range(2):
        result, _queries = searched("perceel=nieuw")
    assert result.pagination.count == 1
    facet = next(f for f in result.facets if f.param == "perceel")
    assert next(o.count for o in facet.options if o.slug == "nieuw") == 1
