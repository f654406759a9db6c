"""Read paths of the social map: QuerySets scoped for their caller."""

import hashlib
import json
import math
import operator
import struct
import zlib
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import timedelta
from functools import lru_cache, reduce
from typing import NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    PositiveSmallIntegerField,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.lookups import GreaterThan
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import cards, geo, pdok, permissions, search, search_text
from registry.catalogue_version import (
    Versions,
    catalogue_version,
    catalogue_versions,
)
from registry.models import (
    ApiToken,
    Capacity,
    Contract,
    DeliveryForm,
    District,
    Location,
    Membership,
    Organisation,
    Perceel,
    ProblemArea,
    Service,
    Subcontract,
    ThesaurusEntry,
    in_language,
)
from sociale_kaart.cache_safe import (
    cache_get,
    cache_get_many,
    cache_get_or_compute,
    cache_set,
)


def perceel_list():
    return Perceel.objects.filter(active=True)


# --- Provider self-service (/mijn/...) and the API ---


def stale_cutoff():
    """Capacity last updated before this moment is stale."""
    return timezone.now() - timedelta(days=settings.CAPACITY_STALE_DAYS)


def service_list_for_editor(*, actor) -> QuerySet[Service]:
    """Services whose capacity and contact data ``actor`` may edit.

    Each row carries ``capacity_is_stale``; stale ones sort first within
    their organisation.
    """
    return (
        Service.objects.filter(
            permissions.editable_services_q(actor),
            capacity__isnull=False,  # every service has one; never trip over a gap
        )
        .select_related("organisation", "capacity", "perceel")
        .annotate(
            capacity_is_stale=Case(
                When(capacity__updated_at__lt=stale_cutoff(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("organisation__name", "-capacity_is_stale", "name")
    )


# Every column of a capacity row (its service only as far as the scope needs).
CAPACITY_COLUMNS = [
    field.name for field in Capacity._meta.concrete_fields if field.name != "service"
]


def capacity_get_for_editor(*, actor, service_id: int) -> Capacity:
    """The capacity of service ``service_id`` if ``actor`` may edit it (the
    API's PATCH), else ``Http404``.

    One query besides the actor's memoised scope: the row with just the
    service's organisation (and its kind) and perceel, checked against the scope
    in Python (``permissions.can_edit_capacity``), so the scope is not compiled
    into SQL for one row and the service's search columns are not read.
    """
    if not 0 < service_id < 2**63:
        # No such row; SQLite would refuse the number rather than find nothing.
        raise Http404
    capacity = (
        Capacity.objects.select_related("service__organisation")
        .only(
            *CAPACITY_COLUMNS,
            "service__organisation__kind",
            "service__perceel",
        )
        .filter(service_id=service_id)
        .first()
    )
    if capacity is None or not permissions.can_edit_capacity(actor, capacity.service):
        raise Http404
    return capacity


def location_list_for_editor(*, actor) -> QuerySet[Location]:
    return Location.objects.filter(
        organisation__in=permissions.editable_organisations(actor)
    ).select_related("organisation", "district")


def organisation_list_for_editor(*, actor) -> QuerySet[Organisation]:
    return permissions.editable_organisations(actor).order_by("name")


def api_token_list(*, organisations) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(organisation__in=organisations).select_related(
        "organisation", "created_by"
    )


def whoami(*, actor) -> dict:
    """What ``GET /api/v1/me`` says about a key or a logged-in person."""
    token = getattr(actor, "api_token", None)
    if token is not None:
        org = token.organisation
        return {
            "auth": "key",
            "organisations": [_me_org(org, None)],
            "scopes": token.scope_list,
            "key": {
                "name": token.name,
                "prefix": token.prefix,
                "expires_at": token.expires_at,
            },
            "user": None,
        }
    return {
        "auth": "session",
        "organisations": [
            _me_org(m.organisation, m.role) for m in permissions.memberships(actor)
        ],
        "scopes": None,
        "key": None,
        "user": {
            "username": actor.get_username(),
            "name": actor.get_full_name() or actor.get_username(),
        },
    }


def _me_org(org: Organisation, role: str | None) -> dict:
    return {
        "id": org.pk,
        "slug": org.slug,
        "name": org.name,
        "kind": org.kind,
        "role": role,
    }


def api_token_get_by_hash(*, key_hash: str) -> ApiToken | None:
    """The token with this key hash, or None; revoked tokens are returned too
    (with ``revoked_at`` set) so the caller can say why a key is refused."""
    return (
        ApiToken.objects.select_related("organisation")
        .filter(key_hash=key_hash)
        .first()
    )


def stale_services_by_organisation() -> dict[Organisation, list[Service]]:
    """Per provider organisation, the active services to remind it about.

    A hoofdaanbieder also gets its current onderaannemers' stale services in the
    percelen of its subcontracts with them (it answers for those); the
    onderaannemer gets its own as well.
    """
    stale = list(
        Service.objects.filter(
            active=True,
            organisation__active=True,
            organisation__kind__in=Organisation.PROVIDER_KINDS,
            capacity__updated_at__lt=stale_cutoff(),
        )
        .select_related("organisation", "capacity")
        .order_by("organisation__name", "name")
    )
    result: dict[Organisation, list[Service]] = defaultdict(list)
    main_of = _current_main_contractors({s.organisation_id for s in stale})
    for service in stale:
        result[service.organisation].append(service)
        for main in main_of.get((service.organisation_id, service.perceel_id), ()):
            result[main].append(service)
    return dict(result)


def _current_main_contractors(
    subcontractor_ids,
) -> dict[tuple[int, int], list[Organisation]]:
    """{(onderaannemer, perceel): its active hoofdaanbieders there}."""
    pairs = permissions.current_subcontracts(
        subcontractor_ids=subcontractor_ids
    ).filter(contract__organisation__active=True)
    mains: dict[tuple[int, int], list[Organisation]] = defaultdict(list)
    for pair in pairs.select_related("contract__organisation"):
        key = (pair.subcontractor_id, pair.contract.perceel_id)
        if pair.contract.organisation not in mains[key]:
            mains[key].append(pair.contract.organisation)
    return mains


def reminder_recipients(*, organisation: Organisation) -> list[str]:
    """The organisation's own e-mail address and its active members' addresses."""
    members = Membership.objects.filter(
        organisation=organisation, user__is_active=True
    ).exclude(user__email="")
    addresses = {m.user.email for m in members.select_related("user")}
    if organisation.email:
        addresses.add(organisation.email)
    return sorted(addresses)


# --- public catalogue: search, organisation and service pages ------------------
# The search runs a fixed number of queries whatever the number of results:
# reference values (1), with words the thesaurus (1) and, when a word is
# unknown, the spelling vocabulary (1), the counts (1), the page (1).


_REFERENCE_GROUPS = ("perceel", "district", "problem", "form")


# The reference values of the catalogue version they were read under (one
# entry: the current version's); read-only for every caller.
_reference_memo: dict[str, dict[str, list]] = {}


def search_reference(versions: Versions | None = None) -> dict[str, list]:
    """Every filter value by group ("perceel", "district", "problem", "form") as
    ``search.Option``s in display order, facet terms with their bit slot: one
    query (UNION ALL), once per catalogue version in each process (a write to a
    perceel, district, problem area or form bumps it; so does any catalogue
    write, which only costs a new read). ``versions``: as read for this
    request already."""
    version = versions.catalogue if versions else catalogue_version()
    reference = _reference_memo.get(version)
    if reference is None:
        reference = _search_reference_read()
        _reference_memo.clear()
        _reference_memo[version] = reference
    return reference


def _search_reference_read() -> dict[str, list]:

    def part(qs, group, slug_field, position, slot):
        qs = qs.order_by().annotate(
            group=Value(group), sort_position=position, slot=slot
        )
        columns = ("group", "id", slug_field, "name", "sort_position", "slot")
        return qs.values_list(*columns, "name_en")

    no_slot = Value(None, output_field=PositiveSmallIntegerField())
    percelen = Perceel.objects.filter(active=True)
    rows = part(percelen, "perceel", "code", F("position"), no_slot)
    rows = rows.union(
        part(District.objects.all(), "district", "slug", Value(0), F("bit_slot")),
        part(ProblemArea.objects.all(), "problem", "slug", Value(0), F("bit_slot")),
        part(DeliveryForm.objects.all(), "form", "slug", Value(0), F("bit_slot")),
        all=True,
    )
    reference: dict[str, list] = {group: [] for group in _REFERENCE_GROUPS}
    for group, pk, slug, name, _position, slot, name_en in sorted(
        rows, key=lambda row: (row[4], row[3].lower())
    ):
        reference[group].append(search.Option(pk, slug, name, slot, name_en))
    return reference


def search_run(params) -> search.SearchResult:
    """A whole search page from URL parameters: a fixed number of queries,
    whatever the result size. The cache versions are read once for all of it."""
    versions = catalogue_versions()
    reference = search_reference(versions)
    filters, errors = search.parse_params(params, reference)
    filters = search_locate(search_prepare(filters, reference, versions), errors)
    counts = facet_counts(filters=filters, reference=reference, versions=versions)
    filters, pagination = search.clamp_page(filters, counts["total"], errors)
    page = service_search_page(
        filters=filters,
        offset=pagination.offset,
        limit=search.PAGE_SIZE,
        districts={o.slot: o.label for o in reference["district"]},
        versions=versions,
    )
    return search.SearchResult(
        filters=filters,
        errors=errors,
        pagination=pagination,
        services=page,
        facets=search.facet_groups(reference, filters, counts),
        open_count=counts["open"],
        suggestion=search.suggestion_text(filters),
        also=search.also_searched(filters),
        chips=search.filter_chips(params, reference, errors),
    )


def search_csv_services(params):
    """All services matching ``params`` (no paging), for the CSV download."""
    reference = search_reference()
    filters, errors = search.parse_params(params, reference)
    filters = search_locate(search_prepare(filters, reference), errors)
    return service_search(filters=filters)


def search_prepare(filters, reference, versions: Versions | None = None):
    """``filters`` with what its words ask for resolved: the thesaurus and the
    English names of the reference terms applied, misspelt words corrected
    (``search_text.QueryUnit``). With words: the thesaurus (once per catalogue
    version in each process) and, when a word is unknown, the spelling
    vocabulary (1 query). ``versions``: as read for this request already."""
    if not filters.words:
        return filters
    thesaurus = _thesaurus_memoised(reference, versions)
    units = search_text.query_units(filters.words, thesaurus, {})
    corrections = search_corrections(
        [u.text for u in units if len(u.alternatives) == 1 and " " not in u.text]
    )
    units = search_text.query_units(filters.words, thesaurus, corrections)
    return replace(filters, corrections=corrections, units=units)


def search_locate(filters, errors):
    """``filters`` with the place distances are measured from: the visitor's
    own location, or the postcode's centre from PDOK Locatieserver (cached).
    When PDOK does not know the postcode or cannot be reached, a message names
    the filter and the search runs without it."""
    if filters.near:
        label = _("mijn locatie")
        return replace(filters, origin=geo.Origin(*filters.near, label))
    if not filters.postcode:
        return filters
    try:
        place = pdok.postcode_place(filters.postcode)
    except pdok.Unavailable:
        message = _(
            "Postcode: de locatie van %(postcode)s kon nu niet worden opgezocht "
            "(geen verbinding met PDOK). Zoek zonder afstand of kies een stadsdeel."
        )
    else:
        if place:
            origin = geo.Origin(place.latitude, place.longitude, filters.postcode)
            return replace(filters, origin=origin)
        message = _("Postcode: %(postcode)s is niet gevonden.")
    errors.append(
        search.ParamError("postcode", message % {"postcode": filters.postcode})
    )
    sort = "relevantie" if filters.sort == "afstand" else filters.sort
    return replace(filters, postcode="", radius_km=None, sort=sort)


# The thesaurus of the catalogue version it was read under (one entry, as
# ``_reference_memo``; a thesaurus write bumps the version too).
_thesaurus_memo: dict[str, dict[str, list[str]]] = {}


def _thesaurus_memoised(reference, versions: Versions | None):
    version = versions.catalogue if versions else catalogue_version()
    thesaurus = _thesaurus_memo.get(version)
    if thesaurus is None:
        thesaurus = search_thesaurus(reference)
        _thesaurus_memo.clear()
        _thesaurus_memo[version] = thesaurus
    return thesaurus


def search_thesaurus(reference) -> dict[str, list[str]]:
    """phrase key -> the terms a search for it also looks for: the thesaurus
    (synonyms both ways, narrower terms from the broader) and each reference
    term's English name -> its Dutch name. One query."""
    found: dict[str, list[str]] = defaultdict(list)

    def add(term, other):
        key = search_text.phrase_key(term)
        if key and other not in found[key]:
            found[key].append(other)

    for term, related, relation in ThesaurusEntry.objects.values_list(
        "term", "related", "relation"
    ):
        add(term, related)
        if relation == ThesaurusEntry.Relation.SYNONYM:
            add(related, term)
    for options in reference.values():
        for option in options:
            if option.name_en and search.fold(option.name_en) != search.fold(
                option.name
            ):
                add(option.name_en, option.name)
    return dict(found)


def search_corrections(candidates: list[str]) -> dict[str, str]:
    """Spelling corrections for words no indexed word starts with (by their
    stem): word -> the most similar indexed word by trigram similarity.
    PostgreSQL asks pg_trgm; SQLite reads the vocabulary and computes the same
    similarity in Python (search_text.similarity). One query, or none."""
    candidates = [w for w in candidates if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return {}
    stems = {w: search_text.stem(w) for w in candidates}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _CORRECTIONS_SQL, [candidates, [stems[w] for w in candidates]]
            )
            rows = cursor.fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT term FROM registry_search_term")
            vocabulary = [term for (term,) in cursor.fetchall()]
        rows = [
            (w, search_text.correction(w, vocabulary))
            for w in candidates
            if not any(term.startswith(stems[w]) for term in vocabulary)
        ]
    # A term that merely extends or shortens the word ("angsten"/"angst") is
    # stemming's job, not a typo.
    return {
        word: term
        for word, term in rows
        if term and not (term.startswith(word) or word.startswith(term))
    }


_CORRECTIONS_SQL = """
SELECT w.word,
       (SELECT t.term FROM registry_search_term t
         WHERE t.term %% w.word
         ORDER BY similarity(t.term, w.word) DESC, t.term LIMIT 1)
  FROM unnest(%s::text[], %s::text[]) AS w(word, stem)
 WHERE NOT EXISTS (
       SELECT 1 FROM registry_search_term k WHERE k.term LIKE w.stem || '%%')
"""

# Facet group -> the services' stored bit set of its terms' slots.
_BIT_FIELDS = {
    "district": "search_district_bits",
    "problem": "search_problem_bits",
    "form": "search_form_bits",
}


def _public_services():
    # "Not one of the (few) inactive organisations" rather than a join with all
    # organisations: the database checks a small hashed list per service.
    inactive = Organisation.objects.filter(active=False).values("pk")
    return Service.objects.filter(active=True).exclude(organisation__in=inactive)


def _text_filter(qs, filters):
    """Every unit of the words must match (one of its alternatives: all of
    that alternative's tokens as word prefixes). The same tokens on both
    databases: a tsquery on PostgreSQL, LIKE on SQLite."""
    if not filters.units:
        return qs
    if connection.vendor == "postgresql":
        raw = search_text.tsquery(filters.units)
        query = SearchQuery(raw, search_type="raw", config=search.SEARCH_CONFIG)
        return qs.filter(search_vector=query)
    for unit in filters.units:
        matches = [
            reduce(
                operator.and_,
                (
                    Q(search_text__contains=search_text.index_substring(t))
                    for t in alternative
                ),
            )
            for alternative in unit.alternatives
        ]
        qs = qs.filter(reduce(operator.or_, matches))
    return qs


def _base_services(filters):
    """Public services matching the filters that are not facet groups: the
    text, the age and the maximum waiting time."""
    qs = _text_filter(_public_services(), filters)
    if filters.age is not None:
        qs = qs.filter(age_min__lte=filters.age, age_max__gte=filters.age)
    if filters.max_wait_weeks is not None:
        # An unknown waiting time (NULL) is never within a maximum.
        qs = qs.filter(search_total_wait__lte=filters.max_wait_weeks)
    if filters.origin is not None and filters.radius_km:
        near = _located(filters.origin).filter(
            squared_km__lte=float(filters.radius_km) ** 2
        )
        qs = qs.filter(Exists(near))
    return qs


def _located(origin):
    """The locations of the outer service with coordinates, with their squared
    distance from ``origin``."""
    return Location.objects.filter(
        services=OuterRef("pk"), latitude__isnull=False, longitude__isnull=False
    ).annotate(squared_km=origin.squared_km())


def _with_distance(qs, filters):
    if filters.origin is None:
        return qs
    nearest = _located(filters.origin).order_by("squared_km").values("squared_km")
    return qs.annotate(nearest_squared_km=Subquery(nearest[:1]))


def _group_conditions(filters) -> dict[str, Q]:
    """One ORM condition per chosen facet group ("any of the chosen values")."""
    conditions = {}
    if filters.percelen:
        conditions["perceel"] = Q(perceel_id__in=filters.percelen)
    for group, bit_field in _BIT_FIELDS.items():
        chosen = filters.chosen_bits.get(group, 0)
        if chosen:
            conditions[group] = Q(GreaterThan(F(bit_field).bitand(chosen), 0))
    if filters.has_room:
        conditions["room"] = Q(search_open=True)
    return conditions


def _filtered_services(filters, skip: str = ""):
    """Public services matching ``filters``, leaving out the group ``skip`` (a
    facet counts what choosing one of its values would give)."""
    chosen = [c for group, c in _group_conditions(filters).items() if group != skip]
    qs = _base_services(filters)
    return qs.filter(reduce(operator.and_, chosen)) if chosen else qs


# Facet counts in one pass: the base services (text, age, wait) as a subquery of
# narrow columns, one ``count(*) FILTER (...)`` per option over it. Plain SQL
# here because the ORM spends more time compiling 40 filtered aggregates than
# the database spends counting.
_FACET_COLUMNS = {"district": "d", "problem": "p", "form": "f"}


def _facet_sql_conditions(filters) -> dict[str, str]:
    """SQL condition on the subquery's columns per chosen group. Only integers
    (ids, bit sets) are written into it."""
    conditions = {}
    if filters.percelen:
        ids = ", ".join(str(int(pk)) for pk in filters.percelen)
        conditions["perceel"] = f"b.perceel_ref IN ({ids})"
    for group, column in _FACET_COLUMNS.items():
        chosen = int(filters.chosen_bits.get(group, 0))
        if chosen:
            conditions[group] = f"(b.{column} & {chosen}) <> 0"
    if filters.has_room:
        conditions["room"] = "b.is_open"
    return conditions


_FACET_FLAGS = ("all", "perceel", "district", "problem", "form", "room")


def _facet_count_sql(conditions, skip: str, extra: str = "") -> str:
    """Count the rows matching every chosen group but ``skip``, and ``extra``.
    With choices, each row carries one precomputed flag per ``skip``."""
    parts = [f"b.ok_{skip}"] if any(g != skip for g in conditions) else []
    parts += [extra] if extra else []
    return f"count(*) FILTER (WHERE {' AND '.join(parts)})" if parts else "count(*)"


def facet_counts(*, filters, reference, versions: Versions | None = None) -> dict:
    """Counts for the result list and each filter group.

    ``total``: services matching all filters; ``open``: how many of them, ignoring
    the "has room" filter, have room now; per group: option id -> the number of
    services matching all other filters and that option.

    Cached per normalised search (``facet_counts_key``). Counts that read no
    capacity figure are cached under the catalogue version, which every
    catalogue write replaces; the ``open`` count, and every count of a search
    filtering on room or waiting time, under the capacity version, which
    capacity writes replace too. A cached answer is never older than the last
    write. On a miss the counts come from sets of service ids
    (``_facet_counts_from_sets``: what the search matches by words, age and
    place, read once per catalogue version; per option the services that have
    it; the services with room or within a waiting time, read once per
    capacity write for every search); until the option sets are built, from
    one pass over the matching services' stored bit sets, an aggregate per
    option. So a capacity write, which comes often (one request in ten of the
    load mix), does not make every following search count its matches again.
    """
    seconds = settings.SEARCH_COUNTS_CACHE_SECONDS
    if not seconds:
        return _facet_counts_uncached(filters, reference)
    versions = versions or catalogue_versions()
    key, open_key = _facet_counts_keys(filters, reference, versions)
    if open_key is None:
        return cache_get_or_compute(
            key,
            lambda: _facet_counts_computed(filters, reference, versions),
            seconds,
        )
    found = cache_get_many([key, open_key])
    counts = found.get(key)
    if counts is None:
        counts = _facet_counts_computed(filters, reference, versions)
        _facet_counts_store(key, open_key, counts, seconds)
        return counts
    open_count = found.get(open_key)
    if open_count is None:
        open_count = _open_count(filters, reference, versions)
        cache_set(open_key, open_count, seconds)
    return {**counts, "open": open_count}


# Sets of service ids, as bit sets: bit n is the service with id n. Cached as
# zlib-compressed bytes (Django's Redis cache would store an int as its decimal
# digits, and a set of a few services is mostly zeros). A set is built only for
# ids below 64 x this (about 4 million, 512 KB a set); past that a process
# stops using sets and counts as before.
_ID_BITS_MAX_WORDS = 1 << 16
OPEN_IDS_KEY = "registry:open-ids:{}"
WAIT_IDS_KEY = "registry:wait-ids:{}:{}"
_ids_out_of_range = False  # set once an id was too large, for this process


def _open_count(filters, reference, versions: Versions) -> int:
    """How many of the services matching ``filters`` have room now: what a
    capacity write changes, for a search that reads no capacity figure. From
    the id sets (``_facet_counts_from_sets``): the services with room are read
    once per capacity write for every search, the search's own matches once
    per catalogue version; else one narrow count."""
    counts = _facet_counts_from_sets(filters, reference, versions)
    if counts is not None:
        return counts["open"]
    return _filtered_services(filters).filter(search_open=True).count()


def _with_room():
    return Service.objects.filter(active=True, search_open=True)


def _facet_counts_computed(filters, reference, versions: Versions) -> dict:
    """A search's counts, not from the cache: from id sets once the option
    sets are built, else by a pass over the matching services."""
    counts = _facet_counts_from_sets(filters, reference, versions)
    return counts if counts is not None else _facet_counts_uncached(filters, reference)


def _facet_counts_from_sets(filters, reference, versions: Versions) -> dict | None:
    """Every count of a search from id sets: what it matches by words, age and
    place (read once, cached under the catalogue version), the services with
    room and those within the waiting time (one set per capacity version,
    shared by every search), and per facet option the services that have it
    (once per catalogue version). A search seen for the first time reads at
    most its own matches' ids, folded into 64-bit words, instead of a pass
    that aggregates every facet over them; after a capacity write no search
    reads anything of its own. None when the option sets are not built
    (``_option_sets``) or an id is too large for a set."""
    seconds = settings.SEARCH_COUNTS_CACHE_SECONDS or None
    options = _option_sets(reference, versions, seconds)
    if options is None:
        return None
    base_filters = replace(
        filters, has_room=False, max_wait_weeks=None, percelen=(), chosen_bits={}
    )
    keys = {
        "base": f"{facet_counts_key(base_filters, reference, versions.catalogue)}:ids",
        "room": OPEN_IDS_KEY.format(versions.capacity),
    }
    wait = filters.max_wait_weeks
    if wait is not None:
        keys["wait"] = WAIT_IDS_KEY.format(versions.capacity, int(wait))
    found = cache_get_many(list(keys.values()))
    base = _id_set(found, keys["base"], lambda: _base_services(base_filters), seconds)
    with_room = _id_set(found, keys["room"], _with_room, seconds)
    within = -1  # every id
    if wait is not None:
        within = _id_set(
            found,
            keys["wait"],
            lambda: Service.objects.filter(active=True, search_total_wait__lte=wait),
            seconds,
        )
    if base is None or with_room is None or within is None:
        return None
    chosen = _chosen_sets(filters, options, with_room)
    return _counts_from_sets(base & within, chosen, with_room, options, reference)


def _chosen_sets(filters, options: dict, with_room: int) -> dict[str, int]:
    """Per chosen facet group, the services with any of its chosen options."""
    chosen = {}
    if filters.percelen:
        chosen["perceel"] = reduce(
            operator.or_, (options.get(("perceel", pk), 0) for pk in filters.percelen)
        )
    for group in _BIT_FIELDS:
        mask = int(filters.chosen_bits.get(group, 0))
        if mask:
            slots = [n for n in range(mask.bit_length()) if mask >> n & 1]
            chosen[group] = reduce(
                operator.or_, (options.get((group, n), 0) for n in slots)
            )
    if filters.has_room:
        chosen["room"] = with_room
    return chosen


def _counts_from_sets(base, chosen, with_room, options, reference) -> dict:
    """The counts of ``facet_counts`` from the sets: a group's options count
    the services matching ``base`` and every chosen group but their own."""

    def matching(skip: str = "") -> int:
        ids = base
        for group, group_ids in chosen.items():
            if group != skip:
                ids &= group_ids
        return ids

    counts = {
        "total": matching().bit_count(),
        "open": (matching("room") & with_room).bit_count(),
    }
    for group in _REFERENCE_GROUPS:
        ids = matching(group)
        counts[group] = {
            o.id: (ids & options.get(_option_key(group, o), 0)).bit_count()
            for o in reference[group]
        }
    return counts


def _option_key(group: str, option) -> tuple[str, int]:
    """Percelen by id, the terms of the bit-set groups by their bit slot."""
    return (group, int(option.id if group == "perceel" else option.slot))


OPTION_IDS_KEY = "registry:option-ids:{}"
# Per process: the option sets of the latest catalogue version and reference,
# or _SEEN when they were asked for once under it and not built.
_option_sets_memo: dict[str, object] = {}
_SEEN = object()


def _option_sets(reference, versions: Versions, seconds) -> dict | None:
    """Per facet option (``_option_key``), the active services that have it,
    as id sets: kept in the process, else read from the cache, else one pass
    over every service (60 ms at 50k services, 0.3 s at 200k); under the
    catalogue version and the reference's options (a reference read before a
    write that added an option must not leave sets without it under the new
    version). That pass is made the second time a process asks under one
    version, not the first: when each search comes after another catalogue
    write (an import, an editor at work), counting a search's own matches is
    cheaper. None: not built (yet), or an id too large for a set."""
    options = sorted(_option_key(g, o) for g in _REFERENCE_GROUPS for o in reference[g])
    digest = hashlib.sha256(repr(options).encode()).hexdigest()[:16]
    version = f"{versions.catalogue}:{digest}"
    memo = _option_sets_memo.get(version)
    if isinstance(memo, dict):
        return memo
    if _ids_out_of_range:
        return None
    key = OPTION_IDS_KEY.format(version)
    stored = cache_get(key)
    if stored is None:
        if memo is None:
            _option_sets_memo.clear()
            _option_sets_memo[version] = _SEEN
            return None
        stored = _option_bits(reference)
        if stored is None:
            return None
        cache_set(key, stored, seconds)
    sets = {option: _unpacked(bits) for option, bits in stored.items()}
    _option_sets_memo.clear()
    _option_sets_memo[version] = sets
    return sets


def _option_bits(reference) -> dict | None:
    """``_option_sets`` from the database: one pass, one folded set per option
    (see ``_id_bits``). Only integers (ids, bit slots) are written in."""
    meta = Service._meta  # noqa: SLF001
    quote = connection.ops.quote_name
    perceel = quote(meta.get_field("perceel").column)
    conditions = {
        ("perceel", int(o.id)): f"{perceel} = {int(o.id)}" for o in reference["perceel"]
    }
    for group, field_name in _BIT_FIELDS.items():
        column = quote(meta.get_field(field_name).column)
        for option in reference[group]:
            condition = f"({column} & {1 << int(option.slot)}) <> 0"
            conditions[_option_key(group, option)] = condition
    bit = _bit_in_word(quote("id"))
    folds = ", ".join(
        _folded(f"CASE WHEN {condition} THEN {bit} ELSE 0 END")
        for condition in conditions.values()
    )
    query = (
        f"SELECT {quote('id')} >> 6, {folds} FROM {quote(meta.db_table)}"  # noqa: S608
        f" WHERE {quote(meta.get_field('active').column)} GROUP BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        rows = cursor.fetchall()
    if not _in_range(rows):
        return None
    return {
        option: _packed([(row[0], row[n]) for row in rows])
        for n, option in enumerate(conditions, start=1)
    }


def _id_set(found: dict, key: str, make_qs, seconds) -> int | None:
    """The id set cached under ``key`` (read in ``found``), else built from
    ``make_qs()`` and stored; None when an id is too large for a set."""
    bits = found.get(key)
    if bits is None:
        bits = _id_bits(make_qs())
        if bits is None:
            return None
        cache_set(key, bits, seconds)
    return _unpacked(bits)


def _id_bits(qs: QuerySet[Service]) -> bytes | None:
    """The ids of ``qs`` as one bit set, or None when an id is out of range.
    The database folds them into 64-bit words (id >> 6, its bit in the word),
    so a set of 50,000 ids arrives as about 800 rows."""
    ids = qs.order_by().values(sid=F("pk"))
    if connection.vendor != "postgresql":
        ids = ids.distinct()  # SQLite sums the bits (``_folded``)
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.sid >> 6, {_folded(_bit_in_word('m.sid'))} "  # noqa: S608
            f"FROM ({sql}) AS m GROUP BY 1",
            params,
        )
        words = cursor.fetchall()
    return _packed(words) if _in_range(words) else None


def _bit_in_word(id_sql: str) -> str:
    """SQL: the bit of an id within its 64-bit word (``id_sql >> 6``)."""
    return f"CAST(1 AS bigint) << CAST({id_sql} & 63 AS integer)"


def _folded(bits_sql: str) -> str:
    """SQL: the bits of a word's rows combined. SQLite has no bit_or; over
    distinct ids a sum of their bits is the same (and cannot overflow: one
    negative term, the sign bit, and positive ones below it)."""
    fold = "bit_or" if connection.vendor == "postgresql" else "sum"
    return f"{fold}({bits_sql})"


def _in_range(rows) -> bool:
    """Whether every word number fits; if not, this process uses no id sets
    any more (ids only grow)."""
    global _ids_out_of_range  # noqa: PLW0603
    if all(0 <= row[0] < _ID_BITS_MAX_WORDS for row in rows):
        return True
    _ids_out_of_range = True
    return False


def _packed(words) -> bytes:
    """(word number, its 64 bits as a signed integer) -> the set, compressed."""
    packed = bytearray(8 * (max((word for word, _bits in words), default=-1) + 1))
    for word, bits in words:
        struct.pack_into("<q", packed, 8 * word, bits)
    return zlib.compress(packed, 1)


def _unpacked(bits: bytes) -> int:
    return int.from_bytes(zlib.decompress(bits), "little")


def _facet_counts_keys(filters, reference, versions) -> tuple[str, str | None]:
    """The key of a search's counts and, when they read no capacity figure,
    the key of its ``open`` count (None: the counts' key covers it)."""
    if _reads_capacity(filters):
        return facet_counts_key(filters, reference, versions.capacity), None
    key = facet_counts_key(filters, reference, versions.catalogue)
    return key, f"{key}:open:{versions.capacity}"


def _facet_counts_store(key, open_key, counts, seconds) -> None:
    cache_set(key, counts, seconds)
    if open_key is not None:
        cache_set(open_key, counts["open"], seconds)


def _reads_capacity(filters, sort: bool = False) -> bool:
    """Whether the services a search finds (or, with ``sort``, their order)
    depend on capacity figures."""
    if filters.has_room or filters.max_wait_weeks is not None:
        return True
    return sort and filters.sort in ("wachttijd", "bijgewerkt")


def facet_counts_key(filters, reference, version: str) -> str:
    """The cache key of a search's counts: only what changes them (not the
    sort, the page or how the URL spelt it), under ``version`` (the catalogue
    version, or the capacity version for a search filtering on capacity)."""
    units = sorted(
        sorted(" ".join(sorted(alternative)) for alternative in unit.alternatives)
        for unit in filters.units
    )
    near = None
    if filters.origin is not None and filters.radius_km:
        origin = filters.origin
        near = [round(origin.latitude, 5), round(origin.longitude, 5)]
        near.append(filters.radius_km)
    options = {group: [o.id for o in reference[group]] for group in reference}
    normalised = {
        "units": units,
        "age": filters.age,
        "wait": filters.max_wait_weeks,
        "near": near,
        "percelen": sorted(filters.percelen),
        "bits": sorted((g, int(b)) for g, b in filters.chosen_bits.items() if b),
        "room": bool(filters.has_room),
        "options": options,
    }
    digest = hashlib.sha256(json.dumps(normalised, sort_keys=True).encode()).hexdigest()
    return f"registry:facets:{version}:{digest}"


def facet_counts_warm(*, only_missing: bool = True) -> int:
    """Count and cache the searches most visits start with: the empty search
    and every single-filter one (one perceel, stadsdeel, problem area or form,
    or "has room"); returns how many were counted. With ``only_missing``
    (the default) a search whose counts are cached is skipped, and one whose
    ``open`` count alone is gone (after a capacity write) gets only that narrow
    count again: run every few minutes (``manage.py warm_search_counts``), it
    costs one cache read when nothing changed, and after a catalogue write,
    an import or a restart the common searches are counted before their
    first visitor comes. A search not warmed is counted on its first visit."""
    reference = search_reference()
    queries = [QueryDict(""), QueryDict("plek=1")]
    for param, group in search.MULTI_PARAMS.items():
        for option in reference[group]:
            queries.append(QueryDict(urlencode({param: option.slug})))
    seconds = settings.SEARCH_COUNTS_CACHE_SECONDS or None
    versions = catalogue_versions()
    wanted = []
    for params in queries:
        filters, _errors = search.parse_params(params, reference)
        wanted.append((filters, *_facet_counts_keys(filters, reference, versions)))
    present = {}
    if only_missing:
        present = cache.get_many(
            [key for _f, *keys in wanted for key in keys if key is not None]
        )
    counted = 0
    for filters, key, open_key in wanted:
        if key in present:
            if open_key is None or open_key in present:
                continue
            open_count = _open_count(filters, reference, versions)
            cache.set(open_key, open_count, seconds)
        else:
            counts = _facet_counts_computed(filters, reference, versions)
            cache.set(key, counts, seconds)
            if open_key is not None:
                cache.set(open_key, counts["open"], seconds)
        counted += 1
    return counted


def _facet_counts_uncached(filters, reference) -> dict:
    source, params = _facet_source(filters)
    if connection.vendor == "postgresql" and not _facet_sql_conditions(filters):
        return _facet_counts_grouped(reference, source, params)
    return _facet_counts_filtered(filters, reference, source, params)


def _facet_source(filters) -> tuple[str, list]:
    """The rows the counts read, as SQL ``(...) AS b`` and its parameters: per
    base service (text, age, wait) its perceel, bit sets and whether it has
    room, and with chosen groups one flag per "every chosen group but one"."""
    base = _base_services(filters).order_by()
    base = base.values(
        perceel_ref=F("perceel_id"),
        d=F("search_district_bits"),
        p=F("search_problem_bits"),
        f=F("search_form_bits"),
        is_open=F("search_open"),
    )
    base_sql, params = base.query.sql_with_params()
    source = f"({base_sql}) AS b"
    conditions = _facet_sql_conditions(filters)
    if conditions:
        # One flag per "all chosen groups but one", computed once per row;
        # OFFSET 0 keeps PostgreSQL from inlining them into every count.
        flags = ", ".join(
            f"({' AND '.join(c for g, c in conditions.items() if g != skip) or '1=1'})"
            f" AS ok_{skip}"
            for skip in _FACET_FLAGS
        )
        fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
        source = f"(SELECT b.*, {flags} FROM {source}{fence}) AS b"  # noqa: S608
        # A row with no flag set counts nowhere: drop it before the counting.
        source += " WHERE " + " OR ".join(f"b.ok_{skip}" for skip in _FACET_FLAGS)
    return source, list(params)


def _facet_counts_filtered(filters, reference, source, params) -> dict:
    """One ``count(*) FILTER (...)`` per option over the rows: SQLite, and
    PostgreSQL when groups are chosen (their flags make most counts skip the
    row early; grouping on them as well made the pass slower, not faster)."""
    columns = _facet_columns(filters, reference)
    select = ", ".join(sql for _name, sql in columns)
    # Only code-made SQL and integers are joined in; values are parameters.
    query = f"SELECT {select} FROM {source}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        row = dict(
            zip([name for name, _sql in columns], cursor.fetchone(), strict=True)
        )
    counts = {"total": row["total"], "open": row["open"]}
    for group in _REFERENCE_GROUPS:
        counts[group] = {o.id: row[f"{group}_{o.id}"] for o in reference[group]}
    return counts


def _facet_columns(filters, reference) -> list[tuple[str, str]]:
    """(name, SQL) of every count the filtered facet query selects."""
    conditions = _facet_sql_conditions(filters)
    columns = [
        ("total", _facet_count_sql(conditions, "all")),
        ("open", _facet_count_sql(conditions, "room", "b.is_open")),
    ]
    for option in reference["perceel"]:
        extra = f"b.perceel_ref = {int(option.id)}"
        columns.append(
            (f"perceel_{option.id}", _facet_count_sql(conditions, "perceel", extra))
        )
    for group, column in _FACET_COLUMNS.items():
        for option in reference[group]:
            extra = f"(b.{column} & {1 << int(option.slot)}) <> 0"
            sql = _facet_count_sql(conditions, group, extra)
            columns.append((f"{group}_{option.id}", sql))
    return columns


# Per facet: the column whose values it counts (None: the total).
_GROUPED = {
    "all": None,
    "room": "is_open",
    "perceel": "perceel_ref",
    "district": "d",
    "problem": "p",
    "form": "f",
}
_GROUPED_COLUMNS = tuple(column for column in _GROUPED.values() if column)


def _facet_counts_grouped(reference, source, params) -> dict:
    """The counts of a search without chosen groups (only words, age or
    waiting time) from one pass of ``GROUPING SETS`` (PostgreSQL): the rows
    grouped per facet by the value of its column (a perceel, a bit set; some
    thousands of groups at most), whose bits are then added up here. Each
    row goes into six hash tables instead of through forty filtered
    aggregates: at 50k and 200k services the empty search is counted in
    0.7 of the time, a search by words in 0.9 (issue 18)."""
    sets = [f"(b.{column})" if column else "()" for column in _GROUPED.values()]
    columns = ", ".join(f"b.{column}" for column in _GROUPED_COLUMNS)
    query = (
        f"SELECT GROUPING({columns}), {columns}, count(*) FROM {source}"  # noqa: S608
        f" GROUP BY GROUPING SETS ({', '.join(sets)})"
    )
    # Per facet: the number of rows per value of its column.
    per_value: dict[str, Counter] = {skip: Counter() for skip in _GROUPED}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for mask, *values, number in cursor.fetchall():
            skip, position = _GROUPING_SETS[mask]
            per_value[skip][None if position is None else values[position]] += number
    counts = {"total": per_value["all"][None], "open": per_value["room"][True]}
    counts["perceel"] = {o.id: per_value["perceel"][o.id] for o in reference["perceel"]}
    for group in _FACET_COLUMNS:
        per_slot = _per_bit(per_value[group])
        counts[group] = {o.id: per_slot[int(o.slot)] for o in reference[group]}
    return counts


def _grouping_mask(column: str | None) -> int:
    """What ``GROUPING(<_GROUPED_COLUMNS>)`` gives in the groups of ``column``:
    a bit per column not grouped on, the first column the highest bit."""
    width = len(_GROUPED_COLUMNS)
    mask = (1 << width) - 1
    if column is not None:
        mask &= ~(1 << (width - 1 - _GROUPED_COLUMNS.index(column)))
    return mask


# ``GROUPING(...)`` of a row -> (its facet, the position of its column).
_GROUPING_SETS = {
    _grouping_mask(column): (
        skip,
        None if column is None else _GROUPED_COLUMNS.index(column),
    )
    for skip, column in _GROUPED.items()
}


def _per_bit(per_value: Counter) -> Counter:
    """Counts per bit set -> counts per bit slot."""
    per_slot: Counter = Counter()
    for value, number in per_value.items():
        value = int(value or 0)
        while value:
            lowest = value & -value
            per_slot[lowest.bit_length() - 1] += number
            value ^= lowest
    return per_slot


def service_search(*, filters):
    """Public services matching ``filters`` in the chosen order, with what a result
    line shows (organisation, perceel, capacity) joined in."""
    qs = _filtered_services(filters).select_related(*_RESULT_RELATED)
    return _in_search_order(qs.defer(*_RESULT_DEFERRED), filters)


def service_search_page(
    *,
    filters,
    offset: int,
    limit: int,
    districts: dict[int, str] | None = None,
    versions: Versions | None = None,
) -> list[cards.ResultCard]:
    """One page of ``service_search`` as result cards, in two queries.

    The page's ids are chosen first from narrow columns (covering indexes), and
    only those rows are then read, as plain values of what a card shows:
    sorting thousands of wide rows to keep twenty was most of the time of a
    search, building model instances for them most of the rest. The second
    query reads the page's locations with coordinates (the overview map).
    ``districts`` (slot -> label) names where help is given.
    """
    key, cached_ids = search_page_ids(filters, offset, limit, versions)
    if cached_ids is not None:
        ids = cached_ids
    else:
        ordered = _in_search_order(_filtered_services(filters), filters)
        ids = ordered.values("pk")[offset : offset + limit]
    columns = cards.CARD_COLUMNS
    if cached_ids is not None and filters.origin is None:
        # In search order already: the rows by key alone, put in that order
        # (no rank computed again).
        by_pk = {row["pk"]: row for row in _card_rows(ids)}
        rows = [by_pk[pk] for pk in ids if pk in by_pk]
    else:
        page = _in_search_order(Service.objects.filter(pk__in=ids), filters)
        if filters.origin is not None:
            columns = (*columns, "nearest_squared_km")
        rows = list(page.values(*columns))
    if key and cached_ids is None:
        search_page_ids_store(key, [row["pk"] for row in rows])
    places = _card_places([row["pk"] for row in rows])
    districts = districts or {}
    return [
        cards.card_from_row(
            row,
            where=search.where_label(row["search_district_bits"], districts),
            distance_km=_distance_km(row.get("nearest_squared_km")),
            places=places.get(row["pk"], ()),
        )
        for row in rows
    ]


def _distance_km(squared: float | None) -> float | None:
    return math.sqrt(squared) if squared is not None else None


def _card_rows(service_ids: list[int]) -> list[dict]:
    """``values()`` rows of ``cards.CARD_COLUMNS`` of these services, in no
    particular order. On PostgreSQL one prepared-shape statement (the ids as
    one array parameter): building the ORM query for twenty rows cost more
    than running it, on every search page. Elsewhere the ORM."""
    if connection.vendor != "postgresql":
        return list(
            Service.objects.filter(pk__in=service_ids).values(*cards.CARD_COLUMNS)
        )
    with connection.cursor() as cursor:
        cursor.execute(_card_rows_sql(), [list(service_ids)])
        return [
            dict(zip(cards.CARD_COLUMNS, row, strict=True)) for row in cursor.fetchall()
        ]


@lru_cache(maxsize=1)
def _card_rows_sql() -> str:
    """Only table and column names from the models; the ids are a parameter.
    Each of ``cards.CARD_COLUMNS`` ("field" or "relation__field") in order."""
    aliases = {"": ("s", Service), "organisation": ("o", Organisation)}
    aliases |= {"perceel": ("p", Perceel), "capacity": ("c", Capacity)}
    columns = []
    for name in cards.CARD_COLUMNS:
        relation, _sep, field = name.rpartition("__")
        alias, model = aliases[relation]
        target = model._meta.pk if field == "pk" else model._meta.get_field(field)
        columns.append(f"{alias}.{target.column}")
    service = Service._meta
    return (
        f"SELECT {', '.join(columns)} FROM {service.db_table} s "  # noqa: S608
        f"JOIN {Organisation._meta.db_table} o "
        f"ON o.id = s.{service.get_field('organisation').column} "
        f"JOIN {Perceel._meta.db_table} p "
        f"ON p.id = s.{service.get_field('perceel').column} "
        f"LEFT JOIN {Capacity._meta.db_table} c "
        f"ON c.{Capacity._meta.get_field('service').column} = s.id "
        "WHERE s.id = ANY(%s)"
    )


def _card_places(service_ids: list[int]) -> dict[int, list[cards.CardPlace]]:
    """The located places of these services, in each service's place order
    (main location first, then by name). On PostgreSQL a prepared-shape
    statement, as ``_card_rows``."""
    if not service_ids:
        return {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_card_places_sql(), [list(service_ids)])
            rows = cursor.fetchall()
    else:
        rows = Location.objects.filter(
            services__in=service_ids, latitude__isnull=False, longitude__isnull=False
        ).values_list(*cards.PLACE_COLUMNS)
    places = defaultdict(list)
    for row in rows:
        service_id, place = cards.place_from_row(row)
        places[service_id].append(place)
    return places


@lru_cache(maxsize=1)
def _card_places_sql() -> str:
    """Only table and column names from the models; the ids are a parameter.
    ``cards.PLACE_COLUMNS`` in order (the first: the service's id)."""
    relation = Service._meta.get_field("locations")
    through = relation.remote_field.through._meta
    link = through.get_field(relation.m2m_reverse_field_name()).column
    own = through.get_field(relation.m2m_field_name()).column
    location = Location._meta
    columns = [f"sl.{own}"]
    columns += [f"l.{location.get_field(f).column}" for f in cards.PLACE_COLUMNS[1:]]
    latitude, longitude, is_main, name = (
        location.get_field(f).column
        for f in ("latitude", "longitude", "is_main", "name")
    )
    return (
        f"SELECT {', '.join(columns)} FROM {location.db_table} l "  # noqa: S608
        f"JOIN {through.db_table} sl ON sl.{link} = l.id "
        f"WHERE l.{latitude} IS NOT NULL AND l.{longitude} IS NOT NULL "
        f"AND sl.{own} = ANY(%s) ORDER BY l.{is_main} DESC, l.{name}, l.id"
    )


def search_page_ids(
    filters, offset: int, limit: int, versions: Versions | None = None
) -> tuple[str | None, list | None]:
    """The cache key of the ids of a search's page (``offset``, ``limit``) and
    the ids in search order when cached (else None); the key is None when the
    cache is off. Shared by /zoeken and the API's list: the same search and
    slice gives the same ids."""
    key = _page_ids_key(filters, offset, limit, versions)
    return key, (cache_get(key) if key else None)


def search_page_ids_store(key: str, ids: list[int]) -> None:
    cache_set(key, ids, settings.SEARCH_COUNTS_CACHE_SECONDS)


def _page_ids_key(filters, offset: int, limit: int, versions=None) -> str | None:
    """The cache key of a page's ids in order, under the catalogue version, or
    the capacity version when the matches or their order depend on capacity
    figures (None when the cache is off). Ranking every match of a common word is
    most of a text search at 50k services; the page's rows themselves are
    always read fresh."""
    if not settings.SEARCH_COUNTS_CACHE_SECONDS:
        return None
    origin = filters.origin
    normalised = {
        "units": sorted(
            sorted(" ".join(sorted(a)) for a in unit.alternatives)
            for unit in filters.units
        ),
        "as_typed": [sorted(unit.alternatives[0]) for unit in filters.units],
        "age": filters.age,
        "wait": filters.max_wait_weeks,
        "near": None
        if origin is None
        else [round(origin.latitude, 5), round(origin.longitude, 5), filters.radius_km],
        "percelen": sorted(filters.percelen),
        "bits": sorted((g, int(b)) for g, b in filters.chosen_bits.items() if b),
        "room": bool(filters.has_room),
        "sort": filters.sort,
        "slice": [offset, limit],
    }
    digest = hashlib.sha256(json.dumps(normalised, sort_keys=True).encode()).hexdigest()
    versions = versions or catalogue_versions()
    capacity = _reads_capacity(filters, sort=True)
    version = versions.capacity if capacity else versions.catalogue
    return f"registry:page:{version}:{digest}"


_RESULT_RELATED = ("organisation", "perceel", "capacity")
_RESULT_DEFERRED = ("search_text", "search_vector", "description", "how_to_refer")


def _in_search_order(qs, filters):
    qs = _with_distance(qs, filters)
    if filters.sort == "afstand" and filters.origin is not None:
        nearest = F("nearest_squared_km").asc(nulls_last=True)
        return qs.order_by(nearest, "name", "id")
    if filters.sort == "wachttijd":
        wait = F("search_total_wait").asc(nulls_last=True)
        return qs.order_by(wait, "name", "id")
    if filters.sort == "bijgewerkt":
        return qs.order_by(F("capacity__updated_at").desc(nulls_last=True), "id")
    if filters.units and connection.vendor == "postgresql":
        return qs.alias(rank=_postgres_rank(filters.units)).order_by(
            "-rank", "name", "id"
        )
    if filters.units:
        return qs.alias(rank=_sqlite_rank(filters.units)).order_by(
            "-rank", "name", "id"
        )
    return qs.order_by("name", "id")


def _postgres_rank(units):
    """Cover density of the words as typed over the weighted vector (name A,
    tags B, body C), doubled, plus the plain rank of everything the thesaurus,
    compound parts or a correction added. Cover density of that wider query (an
    OR of several prefixes per word) cost 10-14 us per matching row, most of a
    text search's first visit at 50k services (64 -> 19 ms for "angst", 4,659
    matches); the plain rank tie-breaks as well on the judged queries
    (benchmarks/search_relevance.py: recall@10 0.995 -> 0.997, nDCG@10 0.991
    -> 0.995 on PostgreSQL)."""

    def query(raw):
        return SearchQuery(raw, search_type="raw", config=search.SEARCH_CONFIG)

    as_typed = SearchRank(
        F("search_vector"),
        query(search_text.tsquery(units, as_typed=True)),
        cover_density=True,
    )
    added = SearchRank(F("search_vector"), query(search_text.tsquery(units)))
    return as_typed * Value(2.0) + added


def _sqlite_rank(units):
    """SQLite's relevance, per unit: 4 when the words as typed are in the name
    (the index text's first section), 3 when an added alternative is, 2 when
    the words as typed are elsewhere, else 1. Coarser than PostgreSQL's cover
    density; the same services are found."""
    title = "substr(search_text, 1, instr(search_text, ' | '))"
    cases, params = [], []

    def condition(alternatives, where):
        nonlocal params
        parts = []
        for alternative in alternatives:
            parts.append(
                "("
                + " AND ".join(f"instr({where}, %s) > 0" for _t in alternative)
                + ")"
            )
            params += [search_text.index_substring(t) for t in alternative]
        return " OR ".join(parts)

    for unit in units:
        typed, every = unit.alternatives[:1], unit.alternatives
        cases.append(
            f"CASE WHEN {condition(typed, title)} THEN 4 "
            f"WHEN {condition(every, title)} THEN 3 "
            f"WHEN {condition(typed, 'search_text')} THEN 2 ELSE 1 END"
        )
    # Only code-made SQL; the tokens are parameters.
    sql = " + ".join(cases)
    return RawSQL(sql, params, output_field=IntegerField())  # noqa: S611


def organisation_get_public(*, slug: str) -> Organisation:
    """An active organisation with everything its public page shows: contracts
    with their subcontractors, the contracts it works under, active services with
    capacity, and locations. Raises ``Organisation.DoesNotExist``. 6 queries."""
    services = Service.objects.filter(active=True).select_related("perceel", "capacity")
    return Organisation.objects.prefetch_related(
        Prefetch(
            "contracts",
            queryset=Contract.objects.select_related("perceel").prefetch_related(
                Prefetch(
                    "subcontracts",
                    queryset=Subcontract.objects.filter(
                        subcontractor__active=True
                    ).select_related("subcontractor"),
                )
            ),
        ),
        Prefetch(
            "subcontracts",
            queryset=Subcontract.objects.select_related(
                "contract__organisation", "contract__perceel"
            ),
        ),
        Prefetch("services", queryset=services.order_by("perceel__position", "name")),
        Prefetch("locations", queryset=Location.objects.select_related("district")),
    ).get(slug=slug, active=True)


def service_get_public(*, pk: int) -> Service:
    """An active service of an active organisation with what its page shows.
    Raises ``Service.DoesNotExist``. 3 queries: the service with its
    organisation, perceel and capacity; its problem areas, forms and
    stadsdelen (``service.terms``, names in the active language by group) with
    the hoofdaanbieders its organisation works for as onderaannemer
    (``service.main_contractors``, each once, in name order) in one; its
    locations (``service.page_locations``). The last two are plain SQL: the
    ORM took longer to compile and prefetch them than the database to answer.
    """
    service = (
        _public_services()
        .select_related("organisation", "perceel", "capacity")
        .get(pk=pk)
    )
    service.terms, service.main_contractors = _service_terms(
        service.pk, service.organisation_id
    )
    service.page_locations = _service_locations(service.pk)
    return service


class MainContractor(NamedTuple):
    name: str
    url: str


def _service_terms(
    pk: int, organisation_id: int
) -> tuple[dict[str, list[str]], list[MainContractor]]:
    """The names of a service's problem areas, forms (in the active language)
    and stadsdelen, each group in name order, and the hoofdaanbieders of its
    organisation's subcontracts, in one query (UNION ALL)."""
    terms: dict[str, list[str]] = {"problem": [], "form": [], "district": []}
    contractors = []
    organisation_url = _organisation_url_maker()
    with connection.cursor() as cursor:
        cursor.execute(_service_terms_sql(), [pk, pk, pk, organisation_id])
        for group, name, other in cursor.fetchall():
            if group == "contractor":
                contractors.append(MainContractor(name, organisation_url(other)))
            elif group == "district":
                terms[group].append(name)  # stadsdelen by their (Dutch) name
            else:
                terms[group].append(in_language(name, other))
    return terms, contractors


def _organisation_url_maker():
    marker = "0-organisation-slug-0"
    before, after = reverse(
        "registry:organisation-detail", kwargs={"slug": marker}
    ).split(marker)
    return lambda slug: f"{before}{slug}{after}"


@lru_cache(maxsize=1)
def _service_terms_sql() -> str:
    """Only table and column names from the models; the ids are parameters."""
    parts = []
    for group, field in (
        ("problem", "problem_areas"),
        ("form", "forms"),
        ("district", "districts"),
    ):
        relation = Service._meta.get_field(field)
        through = relation.remote_field.through._meta
        term = relation.related_model._meta
        link = through.get_field(relation.m2m_reverse_field_name()).column
        own = through.get_field(relation.m2m_field_name()).column
        select = f"SELECT '{group}', t.name, t.name_en"
        tables = f"{through.db_table} l JOIN {term.db_table} t ON t.id = l.{link}"
        parts.append(f"{select} FROM {tables} WHERE l.{own} = %s")  # noqa: S608
    subcontract, contract = Subcontract._meta, Contract._meta
    organisation = Organisation._meta
    parts.append(
        "SELECT DISTINCT 'contractor', o.name, o.slug "  # noqa: S608
        f"FROM {subcontract.db_table} s "
        f"JOIN {contract.db_table} c "
        f"ON c.id = s.{subcontract.get_field('contract').column} "
        f"JOIN {organisation.db_table} o "
        f"ON o.id = c.{contract.get_field('organisation').column} "
        f"WHERE s.{subcontract.get_field('subcontractor').column} = %s"
    )
    return " UNION ALL ".join(parts) + " ORDER BY 1, 2"


def _service_locations(pk: int) -> list[Location]:
    """A service's locations in their page order, each with its stadsdeel's
    name as ``location.district`` (a District holding only its id and name)."""
    locations = list(Location.objects.raw(_service_locations_sql(), [pk]))
    for location in locations:
        if location.district_id is not None:
            location.district = District(
                pk=location.district_id, name=location.district_name
            )
    return locations


@lru_cache(maxsize=1)
def _service_locations_sql() -> str:
    """Only table and column names from the models; the id is a parameter.
    The order is Location's own (main location first, then by name)."""
    relation = Service._meta.get_field("locations")
    through = relation.remote_field.through._meta
    link = through.get_field(relation.m2m_reverse_field_name()).column
    own = through.get_field(relation.m2m_field_name()).column
    location, district = Location._meta, District._meta
    return (
        f"SELECT l.*, d.name AS district_name FROM {location.db_table} l "  # noqa: S608
        f"JOIN {through.db_table} sl ON sl.{link} = l.id "
        f"LEFT JOIN {district.db_table} d "
        f"ON d.id = l.{location.get_field('district').column} "
        f"WHERE sl.{own} = %s ORDER BY l.is_main DESC, l.name, l.id"
    )


def service_get_public_document(*, pk: int) -> Service:
    """``service_get_public`` with every relation prefetched as model
    instances (for the API's document of a service). 6 queries."""
    return with_service_page_relations(
        _public_services().select_related("organisation", "perceel", "capacity")
    ).get(pk=pk)


def with_service_page_relations(qs: QuerySet[Service]) -> QuerySet[Service]:
    """Prefetch what a service's page or API document shows (5 queries)."""
    return qs.prefetch_related(
        "problem_areas",
        "forms",
        "districts",
        Prefetch("locations", queryset=Location.objects.select_related("district")),
        Prefetch(
            "organisation__subcontracts",
            queryset=Subcontract.objects.select_related("contract__organisation"),
        ),
    )
