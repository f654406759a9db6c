"""Open Referral HSDS 3.0 view of the public catalogue under /api/v1/hsds.

The documents are those of ``registry.hsds`` (and ``manage.py export_hsds``):
services as ``compiled/service.json`` with the 3.1 ``service_capacity`` form,
organisations as ``compiled/organization.json``. Objects are addressed by their
HSDS uuid (``registry.hsds.hsds_id``); an integer id or an unknown uuid is 404.
"""

import uuid

from django.http import Http404

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.response import Response

from registry import hsds
from registry.api import scopes
from registry.api.pagination import HsdsPagination
from registry.api.scopes import KeyScope

TAGS = ["hsds"]
UUID_PATTERN = "[0-9a-fA-F-]{36}"
SPEC = "https://docs.openreferral.org/en/latest/hsds/schema_reference.html"


def _schema(kind: str, compiled: str) -> dict:
    return {
        "type": "object",
        "description": f"An Open Referral HSDS 3.0 {kind} ({compiled}; see {SPEC}).",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": {"type": "string"},
        },
        "required": ["id", "name"],
        "additionalProperties": True,
    }


SERVICE = _schema("service", "schema/compiled/service.json")
ORGANIZATION = _schema("organization", "schema/compiled/organization.json")


def _uuid_path(kind: str) -> OpenApiParameter:
    return OpenApiParameter(
        "id",
        OpenApiTypes.UUID,
        OpenApiParameter.PATH,
        description=f"The {kind}'s HSDS id (a uuid, stable across exports).",
    )


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


class _Hsds(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [KeyScope, permissions.AllowAny]
    key_scopes = scopes.CATALOGUE
    pagination_class = HsdsPagination
    filter_backends = []
    lookup_field = "id"
    lookup_value_regex = UUID_PATTERN
    kind = ""

    def document(self, obj) -> dict:
        raise NotImplementedError

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([self.document(obj) for obj in page])

    def retrieve(self, request, id=None):
        queryset = self.get_queryset()
        pks = queryset.prefetch_related(None).values_list("pk", flat=True)
        pk = _pk_for(self.kind, id, pks.iterator())
        return Response(self.document(queryset.get(pk=pk)))


@extend_schema_view(
    list=extend_schema(
        operation_id="hsds_service_list",
        summary="Services as Open Referral HSDS 3.0 (paginated, HSDS Page fields)",
        description="Every public service as a fully nested HSDS 3.0 service, "
        "by id. The page carries `count`/`results` and the HSDS Page fields.",
        responses={200: SERVICE},  # paginated by HsdsPagination
        tags=TAGS,
    ),
    retrieve=extend_schema(
        operation_id="hsds_service_retrieve",
        summary="One service as Open Referral HSDS 3.0",
        description="A public service by its HSDS id (uuid); anything else is 404.",
        parameters=[_uuid_path("service")],
        responses={200: SERVICE},
        tags=TAGS,
    ),
)
class HsdsServiceViewSet(_Hsds):
    kind = "service"

    def get_queryset(self):
        return hsds.service_queryset()

    def document(self, obj) -> dict:
        return hsds.service_dict(obj)


@extend_schema_view(
    list=extend_schema(
        operation_id="hsds_organization_list",
        summary="Providers as Open Referral HSDS 3.0 organizations (paginated)",
        description="Every active provider as an HSDS 3.0 organization with "
        "its KvK/AGB identifiers, locations and services.",
        responses={200: ORGANIZATION},  # paginated
        tags=TAGS,
    ),
    retrieve=extend_schema(
        operation_id="hsds_organization_retrieve",
        summary="One provider as an Open Referral HSDS 3.0 organization",
        description="An active provider by its HSDS id (uuid); anything else is 404.",
        parameters=[_uuid_path("organization")],
        responses={200: ORGANIZATION},
        tags=TAGS,
    ),
)
class HsdsOrganizationViewSet(_Hsds):
    kind = "organization"

    def get_queryset(self):
        return hsds.organisation_queryset()

    def document(self, obj) -> dict:
        return hsds.organisation_dict(obj)
