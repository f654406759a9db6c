"""The Open Referral API (HSDA 3.1) under /api/v1/hsds.

The documents are those of ``registry.hsds`` (and ``manage.py export_hsds``);
the query parameters are HSDA's own (``registry.hsda``). Because HSDA's
snake_case parameters are not the Dutch API Design Rules' camelCase, this API
has its own OpenAPI document (``registry.hsda_openapi``, served at
``/api/v1/hsds/openapi.json``) and stays out of the main one. Objects are
addressed by their HSDS uuid (``registry.hsds.hsds_id``); an integer id or an
unknown uuid is 404.
"""

import uuid

from django.http import Http404
from django.urls import reverse

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import hsda, hsda_openapi, hsds
from registry.api import scopes
from registry.api.pagination import HsdsPagination
from registry.api.scopes import KeyScope
from registry.models import Service

PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/schema_reference.html"


def _pk_for(kind: str, hsds_uuid: str, pks) -> int:
    """The primary key whose HSDS id is ``hsds_uuid``, else ``Http404``.

    HSDS ids are uuid5 hashes of the primary key, so the lookup hashes the
    candidates' keys (a catalogue has thousands at most: milliseconds)."""
    try:
        wanted = str(uuid.UUID(hsds_uuid))
    except ValueError:
        raise Http404 from None
    for pk in pks:
        if hsds.hsds_id(kind, pk) == wanted:
            return pk
    raise Http404


class _HsdaSettings:
    URL_FORMAT_OVERRIDE = None  # ``format`` is an HSDA parameter here, not DRF's


class HsdaContentNegotiation(DefaultContentNegotiation):
    settings = _HsdaSettings


@extend_schema(exclude=True)  # documented in the HSDA document instead
class _Hsda(APIView):
    # Public; a key needs the catalogue read scope (as for the catalogue).
    permission_classes = [KeyScope, permissions.AllowAny]
    key_scopes = scopes.CATALOGUE
    content_negotiation_class = HsdaContentNegotiation
    allowed = ()

    def query(self, request) -> hsda.Query:
        return hsda.parse(request.query_params, self.allowed)

    def page(self, request, items, render) -> Response:
        paginator = HsdsPagination()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response([render(item) for item in page])


class RootView(_Hsda):
    """``/``: which HSDS version this API serves and where its contract is."""

    def get(self, request):
        self.query(request)
        return Response(
            {
                "version": hsds.HSDS_VERSION,
                "profile": PROFILE_URL,
                "openapi_url": request.build_absolute_uri(
                    reverse("registry-api:hsds-openapi")
                ),
            }
        )


class OpenApiView(_Hsda):
    """The HSDA OpenAPI document of this API (JSON)."""

    def get(self, request):
        self.query(request)
        return Response(hsda_openapi.document())


class ServiceListView(_Hsda):
    allowed = hsda.SERVICE_PARAMS

    def get(self, request):
        query = self.query(request)
        services = hsda.services(query)
        if query.full:
            render = hsds.service_dict
        else:
            # One-to-one fields only: no many-to-many prefetches needed.
            services = services.prefetch_related(None)
            render = hsds.service_minimal if query.minimal else hsds.service_summary
        return self.page(request, services, render)


class ServiceDetailView(_Hsda):
    def get(self, request, id):
        self.query(request)
        queryset = hsds.service_queryset()
        pks = Service.objects.filter(pk__in=queryset.values("pk")).values_list(
            "pk", flat=True
        )
        pk = _pk_for("service", id, pks.iterator())
        return Response(hsds.service_dict(queryset.get(pk=pk)))


class OrganizationListView(_Hsda):
    allowed = hsda.ORGANIZATION_PARAMS

    def get(self, request):
        query = self.query(request)
        if query.full or query.full_service:

            def render(org):
                return hsds.organisation_dict(org, full_service=query.full_service)
        else:
            render = hsds.organisation_summary
        return self.page(request, hsda.organisations(query), render)


class OrganizationDetailView(_Hsda):
    allowed = hsda.ORGANIZATION_DETAIL_PARAMS

    def get(self, request, id):
        query = self.query(request)
        queryset = hsds.organisation_queryset(full_service=query.full_service)
        pks = queryset.prefetch_related(None).values_list("pk", flat=True)
        pk = _pk_for("organization", id, pks.iterator())
        org = queryset.get(pk=pk)
        return Response(hsds.organisation_dict(org, full_service=query.full_service))


class TaxonomyListView(_Hsda):
    allowed = hsda.TAXONOMY_PARAMS

    def get(self, request):
        return self.page(request, hsda.taxonomies(self.query(request)), dict)


class TaxonomyDetailView(_Hsda):
    def get(self, request, id):
        self.query(request)
        for code in hsds.TAXONOMIES:
            if hsds.taxonomy_id(code) == id.lower():
                return Response(hsds.taxonomy_dict(code))
        raise Http404


class TaxonomyTermListView(_Hsda):
    allowed = hsda.TAXONOMY_TERM_PARAMS

    def get(self, request):
        return self.page(request, hsda.taxonomy_terms(self.query(request)), dict)


class TaxonomyTermDetailView(_Hsda):
    def get(self, request, id):
        self.query(request)
        for term in hsds.all_terms():
            if term["id"] == id.lower():
                return Response(term)
        raise Http404


class ServiceAtLocationListView(_Hsda):
    allowed = hsda.SERVICE_AT_LOCATION_PARAMS

    def get(self, request):
        query = self.query(request)
        paginator = HsdsPagination()
        rows = paginator.paginate_queryset(
            hsda.service_at_locations(query), request, view=self
        )
        return paginator.get_paginated_response(
            [
                hsds.service_at_location_dict(link, full=query.full)
                for link in hsda.load_links(rows)
            ]
        )


class ServiceAtLocationDetailView(_Hsda):
    def get(self, request, id):
        self.query(request)
        links = hsda.service_at_locations(hsda.Query())
        wanted = _pk_for(
            "service_at_location",
            id,
            (
                f"{service}/{location}"
                for service, location in links.values_list(
                    "service_id", "location_id"
                ).iterator()
            ),
        )
        service_pk, location_pk = map(int, wanted.split("/"))
        (link,) = hsda.load_links(
            links.filter(service_id=service_pk, location_id=location_pk)
        )
        return Response(hsds.service_at_location_dict(link, full=True))
