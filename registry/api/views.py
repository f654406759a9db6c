"""Capacity API for provider systems: read and update one service's capacity.

Reads are public (capacity is shown on the public catalogue). Writes need an
organisation token or a session of a user who may edit the service; another
organisation's service is "not found". Lost updates are prevented with ETag /
If-Match: the ETag is ``"<capacity id>-<version>"``.
"""

import re

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, generics, permissions, status
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import history, selectors, services
from registry import permissions as rules
from registry.api import scopes
from registry.api import serializers as s
from registry.api.authentication import change_reason, history_actor
from registry.api.pagination import ApiPagination
from registry.api.scopes import KeyScope
from registry.models import ApiToken, Organisation, Service
from sociale_kaart import exceptions as domain
from sociale_kaart.api import PROBLEM_CONTENT_TYPE, problem_response
from sociale_kaart.parsers import LimitedJSONParser

_ETAG = re.compile(r'^"(\d+)-(\d+)"$')


class MergePatchJSONParser(LimitedJSONParser):
    """JSON Merge Patch (RFC 7396): the PATCH body means the same as plain JSON."""

    media_type = "application/merge-patch+json"


def _public_service(request, pk) -> Service:
    service = get_object_or_404(
        Service.objects.select_related("organisation", "capacity").filter(
            capacity__isnull=False
        ),
        pk=pk,
    )
    public = service.active and service.organisation.active
    if not public and not rules.can_edit_service(request.user, service):
        raise exceptions.NotFound()
    return service


def expected_version(if_match: str | None, capacity) -> int | None:
    """The version an ``If-Match`` header asks for; None means "do not check".

    ``*`` or no header: no check (last writer wins). Otherwise one of the listed
    strong ETags must be this capacity's current one, else ``PreconditionFailed``.
    """
    if if_match is None:
        return None
    tags = [tag.strip() for tag in if_match.split(",") if tag.strip()]
    if "*" in tags:
        return None
    versions = {
        int(match[2])
        for match in (_ETAG.match(tag) for tag in tags)
        if match and int(match[1]) == capacity.pk
    }
    if not versions:
        raise domain.PreconditionFailed(current_version=capacity.version)
    return capacity.version if capacity.version in versions else min(versions)


def problems(*codes):
    names = {
        400: "Invalid values; invalid_params names each field.",
        401: "No, unknown or revoked token (or no session).",
        404: "No such service, or another organisation's service.",
        412: "If-Match does not match the current ETag; nothing changed.",
        415: "The body is not JSON.",
    }
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(s.ProblemSerializer, names[code])
        for code in codes
    }


ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 304],
    description='Current version, e.g. "12-7"; send it back in If-Match.',
)
SERVICE_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Service id."
)


class CapacityView(APIView):
    # Anyone reads; writes need a token or session, and which services a writer
    # may change is decided per object by registry.permissions (else 404).
    permission_classes = [KeyScope, permissions.IsAuthenticatedOrReadOnly]
    key_scopes = {"GET": scopes.READ, "PATCH": ApiToken.SCOPE_CAPACITY_WRITE}
    parser_classes = [LimitedJSONParser, MergePatchJSONParser]
    serializer_class = s.CapacitySerializer

    @extend_schema(
        operation_id="service_capacity_retrieve",
        summary="Current capacity and waiting times of a service",
        description="Public. The ETag identifies this version: send it in "
        "If-None-Match for a 304, or in If-Match when you update.",
        parameters=[
            SERVICE_ID,
            ETAG_HEADER,
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="An ETag from an earlier response: 304 if unchanged.",
            ),
        ],
        responses={
            200: s.CapacitySerializer,
            304: OpenApiResponse(description="Not modified."),
            **problems(401, 404),
        },
        tags=["capacity"],
    )
    def get(self, request, id):
        capacity = _public_service(request, id).capacity
        headers = {"ETag": capacity.etag, "Cache-Control": "no-cache"}
        if_none_match = request.headers.get("If-None-Match", "")
        if capacity.etag in [tag.strip() for tag in if_none_match.split(",")]:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(s.CapacitySerializer(capacity).data, headers=headers)

    @extend_schema(
        operation_id="service_capacity_update",
        summary="Update capacity and waiting times of one of your services",
        description=(
            "Send only the fields to change. Send the ETag of your last read in "
            "`If-Match` to refuse the update (412, nothing changed) when someone "
            "changed the capacity meanwhile; without If-Match (or with `*`) the "
            "update always applies (last writer wins). A hoofdaanbieder may update "
            "its onderaannemers' services; other organisations' services are 404."
        ),
        parameters=[
            SERVICE_ID,
            ETAG_HEADER,
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description='ETag of the version you changed, e.g. "12-7", or *.',
            ),
        ],
        request=s.CapacityUpdateSerializer,
        responses={
            200: s.CapacitySerializer,
            **problems(400, 401, 404, 412, 415),
        },
        examples=[
            OpenApiExample(
                "Waiting list",
                value={"status": "waitlist", "intake_wait_weeks": 6},
                request_only=True,
            )
        ],
        tags=["capacity"],
    )
    def patch(self, request, id):
        capacity = selectors.capacity_get_for_editor(actor=request.user, service_id=id)
        _require_json(request)
        update = s.CapacityUpdateSerializer(data=request.data)
        update.is_valid(raise_exception=True)
        try:
            capacity = services.capacity_update(
                capacity=capacity,
                actor=history_actor(request.user),
                data=update.validated_data,
                expected_version=expected_version(
                    request.headers.get("If-Match"), capacity
                ),
                reason=change_reason(request.user),
            )
        except domain.PreconditionFailed:
            return _precondition_failed(capacity)
        headers = {"ETag": capacity.etag, "Cache-Control": "no-cache"}
        return Response(s.CapacitySerializer(capacity).data, headers=headers)


