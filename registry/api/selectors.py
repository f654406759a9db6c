"""Read paths of the catalogue API, built on ``registry.selectors``.

Everything here is public catalogue data: active organisations and services,
reference values. Each list runs a fixed number of queries whatever its length.
"""

from types import SimpleNamespace

from django.db.models import Prefetch, QuerySet

from registry import selectors
from registry.models import (
    Capacity,
    Contract,
    DeliveryForm,
    District,
    Organisation,
    Perceel,
    ProblemArea,
    Service,
    Subcontract,
)

PUBLIC_KINDS = tuple(Organisation.PROVIDER_KINDS)
# Logged-in users and tokens also see schools: a referral names its follower
# school by id. Referrers and the municipality are never listed.
MEMBER_KINDS = (*PUBLIC_KINDS, Organisation.Kind.SCHOOL)


def visible_kinds(actor) -> tuple[str, ...]:
    return MEMBER_KINDS if getattr(actor, "is_authenticated", False) else PUBLIC_KINDS


def perceel_list() -> QuerySet[Perceel]:
    return selectors.perceel_list()


def perceel_get(*, code: str) -> Perceel:
    """An active perceel with the active hoofdaanbieders that hold it (2 queries).
    Raises ``Perceel.DoesNotExist``."""
    holders = Contract.objects.filter(organisation__active=True).select_related(
        "organisation"
    )
    return (
        selectors.perceel_list()
        .prefetch_related(
            Prefetch("contracts", queryset=holders.order_by("organisation__name", "pk"))
        )
        .get(code=code)
    )


def district_list() -> QuerySet[District]:
    return District.objects.all()


def problem_area_list() -> QuerySet[ProblemArea]:
    return ProblemArea.objects.all()


def form_list() -> QuerySet[DeliveryForm]:
    return DeliveryForm.objects.all()


def organisation_list(*, actor) -> QuerySet[Organisation]:
    """Active organisations of the kinds ``actor`` may list, by name, with the
    percelen each holds (3 queries per page: page, contracts, subcontracts)."""
    return (
        Organisation.objects.filter(kind__in=visible_kinds(actor), active=True)
        .prefetch_related(
            Prefetch("contracts", queryset=Contract.objects.select_related("perceel")),
            Prefetch(
                "subcontracts",
                queryset=Subcontract.objects.select_related("contract__perceel"),
            ),
        )
        .order_by("name", "pk")
    )


def organisation_get(*, actor, slug: str) -> Organisation:
    """What the organisation's public page shows (6 queries, see
    ``selectors.organisation_get_public``). Raises ``Organisation.DoesNotExist``,
    also for a kind ``actor`` may not see."""
    organisation = selectors.organisation_get_public(slug=slug)
    if organisation.kind not in visible_kinds(actor):
        raise Organisation.DoesNotExist
    return organisation


def service_list(*, filters, organisations=()) -> QuerySet[Service]:
    """The services of a search in the order of /zoeken (per page: the page;
    the count when not cached). Their problem areas, forms and stadsdelen are
    the bit sets stored on each service (see ``ServiceSerializer``), so no
    prefetches; ``organisations`` (ids) narrows them to those organisations'
    services."""
    qs = selectors.service_search(filters=filters).only(*LINE_FIELDS)
    if organisations:
        qs = qs.filter(organisation_id__in=organisations)
    return qs


def service_lines(*, filters, organisations=()) -> QuerySet:
    """``service_list`` as rows of the columns a result line shows (dicts; turn
    a page of them into lines with ``line_row``): no model instances, four per
    line, which cost more than the line's SQL."""
    qs = service_list(filters=filters, organisations=organisations)
    return qs.values(*_LINE_VALUES)


