"""Keyset ("seek") pagination for the working lists.

A page is the ``size`` rows after (or before) the last (first) row of the page
the user came from, in the QuerySet's own order, which ends on the id. With an
index that matches the order, every page reads only its own rows, however long
the organisation's history: no OFFSET, no COUNT(*) over the history. The total
is counted up to ``COUNT_CAP`` rows ("meer dan 1.000" beyond).

The link to another page carries a token: the sort values of the row it
continues from, the direction and the page number (for "Pagina 3"). A token
that does not fit the list (edited, or from another sort) gives the first page.
"""

import base64
import binascii
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import (
    FieldDoesNotExist,
    ImproperlyConfigured,
    ValidationError,
)
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy, RawSQL

COUNT_CAP = 1000
MAX_PAGE = 10**6
_NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class _Term:
    alias: str
    expression: object
    descending: bool
    nullable: bool
    attname: str | None  # the model attribute holding the value, if a field


@dataclass(frozen=True)
class Branches:
    """A list that is the union of disjoint branches, one per provider (and,
    for an onderaannemer, its subcontracted percelen), each answered by an
    index in the list's order: what ``parts`` are, without building and
    compiling one QuerySet per branch. On PostgreSQL the merge and the count
    are one statement each: the ``template`` (the list restricted to the
    branch of the current row) compiled once, run per row of a VALUES list
    ``_b(provider, percelen)`` by a LATERAL join.
    Elsewhere ``build()`` gives the parts as QuerySets.

    ``rows``: (provider id, perceel ids or None for every perceel)."""

    template: QuerySet
    rows: tuple[tuple[int, tuple[int, ...] | None], ...]
    build: Callable[[], list[QuerySet]]

    def map(self, change: Callable[[QuerySet], QuerySet]) -> "Branches":
        """The same branches with ``change`` applied to each (a filter)."""
        build = self.build
        return Branches(
            template=change(self.template),
            rows=self.rows,
            build=lambda: [change(part) for part in build()],
        )


def _lateral(branches: Branches, inner: QuerySet, db: str) -> tuple[str, list]:
    """``inner`` (made from the template) run for every branch, its rows one
    SELECT, and its parameters. Ids only, as parameters; our own SQL around
    Django's."""
    sql, params = inner.query.get_compiler(using=db).as_sql()
    values, row_params = [], []
    for provider, percelen in branches.rows:
        values.append("(%s::bigint, %s::bigint[])")
        row_params += [int(provider), None if percelen is None else list(percelen)]
    merged = (
        f"SELECT _m.* FROM (VALUES {', '.join(values)}) "  # noqa: S608
        f"AS _b(provider, percelen) CROSS JOIN LATERAL ({sql}) AS _m"
    )
    return merged, [*row_params, *params]


def _as_parts(parts, db: str):
    """``parts`` as QuerySets, unless they are ``Branches`` the database can
    run as one LATERAL statement (PostgreSQL)."""
    if isinstance(parts, Branches) and connections[db].vendor != "postgresql":
        return parts.build()
    return parts


def _terms(qs: QuerySet) -> list[_Term]:
    """The QuerySet's order as terms: a field name ("-referred_on"), an
    expression (ascending) or an ``OrderBy``."""
    terms = []
    for number, item in enumerate(qs.query.order_by):
        if isinstance(item, str):
            descending = item.startswith("-")
            expression = F(item.lstrip("-"))
        elif isinstance(item, OrderBy):
            descending, expression = item.descending, item.expression
        else:
            descending, expression = False, item
        attname, nullable = None, True
        if isinstance(expression, F):
            name = "id" if expression.name == "pk" else expression.name
            try:
                field = qs.model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            if field is not None and not field.is_relation:
                attname, nullable = field.attname, field.null
        terms.append(_Term(f"_seek{number}", expression, descending, nullable, attname))
    return terms


