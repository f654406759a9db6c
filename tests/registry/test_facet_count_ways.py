"""The facet counts, every way they are computed: one GROUPING SETS pass
whose bit sets are added up in Python (PostgreSQL, a search without chosen
groups), a filtered aggregate per option (SQLite, and PostgreSQL with chosen
groups), and intersections of id sets (once the option sets are built). Each
is checked against the plain ORM count of every option: the services matching
every other chosen group, and that option."""

from io import StringIO

from django.core.management import call_command
from django.db.models import F
from django.http import QueryDict

import pytest

from registry import search, selectors
from registry.models import Service

pytestmark = pytest.mark.django_db

MIXES = [
    "",
    "q=angst",
    "q=gezin+begeleiding",
    "q=zzzzqqq",
    "perceel=begeleiding&leeftijd=10",
    "stadsdeel=almere-haven&probleem=angst&plek=1",
    "stadsdeel=almere-stad&stadsdeel=almere-buiten&probleem=gedrag&probleem=adhd",
    "wachttijd=10",
    "plek=1",
    "q=kind&vorm=ambulant&perceel=behandeling-psychiatrie",
]


@pytest.fixture
def catalogue():
    call_command(
        "generate_scale_data",
        organisations=40,
        services=200,
        locations=40,
        seed=11,
        referrals=0,
        stdout=StringIO(),
    )


def _filters(query: str):
    reference = selectors.search_reference()
    filters, errors = search.parse_params(QueryDict(query), reference)
    assert errors == []
    return selectors.search_prepare(filters, reference), reference


def _expected(filters, reference) -> dict:
    """Every count with the ORM: one COUNT per option."""
    matching = selectors._filtered_services

    def bits(group, option):
        field = selectors._BIT_FIELDS[group]
        slot = 1 << int(option.slot)
        return (
            matching(filters, skip=group)
            .annotate(chosen=F(field).bitand(slot))
            .filter(chosen__gt=0)
            .count()
        )

    counts = {
        "total": matching(filters).count(),
        "open": matching(filters, skip="room").filter(search_open=True).count(),
        "perceel": {
            o.id: matching(filters, skip="perceel").filter(perceel_id=o.id).count()
            for o in reference["perceel"]
        },
    }
    for group in selectors._BIT_FIELDS:
        counts[group] = {o.id: bits(group, o) for o in reference[group]}
    return counts


@pytest.mark.parametrize("query", MIXES)
def test_the_counts_are_those_of_the_orm(catalogue, query):
    filters, reference = _filters(query)
    expected = _expected(filters, reference)
    assert selectors._facet_counts_uncached(filters, reference) == expected
    source, params = selectors._facet_source(filters)
    assert (
        selectors._facet_counts_filtered(filters, reference, source, params) == expected
    )


# Words, age and waiting time only: what the grouped pass counts.
UNGROUPED = ["", "q=angst", "q=gezin+begeleiding", "q=zzzzqqq", "wachttijd=10"]


@pytest.mark.postgres
@pytest.mark.parametrize("query", UNGROUPED)
def test_on_postgresql_the_grouped_pass_gives_the_same(catalogue, query):
    filters, reference = _filters(query)
    assert not selectors._facet_sql_conditions(filters)
    source, params = selectors._facet_source(filters)
    grouped = selectors._facet_counts_grouped(reference, source, params)
    assert grouped == _expected(filters, reference)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "grouped"), [("q=angst&leeftijd=12", True), ("plek=1", False)]
)
def test_on_postgresql_a_search_with_chosen_groups_is_counted_filtered(
    catalogue, query, grouped
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    filters, reference = _filters(query)
    with CaptureQueriesContext(connection) as queries:
        selectors._facet_counts_uncached(filters, reference)
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert ("GROUPING SETS" in sql) is grouped
    assert ("FILTER (WHERE" in sql) is not grouped


def test_the_catalogue_has_what_the_mixes_count(catalogue):
    """The mixes are not all empty: the generated services spread over
    every facet, some have room and some match the words."""
    filters, reference = _filters("")
    counts = _expected(filters, reference)
    assert counts["total"] == Service.objects.filter(active=True).count() > 100
    assert 0 < counts["open"] < counts["total"]
    for group in ("perceel", *selectors._BIT_FIELDS):
        assert sum(1 for n in counts[group].values() if n) >= 2, (group, counts[group])
    assert _expected(*_filters("q=angst"))["total"] > 0


# Every mix, and more searches that read capacity figures (room, waiting
# time), counted from id sets.
FROM_SETS = MIXES + [
    "plek=1&perceel=begeleiding&perceel=behandeling-psychiatrie&leeftijd=12",
    "wachttijd=4&stadsdeel=almere-haven&vorm=ambulant",
    "q=angst&plek=1&wachttijd=20",
    "q=zzzzqqq&plek=1",
]


def _from_sets(filters, reference):
    """The counts from id sets (``versions`` read now), and with them."""
    from registry.catalogue_version import catalogue_versions

    versions = catalogue_versions()
    return selectors._facet_counts_from_sets(filters, reference, versions), versions


@pytest.mark.parametrize("query", FROM_SETS)
def test_the_counts_from_id_sets_are_those_of_the_orm(catalogue, query):
    filters, reference = _filters(query)
    # The first time under a catalogue version the option sets are not built:
    # the search is counted by a pass.
    assert _from_sets(filters, reference)[0] is None
    counts, versions = _from_sets(filters, reference)
    assert counts == _expected(filters, reference)
    # Again from the sets kept in the process, and from the cache alone.
    assert selectors._facet_counts_from_sets(filters, reference, versions) == counts
    selectors._option_sets_memo.clear()
    assert selectors._facet_counts_from_sets(filters, reference, versions) == counts


WITH_INACTIVE = [
    "",
    "plek=1",
    "wachttijd=10&leeftijd=12",
    "q=kind&plek=1",
    "lat=52.37&lon=5.22&straal=10",
    "lat=52.37&lon=5.22&straal=10&plek=1&perceel=begeleiding",
]


@pytest.mark.parametrize("query", WITH_INACTIVE)
def test_the_counts_from_id_sets_leave_out_what_is_not_public(catalogue, query):
    """Inactive services and the services of an inactive organisation are in
    no count, whichever set they are in (with room, within a wait, an option)."""
    from registry.models import Organisation

    for service in Service.objects.order_by("pk")[::7]:
        Service.objects.filter(pk=service.pk).update(active=False)
    organisation = Organisation.objects.filter(services__search_open=True).first()
    Organisation.objects.filter(pk=organisation.pk).update(active=False)
    filters, reference = _filters(query)
    filters = selectors.search_locate(filters, [])
    _from_sets(filters, reference)  # asks for the option sets once
    assert _from_sets(filters, reference)[0] == _expected(filters, reference)
