"""The services' search documents (text, vector, facet bit sets) and the
spelling vocabulary: refresh, rebuild, and deleting facet terms.
"""

from collections.abc import Iterable

from django.contrib.postgres.search import SearchVectorField
from django.db import connection, transaction
from django.db.models import Expression

from registry import search_text
from registry.catalogue_version import catalogue_version_bump
from registry.models import (
    FacetTerm,
    Service,
)

SEARCH_BATCH_SIZE = 2000

# PostgreSQL's weighted vector of a document from its sections' index tokens,
# the same SQL for the refresh's UPDATE and an import's INSERT.
_VECTOR_SQL = (
    "setweight(to_tsvector('simple', {title}), 'A')"
    " || setweight(to_tsvector('simple', {tags}), 'B')"
    " || setweight(to_tsvector('simple', {body}), 'C')"
)
_UPDATE_VECTOR = _VECTOR_SQL.format(title="d.title", tags="d.tags", body="d.body")
_SEARCH_UPDATE_SQL = f"""
UPDATE registry_service AS s
   SET search_text = d.text,
       search_vector = {_UPDATE_VECTOR},
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
"""  # noqa: S608 - no input in the SQL text, only in the parameters
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
    from registry.search import build_document

    batch = (
        Service.objects.filter(pk__in=ids)
        .select_related("organisation", "perceel", "capacity")
        .prefetch_related("problem_areas", "forms", "districts", "locations")
    )
    documents = [build_document(service) for service in batch]
    sections = [_index_sections(d) for d in documents]
    texts = [search_text.joined_sections(parts) for parts in sections]
    terms = set().union(*(search_text.vocabulary(text) for text in texts))
    if connection.vendor != "postgresql":
        rows = [
            _search_fields(d, text) for d, text in zip(documents, texts, strict=True)
        ]
        fields = ["search_text"] + [f"search_{name}" for name in _SEARCH_EXTRA_FIELDS]
        Service.objects.bulk_update(rows, fields)
        search_terms_add(terms)
        return
    columns = [
        [d.service_id for d in documents],
        *([parts[i] for parts in sections] for i in range(3)),  # title, tags, body
        texts,
    ] + [[getattr(d, name) for d in documents] for name in _SEARCH_EXTRA_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_SEARCH_UPDATE_SQL, columns)
    search_terms_add(terms)


def _index_sections(document) -> list[str]:
    """The index tokens of the title, tags and body, each joined by spaces
    (``SearchDocument.section``), made once for both the text and the vector."""
    return [
        " ".join(search_text.index_tokens(part))
        for part in (document.title, document.tags, document.body)
    ]


def _search_fields(document, text: str) -> Service:
    service = Service(pk=document.service_id, search_text=text)
    for name in _SEARCH_EXTRA_FIELDS:
        setattr(service, f"search_{name}", getattr(document, name))
    return service


class _DocumentVector(Expression):
    """The weighted search vector computed by the INSERT of a new row."""

    output_field = SearchVectorField()

    def __init__(self, title: str, tags: str, body: str):
        super().__init__()
        self.sections = [title, tags, body]

    def as_sql(self, compiler, connection):
        sql = _VECTOR_SQL.format(title="%s::text", tags="%s::text", body="%s::text")
        return sql, list(self.sections)


def service_search_prefill(service: Service, document) -> set[str]:
    """Set the search columns of an unsaved ``service`` from its ``document``
    (``search.service_document``), so that its INSERT writes them and no
    refresh has to rewrite the row. The columns equal what
    ``service_refresh_search`` stores. Returns the document's spelling words,
    for ``search_terms_add`` once the rows are written. Writes nothing.
    """
    sections = _index_sections(document)
    service.search_text = search_text.joined_sections(sections)
    for name in _SEARCH_EXTRA_FIELDS:
        setattr(service, f"search_{name}", getattr(document, name))
    if connection.vendor == "postgresql":
        service.search_vector = _DocumentVector(*sections)
    return search_text.vocabulary(service.search_text)


def search_terms_add(terms: Iterable[str]) -> None:
    """Add words to the spelling vocabulary ``registry_search_term`` (words
    it holds already are skipped). One statement on PostgreSQL."""
    terms = sorted(set(terms))
    if not terms:
        return
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                "INSERT OR IGNORE INTO registry_search_term (term) VALUES (%s)",
                [(term,) for term in terms],
            )
            return
        cursor.execute(_SEARCH_TERMS_SQL, [terms])


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