def _require_json(request) -> None:
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if media_type not in ("application/json", MergePatchJSONParser.media_type):
        raise exceptions.UnsupportedMediaType(media_type or _("(geen)"))


def _precondition_failed(capacity):
    capacity.refresh_from_db(fields=["version"])
    return problem_response(
        412,
        _("De capaciteit is intussen gewijzigd; haal haar opnieuw op (ETag)."),
        code="precondition_failed",
        headers={"ETag": capacity.etag},
    )


class HistoryPagination(ApiPagination):
    page_size = 50
    max_page_size = 200


class CapacityHistoryView(generics.ListAPIView):
    permission_classes = [KeyScope, permissions.AllowAny]
    key_scopes = scopes.CATALOGUE
    serializer_class = s.CapacityHistoryEntrySerializer
    pagination_class = HistoryPagination
    filter_backends = []

    @extend_schema(
        operation_id="service_capacity_history_list",
        summary="Changes of a service's capacity, newest first",
        description="Public: what changed and when, by which organisation; "
        "people's names only for the service's own editors and the municipality.",
        parameters=[SERVICE_ID],
        responses={
            200: s.CapacityHistoryEntrySerializer(many=True),
            **problems(401, 404),
        },
        tags=["capacity"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        service = _public_service(self.request, self.kwargs["id"])
        reveal = rules.can_see_editor_names(self.request.user, service)
        return history.capacity_history(service=service, reveal_names=reveal)


class MeOrganisationSerializer(drf_serializers.Serializer):
    id = drf_serializers.IntegerField()
    slug = drf_serializers.CharField()
    name = drf_serializers.CharField()
    kind = drf_serializers.ChoiceField(choices=Organisation.Kind.choices)
    role = drf_serializers.CharField(
        allow_null=True,
        help_text="The person's role in it (admin, member); null for a key.",
    )


class MeUserSerializer(drf_serializers.Serializer):
    username = drf_serializers.CharField()
    name = drf_serializers.CharField()


class MeKeySerializer(drf_serializers.Serializer):
    name = drf_serializers.CharField()
    prefix = drf_serializers.CharField(help_text="The first characters of the key.")
    expires_at = drf_serializers.DateTimeField(allow_null=True)


class MeSerializer(drf_serializers.Serializer):
    auth = drf_serializers.ChoiceField(
        choices=["key", "session"], help_text="How this request was authenticated."
    )
    organisations = MeOrganisationSerializer(
        many=True, help_text="For a key exactly one: the key's organisation."
    )
    scopes = drf_serializers.ListField(
        child=drf_serializers.CharField(),
        allow_null=True,
        help_text="The key's scopes; null for a session (roles decide).",
    )
    key = MeKeySerializer(allow_null=True)
    user = MeUserSerializer(allow_null=True, help_text="Null for a key.")


class MeView(APIView):
    """Who is calling: a key's organisation and scopes, or a session's person."""

    permission_classes = [KeyScope, permissions.IsAuthenticated]
    key_scopes = {"GET": scopes.NO_SCOPE}

    @extend_schema(
        operation_id="me_retrieve",
        summary="Who am I: the organisation, kind and scopes of this key or session",
        description="Any valid key may call this, whatever its scopes.",
        responses={200: MeSerializer, **problems(401)},
        tags=["me"],
    )
    def get(self, request):
        return Response(MeSerializer(selectors.whoami(actor=request.user)).data)