def _ordered(qs: QuerySet, terms: list[_Term], reverse: bool) -> QuerySet:
    """Order on the terms with NULLs where PostgreSQL puts them by default
    (last ascending, first descending), on every database alike."""
    order = []
    for term in terms:
        descending = term.descending != reverse
        expression = F(term.alias)
        order.append(
            expression.desc(nulls_first=True)
            if descending
            else expression.asc(nulls_last=True)
        )
    return qs.order_by(*order)


def _beyond(term: _Term, value, forward: bool) -> Q:
    """Rows strictly beyond ``value`` on this term, going ``forward`` in the
    list's order (NULLs last ascending, first descending)."""
    name = term.alias
    later = term.descending != forward  # True: larger values come later
    if value is None:
        # NULLs come last going up: nothing beyond them; going down, every value.
        return Q(**{f"{name}__isnull": False}) if not later else _NOTHING
    beyond = Q(**{f"{name}__gt" if later else f"{name}__lt": value})
    if later and term.nullable:
        beyond |= Q(**{f"{name}__isnull": True})
    return beyond


def _equal(term: _Term, value) -> Q:
    if value is None:
        return Q(**{f"{term.alias}__isnull": True})
    return Q(**{term.alias: value})


def _seek(terms: list[_Term], values: list, forward: bool) -> Q:
    """(t1, t2, ...) beyond (v1, v2, ...), spelled out term by term, plus a
    bound on the first term alone so the index scan starts there."""
    condition = Q()
    same = Q()
    for term, value in zip(terms, values, strict=True):
        condition |= same & _beyond(term, value, forward)
        same &= _equal(term, value)
    first, value = terms[0], values[0]
    if value is not None and not first.nullable:
        later = first.descending != forward
        condition &= Q(
            **{f"{first.alias}__gte" if later else f"{first.alias}__lte": value}
        )
    return condition


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _encode(values: list, page: int, forward: bool) -> str:
    raw = json.dumps(
        [[_plain(v) for v in values], page, forward], separators=(",", ":")
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(token: str, length: int) -> tuple[list, int, bool] | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values, page, forward = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        return None
    if (
        not isinstance(values, list)
        or len(values) != length
        or not all(isinstance(v, str | int | None) for v in values)
        or type(page) is not int
        or not 1 < page <= MAX_PAGE
        or not isinstance(forward, bool)
    ):
        return None
    return values, page, forward


class KeysetPage:
    """One page of a list, shaped like Django's ``Page`` for the templates:
    ``previous_page_number``/``next_page_number`` give the ``page`` parameter
    of the neighbouring page (a token; "" for the first page)."""

    def __init__(self, rows, *, number, count, size, previous, following):
        self.object_list = rows
        self.number = number
        self.count = count  # capped at COUNT_CAP + 1
        self._previous = previous
        self._following = following
        self.paginator = self
        self.more_than = count > COUNT_CAP
        self.num_pages = math.ceil(min(count, COUNT_CAP) / size) or 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_previous(self) -> bool:
        return self._previous is not None

    def has_next(self) -> bool:
        return self._following is not None

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def previous_page_number(self) -> str:
        return self._previous

    def next_page_number(self) -> str:
        return self._following


def _union(parts: list[QuerySet], db: str) -> tuple[str, list]:
    """The parts' SQL, each as its own subquery, as one UNION ALL."""
    sqls, params = [], []
    for number, part in enumerate(parts):
        sql, part_params = part.query.get_compiler(using=db).as_sql()
        # Django's own SQL, its parameters kept apart: no input in the text.
        sqls.append(f"SELECT * FROM ({sql}) AS _part{number}")  # noqa: S608
        params.extend(part_params)
    return " UNION ALL ".join(sqls), params


def _merged_ids(
    parts: "list[QuerySet] | Branches",
    terms: list[_Term],
    reverse: bool,
    size: int,
    db: str,
) -> RawSQL:
    """The first ``size`` + 1 ids of the list in its order, as the top of a
    merge: each part (together they are the list) gives its own first ``size``
    + 1 rows by its own index scan, and only those are sorted. A list that is
    the union of many such parts (a hoofdaanbieder's inbox: its own services
    and each onderaannemer's percelen) then reads O(parts x page) rows, not
    every row it reaches."""
    columns = {f"_mk{number}": F(term.alias) for number, term in enumerate(terms)}
    if isinstance(parts, Branches):
        inner = _ordered(parts.template, terms, reverse)
        merged, params = _lateral(
            parts, inner.values(_mpk=F("pk"), **columns)[: size + 1], db
        )
    else:
        merged, params = _union(
            [
                _ordered(part, terms, reverse).values(_mpk=F("pk"), **columns)[
                    : size + 1
                ]
                for part in parts
            ],
            db,
        )
    order = ", ".join(
        f"_mk{number} DESC NULLS FIRST"
        if term.descending != reverse
        else f"_mk{number} ASC NULLS LAST"
        for number, term in enumerate(terms)
    )
    # Our own column names around Django's SQL; parameters apart.
    top = f"SELECT _mpk FROM ({merged}) AS _merged ORDER BY {order} LIMIT %s"  # noqa: S608
    return RawSQL(top, [*params, size + 1])  # noqa: S611


def _capped_count(qs: QuerySet, parts: "list[QuerySet] | Branches | None") -> int:
    """The rows of the list up to ``COUNT_CAP`` + 1. With parts, counted part
    after part (each by its own index), stopping at the cap, rather than
    gathering every row the list reaches first."""
    parts = _as_parts(parts, qs.db)
    if not parts:
        return qs.order_by().values("pk")[: COUNT_CAP + 1].count()
    if isinstance(parts, Branches):
        inner = parts.template.order_by().values("pk")[: COUNT_CAP + 1]
        merged, params = _lateral(parts, inner, qs.db)
    else:
        merged, params = _union(
            [part.order_by().values("pk")[: COUNT_CAP + 1] for part in parts], qs.db
        )
    sql = f"SELECT COUNT(*) FROM ({merged} LIMIT %s) AS _counted"  # noqa: S608
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, [*params, COUNT_CAP + 1])
        return cursor.fetchone()[0]


