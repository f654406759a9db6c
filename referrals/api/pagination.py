"""Pages of GET /api/v1/referrals that read only the page, however long the
organisation's history (``referrals.keyset``).

The answer keeps its fields ``{count, next, previous, results}``:

- ``next`` and ``previous`` carry ``cursor``, an opaque, signed position in
  the list (the sort values of the row the page continues from). Following
  them reads the page by the index on the list's order: no OFFSET.
- ``page`` (a number) still works for existing clients; its rows are read by
  OFFSET, and its ``next`` and ``previous`` links carry a cursor as well.
- ``count`` is counted up to ``COUNT_CAP``: a longer list answers
  ``COUNT_CAP`` + 1, "more than COUNT_CAP". Page on until ``next`` is null.

A cursor that is edited, truncated or from another list is 400 naming
``cursor``; so is a cursor together with ``page``.
"""

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from referrals import keyset
from registry.api.pagination import ApiPagination

CURSOR = "cursor"
_SALT = "referrals.api.cursor"
_MAX_CURSOR = 500
EXAMPLE_URL = "https://sociale-kaart.example.nl/api/v1/referrals"


def encode_cursor(position: keyset.Position) -> str:
    values = [v.isoformat() if hasattr(v, "isoformat") else v for v in position.values]
    return signing.dumps(
        [values, position.number, position.forward], salt=_SALT, compress=False
    )


def decode_cursor(raw: str, length: int) -> keyset.Position:
    """The position a cursor names; ``ValidationError`` on ``cursor`` when it
    is not one this list made."""
    try:
        if len(raw) > _MAX_CURSOR:
            raise signing.BadSignature
        values, number, forward = signing.loads(raw, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != length
        or type(number) is not int
        or not 1 < number <= keyset.MAX_PAGE
        or not isinstance(forward, bool)
    ):
        raise exceptions.ValidationError(
            {CURSOR: [_("Een ongeldige cursor: volg de next- en previous-links.")]}
        )
    return keyset.Position(values, number, forward)


class ReferralPagination(ApiPagination):
    page_size = 50
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        params = request.query_params
        self._check(params)
        self.request = request
        size = self.get_page_size(request)
        # The view's ``row_columns``: its rows as named tuples of these.
        self.named = getattr(view, "row_columns", None)
        position = None
        if CURSOR in params:
            if "page" in params:
                raise exceptions.ValidationError(
                    {CURSOR: [_("Gebruik cursor of page, niet allebei.")]}
                )
            position = decode_cursor(params[CURSOR], len(queryset.query.order_by))
        self.count = keyset.count_capped(queryset)
        number = int(params.get("page", "1").strip())
        if position is None and number > 1:
            rows, self.previous, self.following = self._numbered(queryset, number, size)
        else:
            rows, self.previous, self.following = self._sought(queryset, position, size)
        return rows

    def _sought(self, queryset, position, size):
        try:
            return keyset.seek_page(queryset, position, size, named=self.named)
        except (ValidationError, ValueError, TypeError) as exc:
            # Signed by us, so only a changed list order gets here.
            raise exceptions.ValidationError(
                {CURSOR: [_("Een ongeldige cursor: volg de next- en previous-links.")]}
            ) from exc

    def _numbered(self, queryset, number: int, size: int):
        """Page ``number`` by OFFSET (clients of the page numbers); beyond the
        last page is 404, as before."""
        start = (number - 1) * size
        shaped = queryset
        if self.named is not None:
            shaped = queryset.values_list(*self.named, named=True)
        rows = list(shaped[start : start + size + 1])
        if not rows:
            raise exceptions.NotFound(
                self.invalid_page_message.format(page_number=number, message="")
            )
        more = len(rows) > size
        rows = rows[:size]
        terms = keyset.order_values
        previous = keyset.Position(terms(queryset, rows[0]), number - 1, False)
        following = None
        if more:
            following = keyset.Position(terms(queryset, rows[-1]), number + 1, True)
        return rows, previous, following

    def _link(self, position):
        if position is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), "page")
        if position.number <= 1:
            return remove_query_param(url, CURSOR)
        return replace_query_param(url, CURSOR, encode_cursor(position))

    def get_next_link(self):
        return self._link(self.following)

    def get_previous_link(self):
        return self._link(self.previous)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": min(self.count, keyset.COUNT_CAP + 1),
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        properties = result["properties"]
        properties["count"]["description"] = (
            f"How many referrals the list holds, counted up to {keyset.COUNT_CAP}: "
            f"a longer list answers {keyset.COUNT_CAP + 1} (more than "
            f"{keyset.COUNT_CAP}). Page on with next until it is null."
        )
        properties["count"]["maximum"] = keyset.COUNT_CAP + 1
        example = (
            f"{EXAMPLE_URL}?cursor=W1siMjAyNi0xMS0zMCIsNDIxN10sMix0cnVlXQ:1vK2pQ:x1"
        )
        for name, end in (("next", "last"), ("previous", "first")):
            properties[name]["example"] = example
            properties[name]["description"] = (
                f"The link to the {name} page, with an opaque cursor; null on "
                f"the {end} page."
            )
        return result

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == "page":
                parameter["description"] = (
                    "Page number, for existing clients: pages beyond the first "
                    "are read by offset. Prefer the next and previous links."
                )
        cursor = {
            "name": CURSOR,
            "required": False,
            "in": "query",
            "description": "Where the page starts: the opaque value in the next "
            "and previous links (never made by the client). A changed cursor is "
            "400; not together with page.",
            "schema": {"type": "string", "maxLength": _MAX_CURSOR},
        }
        return [*parameters, cursor]
