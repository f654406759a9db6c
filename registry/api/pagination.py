"""Paginated lists of the API: ``{count, next, previous, results}``.

``page`` and ``pageSize`` are checked before the query: a value that is not a
whole number in range is 400 naming the parameter (never silently replaced by
the default); a page beyond the last one is 404. HSDS lists add the Open
Referral ``Page`` fields.
"""

from django.utils.translation import gettext as _

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

MAX_PAGE = 10**6
EXAMPLE_URL = "https://sociale-kaart.example.nl/api/v1/services"


def _whole_number(raw: str, low: int, high: int) -> int | None:
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    return None


class ApiPagination(PageNumberPagination):
    page_size = 20
    max_page_size = 100
    page_size_query_param = "pageSize"
    size_params = ("pageSize",)

    def paginate_queryset(self, queryset, request, view=None):
        self._check(request.query_params)
        return super().paginate_queryset(queryset, request, view)

    def _check(self, params) -> None:
        errors = {}
        if "page" in params and _whole_number(params["page"], 1, MAX_PAGE) is None:
            errors["page"] = [
                _("Een paginanummer van 1 tot en met %(n)s.") % {"n": MAX_PAGE}
            ]
        for name in self.size_params:
            size = params.get(name)
            if size is not None and _whole_number(size, 1, self.max_page_size) is None:
                errors[name] = [
                    _("Een aantal van 1 tot en met %(n)s.") % {"n": self.max_page_size}
                ]
        if errors:
            raise exceptions.ValidationError(errors)

    def get_page_size(self, request):
        for name in self.size_params:
            if name in request.query_params:
                return int(request.query_params[name].strip())
        return self.page_size

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        for name, page in (("next", 3), ("previous", 1)):
            result["properties"][name]["example"] = f"{EXAMPLE_URL}?page={page}"
        return result

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        limits = {
            "page": {"minimum": 1, "maximum": MAX_PAGE},
            self.page_size_query_param: {
                "minimum": 1,
                "maximum": self.max_page_size,
                "default": self.page_size,
            },
        }
        for parameter in parameters:
            parameter["schema"].update(limits.get(parameter["name"], {}))
        return parameters


class ReferencePagination(ApiPagination):
    """Short reference lists (percelen, stadsdelen, ...): one page as a rule."""

    page_size = 100


class HsdsPagination(ApiPagination):
    """Open Referral HSDA lists: the HSDA ``Page`` object with ``contents``.

    HSDA names the page size ``per_page``; the list answers exactly the Page
    fields and ``contents`` (see registry/hsds_schemas/3.1/api_reference.md)."""

    page_size_query_param = "per_page"
    size_params = ("per_page",)

    def paginate_list(self, items, request, view=None):
        """Paginate a plain list (taxonomies and terms live in code)."""
        return self.paginate_queryset(items, request, view)

    def get_paginated_response(self, data):
        page = self.page
        return Response(
            {
                "total_items": page.paginator.count,
                "total_pages": page.paginator.num_pages,
                "page_number": page.number,
                "size": len(data),
                "first_page": page.number == 1,
                "last_page": not page.has_next(),
                "empty": page.paginator.count == 0,
                "contents": data,
            }
        )
