"""The search's facet counts are cached per normalised search under the
catalogue version: a catalogue write shows in the counts at once, and searches
that differ only in spelling, parameter order or page share one entry."""

from io import StringIO

from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

import pytest

from registry import catalogue_version, search, selectors, services
from registry.models import District, ProblemArea
from tests.registry.search_data import build_catalogue, ref
from tests.registry.test_import_catalogue import (  # noqa: F401 - a fixture
    files,
    run_import,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return build_catalogue()


def run(query: str = "") -> search.SearchResult:
    return selectors.search_run(QueryDict(query))


def counted(query: str) -> tuple[search.SearchResult, bool]:
    """The search and whether it counted (a pass over the matches, or sets of
    service ids) rather than read its counts from the cache."""
    with CaptureQueriesContext(connection) as ctx:
        result = run(query)
    return result, any(
        "count(*)" in q["sql"].lower() or ">> 6" in q["sql"]
        for q in ctx.captured_queries
    )


def option_count(result, param: str, slug: str) -> int:
    facet = next(f for f in result.facets if f.param == param)
    return next(o.count for o in facet.options if o.slug == slug)


def test_a_repeated_search_reads_its_counts_from_the_cache(catalogue):
    first, ran = counted("stadsdeel=almere-haven")
    assert ran
    again, ran_again = counted("stadsdeel=almere-haven")
    assert not ran_again
    assert again.pagination.count == first.pagination.count == 2
    assert again.facets == first.facets


@pytest.mark.parametrize(
    "equivalent",
    [
        "leeftijd=10&q=angst&stadsdeel=almere-haven",  # other parameter order
        "q=%20%20ANGST%20&stadsdeel=almere-haven&leeftijd=10",  # case, spaces
        "q=angst&leeftijd=10&stadsdeel=almere-haven&pagina=2",  # another page
        "q=angst&leeftijd=10&stadsdeel=almere-haven&sorteer=wachttijd",  # order
    ],
)
def test_equivalent_searches_share_one_entry(catalogue, equivalent):
    first, ran = counted("q=angst&leeftijd=10&stadsdeel=almere-haven")
    assert ran
    second, ran_again = counted(equivalent)
    assert not ran_again
    assert second.pagination.count == first.pagination.count


@pytest.mark.parametrize(
    "other",
    [
        "q=angst&leeftijd=5&stadsdeel=almere-haven",
        "q=autisme&leeftijd=10&stadsdeel=almere-haven",
        "q=angst&leeftijd=10&stadsdeel=almere-stad",
        "q=angst&leeftijd=10&stadsdeel=almere-haven&plek=1",
        "q=angst&leeftijd=10&stadsdeel=almere-haven&wachttijd=4",
    ],
)
def test_a_different_search_gets_its_own_counts(catalogue, other):
    counted("q=angst&leeftijd=10&stadsdeel=almere-haven")
    _result, ran = counted(other)
    assert ran


def test_a_capacity_change_shows_in_the_counts_at_once(catalogue):
    assert run().open_count == 1
    services.capacity_update(
        capacity=catalogue["autisme"].capacity,
        actor=None,
        data={"status": "open", "free_places": 2},
    )
    assert run().open_count == 2
    assert run("plek=1").pagination.count == 2


def test_a_deactivated_organisation_leaves_the_counts_at_once(catalogue):
    assert run().pagination.count == 3
    organisation = catalogue["autisme"].organisation
    organisation.active = False
    organisation.save()
    assert run().pagination.count == 2


def test_a_new_link_shows_in_the_facet_counts_at_once(catalogue):
    assert option_count(run(), "stadsdeel", "almere-stad") == 1
    catalogue["angst"].districts.add(ref(District, "almere-stad"))
    services.service_refresh_search(services=[catalogue["angst"]])
    assert option_count(run(), "stadsdeel", "almere-stad") == 2


def test_a_bulk_path_bumps_the_version(catalogue):
    """Bulk writes (import, generated data, facet-term deletion) end in the
    search refresh, which bypasses the signals and bumps the version itself."""
    assert option_count(run(), "probleem", "angst") == 2
    version = catalogue_version.catalogue_version()
    services.facet_terms_delete(terms=[ref(ProblemArea, "angst")])
    assert catalogue_version.catalogue_version() != version
    facet = next(f for f in run().facets if f.param == "probleem")
    assert "angst" not in [o.slug for o in facet.options]


def test_an_import_shows_in_the_counts_at_once(files):  # noqa: F811
    """The importer writes organisations, locations and links in bulk (no
    signals) and bumps the version itself."""
    before = run().pagination.count
    run_import(*files)
    assert run().pagination.count == before + 3


def test_a_lost_version_starts_a_new_one(catalogue):
    counted("stadsdeel=almere-haven")
    cache.delete(catalogue_version.CACHE_KEY)
    _result, ran = counted("stadsdeel=almere-haven")
    assert ran


def test_the_cache_can_be_turned_off(catalogue, settings):
    settings.SEARCH_COUNTS_CACHE_SECONDS = 0
    counted("stadsdeel=almere-haven")
    _result, ran = counted("stadsdeel=almere-haven")
    assert ran


def test_warming_caches_the_empty_and_single_filter_searches(catalogue):
    out = StringIO()
    call_command("warm_search_counts", stdout=out)
    assert "zoekopdrachten geteld" in out.getvalue()
    for query in ("", "plek=1", "stadsdeel=almere-haven", "perceel=begeleiding"):
        _result, ran = counted(query)
        assert not ran, query
    # A search not warmed is counted at its first visit: here from the id sets
    # the warming left (the services with room, the options), with no query.
    query = "stadsdeel=almere-haven&plek=1"
    reference = selectors.search_reference()
    filters, _errors = search.parse_params(QueryDict(query), reference)
    version = catalogue_version.catalogue_versions().capacity
    key = selectors.facet_counts_key(filters, reference, version)
    assert cache.get(key) is None
    result, ran = counted(query)
    assert not ran
    assert cache.get(key) is not None
    assert result.pagination.count == selectors._filtered_services(filters).count()  # noqa: SLF001


def test_many_writes_in_one_transaction_bump_after_commit_once(catalogue):
    for service in catalogue.values():
        services.capacity_update(
            capacity=service.capacity, actor=None, data={"note": "Bijgewerkt"}
        )
    # The test's transaction holds every write of the catalogue fixture too.
    pending = [
        entry
        for entry in connection.run_on_commit
        if entry[1] is catalogue_version._set_new_version  # noqa: SLF001
    ]
    assert len(pending) == 1


def test_a_batch_of_writes_bumps_once_at_its_end(catalogue, monkeypatch):
    bumps = []
    monkeypatch.setattr(catalogue_version, "_set_new_version", lambda: bumps.append(1))
    with catalogue_version.catalogue_writes_batched():
        for service in catalogue.values():
            services.capacity_update(
                capacity=service.capacity, actor=None, data={"note": "Bijgewerkt"}
            )
        assert bumps == []
    assert bumps == [1]


def ranked(query: str) -> tuple[list[str], bool]:
    """The page's service names and whether it ranked the matches (or read the
    page's ids from the cache)."""
    with CaptureQueriesContext(connection) as ctx:
        result = run(query)
    ranked_now = any(
        "limit" in q["sql"].lower() and "registry_service" in q["sql"]
        for q in ctx.captured_queries
    )
    return [s.name for s in result.services], ranked_now


def test_a_repeated_text_search_reads_its_page_from_the_cache(catalogue):
    first, ranked_first = ranked("q=angst")
    again, ranked_again = ranked("q=angst")
    assert ranked_first and not ranked_again
    assert again == first
    assert first[0] == "Training tegen angsten"
    other_page, ranked_other = ranked("q=angst&sorteer=wachttijd")
    assert ranked_other  # another order is another entry


def test_a_catalogue_write_shows_in_the_cached_page_at_once(catalogue):
    assert ranked("sorteer=wachttijd")[0][0] == "Training tegen angsten"
    services.capacity_update(
        capacity=catalogue["angst"].capacity,
        actor=None,
        data={"status": "waitlist", "intake_wait_weeks": 30, "free_places": 0},
    )
    names, ranked_again = ranked("sorteer=wachttijd")
    assert ranked_again
    assert names[0] != "Training tegen angsten"