def _fetch(
    qs: QuerySet,
    terms: list[_Term],
    reverse: bool,
    size: int,
    parts: "list[QuerySet] | Branches | None" = None,
    named: tuple[str, ...] | None = None,
) -> list:
    """``size`` + 1 rows of ``qs`` in its order: the ids first (on the index
    alone, no join; merged from the ``parts`` if given), then those rows with
    their related rows, always through ``qs`` itself (its scope holds whatever
    the parts pick). One statement; joining before the sort would join every
    row the list reaches. ``named``: see ``seek_page``."""
    if parts:
        ids = _merged_ids(parts, terms, reverse, size, qs.db)
        return list(_ordered(_shaped(qs.filter(pk__in=ids), named), terms, reverse))
    ids = _ordered(qs, terms, reverse).values("pk")[: size + 1]
    rows = qs.model._base_manager.all()
    rows.query.select_related = qs.query.select_related
    rows.query.deferred_loading = qs.query.deferred_loading
    rows._prefetch_related_lookups = qs._prefetch_related_lookups
    rows = _with_terms(_shaped(rows.filter(pk__in=ids), named), terms)
    return list(_ordered(rows, terms, reverse))


def _shaped(rows: QuerySet, named: tuple[str, ...] | None) -> QuerySet:
    return rows if named is None else rows.values_list(*named, named=True)


@dataclass(frozen=True)
class Position:
    """Where a page starts: the sort values of the row it continues from, the
    direction (forward: the rows after it) and the page's number."""

    values: list
    number: int
    forward: bool


def _with_terms(qs: QuerySet, terms: list[_Term]) -> QuerySet:
    # Fields by alias (read back from the row); expressions selected as well.
    return qs.alias(
        **{term.alias: term.expression for term in terms if term.attname}
    ).annotate(**{term.alias: term.expression for term in terms if not term.attname})


def count_capped(qs: QuerySet, parts: "list[QuerySet] | Branches | None" = None) -> int:
    """The rows of ``qs``, counted up to ``COUNT_CAP`` + 1 (one query that
    stops there, however long the history; see ``_capped_count``)."""
    return _capped_count(qs, parts)


