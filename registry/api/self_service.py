"""Provider self-service through the API: what /mijn/... does on the pages.

Confirm capacity as still current ("nog actueel"), change a service's
description and intake contact, an organisation's contact data, and add or
change locations. Needs an organisation token or a session; who may change
what is ``registry.permissions`` (as on the pages): a provider its own data, a
hoofdaanbieder also its onderaannemers', the municipality everything. Anything
else is "not found". Writes go through ``registry.services``.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import selectors, services
from registry.api import selectors as api_selectors
from registry.api import serializers as s
from registry.api.authentication import change_reason, history_actor
from registry.api.scopes import KeyScope
from registry.api.views import ETAG_HEADER, SERVICE_ID, problems
from registry.models import ApiToken

SLUG = OpenApiParameter(
    "slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="Organisation slug."
)
LOCATION_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Location id."
)
# The API's field names for model fields whose errors the services report.
FIELD_NAMES = {"intake_phone": "intake.phone", "intake_email": "intake.email"}


def write(function, **kwargs):
    """Call a service; its ``ValidationError`` becomes 400 with the API's names."""
    try:
        return function(**kwargs)
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        if isinstance(detail, dict):
            detail = {FIELD_NAMES.get(k, k): v for k, v in detail.items()}
        raise exceptions.ValidationError(detail) from exc


def _body(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer


def audit(request) -> dict:
    """Who the history names: a person, or the token in the reason."""
    user = request.user
    return {"actor": history_actor(user), "reason": change_reason(user)}


class _SelfService(APIView):
    permission_classes = [KeyScope, permissions.IsAuthenticated]


class CapacityConfirmationView(_SelfService):
    key_scopes = {"POST": ApiToken.SCOPE_CAPACITY_WRITE}

    @extend_schema(
        operation_id="service_capacity_confirm",
        summary="Confirm that a service's capacity is still correct (nog actueel)",
        description="Changes no figure: the capacity counts as updated now (no "
        "longer stale), its version and ETag change, and the history records the "
        "confirmation. No body.",
        parameters=[SERVICE_ID, ETAG_HEADER],
        request=None,
        responses={200: s.CapacitySerializer, **problems(401, 404)},
        tags=["capacity"],
    )
    def post(self, request, id):
        service = get_object_or_404(
            selectors.service_list_for_editor(actor=request.user), pk=id
        )
        capacity = services.capacity_confirm_current(
            capacity=service.capacity, **audit(request)
        )
        headers = {"ETag": capacity.etag, "Cache-Control": "no-cache"}
        return Response(s.CapacitySerializer(capacity).data, headers=headers)


SERVICE_UPDATE_SCHEMA = extend_schema(
    operation_id="service_update",
    summary="Change a service's description, how to refer and intake contact",
    description="Send only the fields to change (JSON Merge Patch). Name, "
    "perceel and ages are the municipality's. A hoofdaanbieder may change its "
    "onderaannemers' services; another organisation's service is 404.",
    parameters=[SERVICE_ID],
    request=s.ServiceUpdateSerializer,
    responses={200: s.ServiceDetailSerializer, **problems(400, 401, 404, 415)},
    tags=["catalogue"],
)


def service_update(request, id) -> Response:
    """PATCH /services/{id} (``catalogue.ServiceViewSet.partial_update``)."""
    service = get_object_or_404(
        selectors.service_list_for_editor(actor=request.user), pk=id
    )
    changes = _body(s.ServiceUpdateSerializer, request).changes()
    write(
        services.service_update_details,
        service=service,
        data=changes,
        **audit(request),
    )
    service = api_selectors.service_get_for_editor(actor=request.user, pk=id)
    context = {"request": request}
    return Response(s.ServiceDetailSerializer(service, context=context).data)


def _editable_organisation(request, slug):
    return get_object_or_404(
        selectors.organisation_list_for_editor(actor=request.user), slug=slug
    )


ORGANISATION_UPDATE_SCHEMA = extend_schema(
    operation_id="organisation_update",
    summary="Change your organisation's phone, e-mail or website",
    description="Send only the fields to change. Name, KvK, kind and contracts "
    "are the municipality's; another organisation is 404.",
    parameters=[SLUG],
    request=s.OrganisationContactUpdateSerializer,
    responses={
        200: s.OrganisationContactUpdateSerializer,
        **problems(400, 401, 404, 415),
    },
    tags=["catalogue"],
)


def organisation_update(request, slug) -> Response:
    """PATCH /organisations/{slug} (``OrganisationViewSet.partial_update``)."""
    organisation = _editable_organisation(request, slug)
    changes = _body(s.OrganisationContactUpdateSerializer, request).validated_data
    organisation = write(
        services.organisation_update_contact,
        organisation=organisation,
        data=dict(changes),
        **audit(request),
    )
    return Response(s.OrganisationContactUpdateSerializer(organisation).data)


class LocationCreateView(_SelfService):
    key_scopes = {"POST": ApiToken.SCOPE_CATALOGUE_WRITE}

    @extend_schema(
        operation_id="organisation_location_create",
        summary="Add a location (vestiging) to your organisation",
        description="The organisation's first location becomes its main address.",
        parameters=[SLUG],
        request=s.LocationWriteSerializer,
        responses={201: s.LocationSerializer, **problems(400, 401, 404, 415)},
        tags=["catalogue"],
    )
    def post(self, request, slug):
        organisation = _editable_organisation(request, slug)
        data = _body(s.LocationWriteSerializer, request, creating=True).validated_data
        location = write(
            services.location_create,
            organisation=organisation,
            data=dict(data),
            **audit(request),
        )
        return Response(
            s.LocationSerializer(location).data, status=status.HTTP_201_CREATED
        )


class LocationUpdateView(_SelfService):
    key_scopes = {"PATCH": ApiToken.SCOPE_CATALOGUE_WRITE}

    @extend_schema(
        operation_id="organisation_location_update",
        summary="Change one of your organisation's locations",
        description="Send only the fields to change; `district` takes a stadsdeel "
        "code or null. Which location is the main address does not change here.",
        parameters=[SLUG, LOCATION_ID],
        request=s.LocationWriteSerializer,
        responses={200: s.LocationSerializer, **problems(400, 401, 404, 415)},
        tags=["catalogue"],
    )
    def patch(self, request, slug, id):
        location = get_object_or_404(
            selectors.location_list_for_editor(actor=request.user),
            organisation__slug=slug,
            pk=id,
        )
        data = _body(s.LocationWriteSerializer, request).validated_data
        location = write(
            services.location_update,
            location=location,
            data=dict(data),
            **audit(request),
        )
        return Response(s.LocationSerializer(location).data)