class SearchLines:
    """``service_lines`` of a search (no organisations narrowing) for the
    paginator: its length is the cached total of the search's counts (no
    COUNT(*) per page), and a page's ids in search order come from the cache
    /zoeken fills (``selectors.search_page_ids``), so only a page's first
    request orders the matches (for a text search: ranks every match); later
    ones read the page's rows by key alone."""

    ordered = True

    def __init__(self, lines: QuerySet, *, filters, total: int):
        self.lines, self.filters, self.total = lines, filters, total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, key: slice) -> list[dict]:
        offset = key.start or 0
        limit = (self.total if key.stop is None else key.stop) - offset
        cache_key, ids = selectors.search_page_ids(self.filters, offset, limit)
        if ids is None:
            rows = list(self.lines[key])
            if cache_key:
                selectors.search_page_ids_store(cache_key, [row["id"] for row in rows])
            return rows
        found = Service.objects.filter(pk__in=ids).values(*_LINE_VALUES)
        by_pk = {row["id"]: row for row in found}
        return [by_pk[pk] for pk in ids if pk in by_pk]


def line_row(row: dict) -> SimpleNamespace:
    """A ``service_lines`` row with the attributes ``ServiceSerializer`` reads
    of a service (its organisation, perceel and capacity alike)."""
    capacity = None
    if row["capacity__id"] is not None:
        capacity = SimpleNamespace(
            **{name: row[f"capacity__{name}"] for name in _CAPACITY_LINE}
        )
        capacity.total_wait_weeks = Capacity.total_wait_weeks.fget(capacity)
    return SimpleNamespace(
        pk=row["id"],
        name=row["name"],
        age_min=row["age_min"],
        age_max=row["age_max"],
        search_problem_bits=row["search_problem_bits"],
        search_form_bits=row["search_form_bits"],
        search_district_bits=row["search_district_bits"],
        organisation=SimpleNamespace(
            pk=row["organisation_id"],
            slug=row["organisation__slug"],
            name=row["organisation__name"],
            kind=row["organisation__kind"],
        ),
        perceel=SimpleNamespace(code=row["perceel__code"], name=row["perceel__name"]),
        capacity=capacity,
    )


_CAPACITY_LINE = (
    "status",
    "intake_wait_weeks",
    "treatment_wait_weeks",
    "free_places",
    "note",
    "updated_at",
)
_LINE_VALUES = (
    "id",
    "name",
    "age_min",
    "age_max",
    "search_problem_bits",
    "search_form_bits",
    "search_district_bits",
    "organisation_id",
    "organisation__slug",
    "organisation__name",
    "organisation__kind",
    "perceel__code",
    "perceel__name",
    "capacity__id",
    *(f"capacity__{name}" for name in _CAPACITY_LINE),
)
# The columns a result line shows (``ServiceSerializer``): a list reads and
# loads no others (each timestamp costs a parse per row).
LINE_FIELDS = (
    "id",
    "name",
    "age_min",
    "age_max",
    "search_problem_bits",
    "search_form_bits",
    "search_district_bits",
    "organisation__id",
    "organisation__slug",
    "organisation__name",
    "organisation__kind",
    "perceel__id",
    "perceel__code",
    "perceel__name",
    "capacity__id",
    "capacity__service",
    "capacity__status",
    "capacity__intake_wait_weeks",
    "capacity__treatment_wait_weeks",
    "capacity__free_places",
    "capacity__note",
    "capacity__updated_at",
)


def service_list_count(*, filters, reference) -> int:
    """How many services ``service_list`` holds (no organisations narrowing):
    the total of the search's facet counts, cached per normalised search."""
    return selectors.facet_counts(filters=filters, reference=reference)["total"]


def service_get(*, pk: int) -> Service:
    """An active service of an active organisation, as its page shows it (6
    queries). Raises ``Service.DoesNotExist``."""
    return selectors.service_get_public_document(pk=pk)


def service_get_for_editor(*, actor, pk: int) -> Service:
    """A service ``actor`` may edit (also an inactive one), with what the service
    document shows. Raises ``Service.DoesNotExist``."""
    return selectors.with_service_page_relations(
        selectors.service_list_for_editor(actor=actor)
    ).get(pk=pk)