def seek_page(
    qs: QuerySet,
    position: Position | None,
    size: int,
    parts: "list[QuerySet] | Branches | None" = None,
    *,
    named: tuple[str, ...] | None = None,
) -> tuple[list, Position | None, Position | None]:
    """The rows of the page of ``qs`` (ordered, ending on a unique column)
    that starts at ``position`` (None: the first page), in one query, with the
    positions of the previous and the next page (None where there is none; a
    previous page numbered 1 is the first page). Sort values of the wrong type
    raise ``ValidationError``, ``ValueError`` or ``TypeError``.

    ``named``: the page's rows as named tuples of these columns (``values_list
    (*named, named=True)``) instead of model instances; only the page's
    statement reads their relations. The order must be on fields, among them.

    ``parts``: disjoint QuerySets, in ``qs``'s order, whose union is ``qs``,
    each answered by an index that matches the order (a hoofdaanbieder's
    inbox per provider); the page is then merged from each one's first rows
    (``_merged_ids``). The rows are still read through ``qs``: a part can
    only pick among them."""
    terms = _terms(qs)
    if named is not None and any(term.attname is None for term in terms):
        raise ImproperlyConfigured("Named rows need a list ordered on fields.")
    qs = _with_terms(qs, terms)
    parts = _as_parts(parts, qs.db)
    if isinstance(parts, Branches):
        parts = parts.map(lambda part: _with_terms(part, terms))
    else:
        parts = [_with_terms(part, terms) for part in parts or ()] or None
    if position is None:
        number, forward = 1, True
        rows = _fetch(qs, terms, False, size, parts, named)
    else:
        number, forward = position.number, position.forward
        beyond = _seek(terms, position.values, forward)
        rows = _fetch(
            qs.filter(beyond),
            terms,
            not forward,
            size,
            _filtered(parts, beyond),
            named,
        )
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    previous = following = None
    if rows and (number > 1 or (not forward and more)):
        previous = Position(_values(rows[0], terms), number - 1, False)
    if rows and (more if forward else True):
        following = Position(_values(rows[-1], terms), number + 1, True)
    return rows, previous, following


def _filtered(parts, condition: Q):
    if isinstance(parts, Branches):
        return parts.map(lambda part: part.filter(condition))
    return parts and [part.filter(condition) for part in parts]


def keyset_page(
    qs: QuerySet,
    token: str | None,
    size: int,
    parts: "list[QuerySet] | Branches | None" = None,
) -> KeysetPage:
    """The page of ``qs`` (ordered, ending on a unique column) that ``token``
    points to; the first page without one. Two queries: the capped count and
    the page's rows (``size`` + 1, to know whether a next page exists).
    ``parts``: see ``seek_page``."""
    parts = _as_parts(parts, qs.db)  # built once for the count and the page
    count = count_capped(qs, parts)
    decoded = _decode(token, len(qs.query.order_by)) if token else None
    position, found = None, None
    if decoded is not None:
        position = Position(*decoded)
        try:
            found = seek_page(qs, position, size, parts)
        except (ValidationError, ValueError, TypeError):
            found = None
        if found is None or not found[0]:  # a bad token, or nothing left there
            position, found = None, None
    rows, previous, following = found or seek_page(qs, None, size, parts)
    number = position.number if position else 1
    return KeysetPage(
        rows,
        number=number,
        count=count,
        size=size,
        # Back to the first page by its plain link (it shows the newest rows).
        previous=_token(previous),
        following=_token(following),
    )


def _token(position: Position | None) -> str | None:
    if position is None:
        return None
    if position.number <= 1:
        return ""
    return _encode(position.values, position.number, position.forward)


def order_values(qs: QuerySet, row) -> list:
    """The sort values of ``row`` in ``qs``'s order (its fields), to make a
    ``Position`` from a row read otherwise (a page read by OFFSET)."""
    return _values(row, _terms(qs))


def _values(row, terms: list[_Term]) -> list:
    return [getattr(row, term.attname or term.alias) for term in terms]
