"""The public catalogue: percelen (lots), stadsdelen, problem areas, forms,
organisations and services. Reads need no token; a token or session only adds
schools to the organisations (for a referral's follower school). A provider
changes its own services and organisation with PATCH (``self_service``).

``GET /api/v1/services`` gives the results of /zoeken for the same filters in
the same order (``registry.api.filters``).
"""

from django.http import Http404

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.response import Response

from registry.api import filters, scopes, selectors, self_service
from registry.api import serializers as s
from registry.api.pagination import ApiPagination, ReferencePagination
from registry.api.scopes import KeyScope
from registry.models import Organisation, Perceel, Service

SLUG = "[-a-zA-Z0-9_]+"
TAGS = ["catalogue"]


def _path(name: str, description: str, kind=OpenApiTypes.STR) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)


class _Catalogue(viewsets.GenericViewSet):
    permission_classes = [KeyScope, permissions.AllowAny]
    key_scopes = scopes.CATALOGUE
    pagination_class = ReferencePagination
    filter_backends = []


@extend_schema_view(
    list=extend_schema(
        operation_id="lot_list",
        summary="Percelen (procurement lots) in display order",
        description="The active percelen the municipality procures youth care "
        "in. Their codes filter services (`lot`) and organisations.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        operation_id="lot_retrieve",
        summary="One perceel with the hoofdaanbieders holding it",
        description="An active perceel and the active hoofdaanbieders with a "
        "contract for it; an inactive or unknown code is 404.",
        parameters=[_path("code", "Perceel code, e.g. begeleiding.")],
        responses=s.LotDetailSerializer,
        tags=TAGS,
    ),
)
class LotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Catalogue):
    serializer_class = s.LotSerializer
    lookup_field = "code"
    lookup_value_regex = SLUG

    def get_queryset(self):
        return selectors.perceel_list()

    def retrieve(self, request, code=None):
        try:
            perceel = selectors.perceel_get(code=code)
        except Perceel.DoesNotExist:
            raise Http404 from None
        return Response(s.LotDetailSerializer(perceel).data)


@extend_schema_view(
    list=extend_schema(
        operation_id="district_list",
        summary="Stadsdelen of Almere",
        description="The stadsdelen; their codes filter services (`district`).",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        operation_id="district_retrieve",
        summary="One stadsdeel",
        description="A stadsdeel by its code; an unknown code is 404.",
        parameters=[_path("slug", "Stadsdeel code, e.g. almere-haven.")],
        tags=TAGS,
    ),
)
class DistrictViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Catalogue):
    serializer_class = s.ReferenceSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG

    def get_queryset(self):
        return selectors.district_list()


@extend_schema_view(
    list=extend_schema(
        operation_id="problem_area_list",
        summary="Problem areas (problematiek) services address",
        description="The problem areas by name; their codes filter services "
        "(`problem`).",
        tags=TAGS,
    )
)
class ProblemAreaViewSet(mixins.ListModelMixin, _Catalogue):
    serializer_class = s.ReferenceSerializer

    def get_queryset(self):
        return selectors.problem_area_list()


@extend_schema_view(
    list=extend_schema(
        operation_id="form_list",
        summary="Forms of help (vormen): ambulant, groep, online, ...",
        description="The forms of help by name; their codes filter services (`form`).",
        tags=TAGS,
    )
)
class FormViewSet(mixins.ListModelMixin, _Catalogue):
    serializer_class = s.ReferenceSerializer

    def get_queryset(self):
        return selectors.form_list()


@extend_schema_view(
    list=extend_schema(
        operation_id="organisation_list",
        summary="Providers (hoofdaanbieders and onderaannemers) by name",
        description="Active providers, by name. With a token or session the "
        "list also holds schools (the ids a referral's `follower_school` takes); "
        "referrers and the municipality are never listed.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        operation_id="organisation_retrieve",
        summary="One provider with contracts, onderaannemers, services and locations",
        description="What the provider's public page shows: contracts per "
        "perceel with their onderaannemers, the hoofdaanbieders an onderaannemer "
        "works under, active services with capacity, and locations.",
        parameters=[_path("slug", "The organisation's slug (see the list).")],
        responses=s.OrganisationDetailSerializer,
        tags=TAGS,
    ),
    partial_update=self_service.ORGANISATION_UPDATE_SCHEMA,
)
class OrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Catalogue):
    """Reads are public; PATCH is the provider's own (``self_service``)."""

    serializer_class = s.OrganisationSerializer
    pagination_class = ApiPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.OrganisationFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG

    def get_queryset(self):
        return selectors.organisation_list(actor=self.request.user)

    key_scopes = scopes.CATALOGUE_WRITE

    def get_permissions(self):
        if self.action == "partial_update":
            return [KeyScope(), permissions.IsAuthenticated()]
        return super().get_permissions()

    def partial_update(self, request, slug=None):
        return self_service.organisation_update(request, slug)

    def retrieve(self, request, slug=None):
        try:
            organisation = selectors.organisation_get(actor=request.user, slug=slug)
        except Organisation.DoesNotExist:
            raise Http404 from None
        body = s.OrganisationDetailSerializer(
            organisation, context=self.get_serializer_context()
        ).data
        return Response(body)


