"""The services' search documents (text, vector, facet bit sets) and the
spelling vocabulary: refresh, rebuild, and deleting facet terms.
"""

from collections.abc import Iterable

from django.db import connection, transaction

from registry.catalogue_version import catalogue_version_bump
from registry.models import (
    FacetTerm,
    Service,
)

SEARCH_BATCH_SIZE = 2000

_SEARCH_UPDATE_SQL = """
UPDATE registry_service AS s
   SET search_text = d.text,
       search_vector =
           setweight(to_tsvector('simple', d.title), 'A')
        || setweight(to_tsvector('simple', d.tags), 'B')
        || setweight(to_tsvector('simple', d.body), 'C'),
       search_district_bits = d.district_bits,
       search_problem_bits = d.problem_bits,
       search_form_bits = d.form_bits,
       search_open = d.open,
       search_total_wait = d.total_wait
  FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[],
              %s::bigint[], %s::bigint[], %s::bigint[], %s::boolean[], %s::int[])
       AS d(id, title, tags, body, text, district_bits, problem_bits, form_bits,
            open, total_wait)
 WHERE s.id = d.id
"""
# Document fields stored as search_<name> besides the text.
_SEARCH_EXTRA_FIELDS = (
    "district_bits",
    "problem_bits",
    "form_bits",
    "open",
    "total_wait",
)
_SEARCH_TERMS_SQL = """
INSERT INTO registry_search_term (term)
SELECT DISTINCT unnest(%s::text[]) ON CONFLICT DO NOTHING
"""


def service_refresh_search(*, services: Iterable[Service | int]) -> int:
    """Rebuild the search document of ``services`` (instances, ids or a QuerySet).

    Call it after anything a search looks at changes: a service's own texts, its
    organisation's or perceel's name, its problem areas, forms, districts or
    locations. Returns the number of services refreshed.
    Invariants: ``search_text`` is the index text of the document
    (``search_text.index_text``: words, stems and compound parts, made in
    Python so both databases search the same tokens), the ``search_*_bits``
    hold the bit slots of its districts, problem areas and forms; on PostgreSQL
    ``search_vector`` holds the same tokens ('simple' configuration), weighing
    the name A, organisation/perceel/tags B and descriptions/places C.
    Side effects: updates only the search columns (no history row, no
    ``updated_at`` change); adds new words to the spelling vocabulary
    ``registry_search_term``. A fixed number of queries per batch.
    """
    ids = sorted({getattr(item, "pk", item) for item in services})
    for start in range(0, len(ids), SEARCH_BATCH_SIZE):
        with transaction.atomic():
            _refresh_search_batch(ids[start : start + SEARCH_BATCH_SIZE])
    if ids:
        # Bulk paths (import, generated data, facet terms) end here, bypassing
        # the model signals: what was cached from the catalogue is stale now.
        catalogue_version_bump()
    return len(ids)


def _refresh_search_batch(ids: list[int]) -> None:
    from registry.search import build_document, vocabulary

    batch = (
        Service.objects.filter(pk__in=ids)
        .select_related("organisation", "perceel", "capacity")
        .prefetch_related("problem_areas", "forms", "districts", "locations")
    )
    documents = [build_document(service) for service in batch]
    texts = [d.text for d in documents]
    terms = set().union(*(vocabulary(text) for text in texts))
    if connection.vendor != "postgresql":
        rows = [
            _search_fields(d, text) for d, text in zip(documents, texts, strict=True)
        ]
        fields = ["search_text"] + [f"search_{name}" for name in _SEARCH_EXTRA_FIELDS]
        Service.objects.bulk_update(rows, fields)
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT OR IGNORE INTO registry_search_term (term) VALUES (%s)",
                [(term,) for term in sorted(terms)],
            )
        return
    columns = [
        [d.service_id for d in documents],
        [d.section("title") for d in documents],
        [d.section("tags") for d in documents],
        [d.section("body") for d in documents],
        texts,
    ] + [[getattr(d, name) for d in documents] for name in _SEARCH_EXTRA_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_SEARCH_UPDATE_SQL, columns)
        cursor.execute(_SEARCH_TERMS_SQL, [sorted(terms)])


def _search_fields(document, text: str) -> Service:
    service = Service(pk=document.service_id, search_text=text)
    for name in _SEARCH_EXTRA_FIELDS:
        setattr(service, f"search_{name}", getattr(document, name))
    return service


def facet_terms_delete(*, terms: Iterable[FacetTerm]) -> int:
    """Delete facet terms (stadsdelen, problem areas, forms) and refresh the
    search documents of the services that had them.

    Invariants: no service's stored bit set keeps a deleted term's bit, so a new
    term that reuses the freed ``bit_slot`` is not found on those services.
    Side effects: the terms' links to services go with them (cascade). Returns
    the number of terms deleted. One transaction.
    """
    terms = list(terms)
    with transaction.atomic():
        affected: set[int] = set()
        for term in terms:
            affected.update(term.services.values_list("pk", flat=True))
        for term in terms:
            term.delete()
        service_refresh_search(services=affected)
    return len(terms)


def search_index_rebuild() -> int:
    """Refresh every service's search document and rebuild the spelling
    vocabulary from scratch (dropping words no service uses any more)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM registry_search_term")
        ids = list(Service.objects.values_list("pk", flat=True))
        return service_refresh_search(services=ids)