def _query(name, kind, description, **kwargs) -> OpenApiParameter:
    return OpenApiParameter(
        name, kind, OpenApiParameter.QUERY, description=description, **kwargs
    )


def _slugs(name: str, description: str) -> OpenApiParameter:
    return _query(
        name,
        {"type": "array", "items": {"type": "string", "minLength": 1}},
        description + " Repeat for several (any of them).",
        explode=True,
        style="form",
    )


SERVICE_FILTERS = [
    _query(
        "q",
        {"type": "string", "maxLength": 200},
        "Free text: every word must occur (as on /zoeken: Dutch plurals and "
        "compounds, the municipality's thesaurus, English term names and typo "
        "tolerance, the same on every database).",
    ),
    _slugs("lot", "Perceel code (see /lots)."),
    _slugs(
        "organisation",
        "Organisation slug or id (see /organisations, or /me for your own): "
        "only its services.",
    ),
    _query(
        "age",
        {"type": "integer", "minimum": 0, "maximum": 23},
        "Age of the child: services whose age range includes it.",
    ),
    _slugs("district", "Stadsdeel code (see /districts)."),
    _slugs("problem", "Problem area code (see /problem-areas)."),
    _slugs("form", "Form of help code (see /forms)."),
    _query("accepting", OpenApiTypes.BOOL, "true: only services with room now."),
    _query(
        "maxWaitWeeks",
        {"type": "integer", "minimum": 0, "maximum": 260},
        "Total waiting time (weeks) at most this; unknown waits never match.",
    ),
    _query(
        "postcode",
        {
            "type": "string",
            "maxLength": 7,
            "pattern": "^[1-9][0-9]{3} ?([A-Za-z]{2})?$",
        },
        "Dutch postcode (1356 TL, 1356TL or 1356): only services with a location "
        "within radiusKm of its centre (looked up in PDOK Locatieserver). Unknown, "
        "or PDOK not reachable: 400 naming postcode.",
    ),
    _query(
        "lat",
        {"type": "number", "minimum": 50, "maximum": 54},
        "Latitude (WGS84) to measure distance from instead of a postcode; with lon.",
    ),
    _query(
        "lon",
        {"type": "number", "minimum": 2.5, "maximum": 7.5},
        "Longitude (WGS84) to measure distance from instead of a postcode; with lat.",
    ),
    _query(
        "radiusKm",
        {"type": "integer", "minimum": 1, "maximum": 100},
        "With postcode or lat/lon: the radius in km (default 10).",
    ),
    _query(
        "ordering",
        OpenApiTypes.STR,
        "relevance (default: best text match, else by name), wait (shortest "
        "total wait first, unknown last), -updated (most recently updated "
        "capacity first) or distance (nearest location first; needs postcode or "
        "lat/lon).",
        enum=list(filters.ORDERINGS),
    ),
]


@extend_schema_view(
    list=extend_schema(
        operation_id="service_list",
        summary="Search services (aanbod) with the filters of /zoeken",
        description="The same results in the same order as the search page "
        "/zoeken for the same filters. Filters of different parameters combine "
        "with AND; repeated values of one parameter with OR. A bad value is 400 "
        "naming the parameter (the page would ignore it).",
        parameters=SERVICE_FILTERS,
        tags=TAGS,
    ),
    retrieve=extend_schema(
        operation_id="service_retrieve",
        summary="One service with capacity, norms, locations and intake contact",
        description="An active service of an active provider: capacity with "
        "each waiting time against its Treeknorm, how to refer, the intake "
        "contact, locations and the iJw JZ020 product category.",
        parameters=[_path("id", "Service id.", OpenApiTypes.INT)],
        responses=s.ServiceDetailSerializer,
        tags=TAGS,
    ),
    partial_update=self_service.SERVICE_UPDATE_SCHEMA,
)
class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Catalogue):
    serializer_class = s.ServiceSerializer
    pagination_class = ApiPagination
    lookup_field = "id"
    lookup_value_regex = "[0-9]+"

    key_scopes = scopes.CATALOGUE_WRITE

    def get_permissions(self):
        if self.action == "partial_update":
            return [KeyScope(), permissions.IsAuthenticated()]
        return super().get_permissions()

    def partial_update(self, request, id=None):
        return self_service.service_update(request, int(id))

    def list(self, request):
        search_filters, reference = filters.service_filters(request.query_params)
        organisations = filters.service_organisations(request.query_params)
        services = selectors.service_lines(
            filters=search_filters, organisations=organisations
        )
        if not organisations:
            # The search's total is among its cached facet counts: no COUNT(*)
            # over every matching service per page; a page's ids are cached.
            total = selectors.service_list_count(
                filters=search_filters, reference=reference
            )
            services = selectors.SearchLines(
                services, filters=search_filters, total=total
            )
        page = self.paginate_queryset(services)
        # The reference values let each line read its terms from the service's
        # stored bit sets (``ServiceSerializer._line_terms``): no prefetches.
        context = {**self.get_serializer_context(), "reference": reference}
        rows = [selectors.line_row(row) for row in page]
        lines = s.ServiceSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(lines)

    def retrieve(self, request, id=None):
        try:
            service = selectors.service_get(pk=int(id))
        except Service.DoesNotExist:
            raise Http404 from None
        body = s.ServiceDetailSerializer(
            service, context=self.get_serializer_context()
        ).data
        return Response(body)
