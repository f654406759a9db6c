"""Referral API: refer, follow and record steps from another system.

Needs an organisation token (``Authorization: Token …``) or a session. A
referral the caller may not see is 404, never 403. Writes call
``referrals.services``; every read of personal data is logged.

Idempotency-Key (POST …/events): the first request with a key records the
step and answers 201; a retry with the same key and the same step records
nothing and answers 200 with the first event (header ``Idempotent-Replayed:
true``); the same key with a different step is 409. Keys are per referral, at
most 100 characters.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from referrals import permissions as perms
from referrals import selectors, services
from referrals.api import serializers as s
from referrals.api.filters import ReferralFilter
from referrals.api.pagination import ReferralPagination
from registry.api.scopes import KeyScope
from registry.api.serializers import ProblemSerializer
from registry.models import ApiToken
from sociale_kaart.api import PROBLEM_CONTENT_TYPE, problem_response

IDEMPOTENCY_KEY_MAX = 100


def _problems(*codes):
    texts = {
        400: "Invalid values; invalid_params names each field (an illegal step "
        "is named on `type`).",
        401: "No token or session (or an unknown or revoked token).",
        403: "You may not do this (e.g. a provider referring, a referrer "
        "recording a provider's step).",
        404: "No such referral, or one you may not see.",
        409: "Conflict: see `detail` (a duplicate referral or a reused key).",
    }
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, texts[code])
        for code in codes
    }


REFERENCE = OpenApiParameter(
    "reference",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The referral's public reference, e.g. VW-7K3M9QXD.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (≤ 100 characters) per intended step. A retry "
    "with the same key records nothing and returns the first result (200).",
)


@extend_schema_view(
    list=extend_schema(
        operation_id="referral_list",
        summary="Referrals you may see (made, received or followed), newest first",
        description="A referrer sees the referrals it made, a provider those to "
        "its services (a hoofdaanbieder also its onderaannemers'), a school "
        "those it follows with consent (without personal data). Every read of "
        "personal data is logged.",
        responses={200: s.ReferralSerializer(many=True), **_problems(400, 401)},
        tags=["referrals"],
    ),
    retrieve=extend_schema(
        operation_id="referral_retrieve",
        summary="One referral with its status, milestone dates and timeline",
        description="404 for a referral you may not see (never 403, so a "
        "reference reveals nothing). The read is logged.",
        parameters=[REFERENCE],
        responses={200: s.ReferralDetailSerializer, **_problems(401, 404)},
        tags=["referrals"],
    ),
)
class ReferralViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [KeyScope, permissions.IsAuthenticated]
    key_scopes = {
        "list": ApiToken.SCOPE_REFERRALS_READ,
        "retrieve": ApiToken.SCOPE_REFERRALS_READ,
        "create": ApiToken.SCOPE_REFERRALS_CREATE,
        "events": ApiToken.SCOPE_EVENTS_WRITE,
    }
    serializer_class = s.ReferralSerializer
    pagination_class = ReferralPagination
    row_columns = selectors.REFERRAL_LINE_COLUMNS  # a page's rows, for the lines
    filterset_class = ReferralFilter
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return selectors.referral_list_for_actor(actor=self.request.user)

    def get_object(self):
        return selectors.referral_get(
            actor=self.request.user, reference=self.kwargs["reference"]
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        # Each row's view, decided once for its log entry and its line.
        views = {r.pk: perms.referral_view(request.user, r) for r in page}
        services.access_log_record_many(
            actor=request.user,
            # Every view shows some personal data (a school: its pupil's
            # initials and date of birth).
            referrals=[r for r in page if views[r.pk] is not None],
            purpose="api_list",
            views=views,
        )
        context = {**self.get_serializer_context(), "views": views}
        lines = self.get_serializer(page, many=True, context=context).data
        return self.get_paginated_response(lines)

    def retrieve(self, request, *args, **kwargs):
        referral = self.get_object()
        services.access_log_record(
            actor=request.user, referral=referral, purpose="api_detail"
        )
        services.referral_mark_opened(actor=request.user, referral=referral)
        body = s.ReferralDetailSerializer(referral, context={"request": request}).data
        return Response(body)

    @extend_schema(
        operation_id="referral_create",
        summary="Refer a child to a service",
        description="Only members of a referrer organisation (JGZ, huisarts, GI, "
        "ziekenhuis, wijkteam). The same child (initials + date of birth) with an "
        "open referral of your organisation in the same perceel gives 409 with "
        "that referral's reference in `duplicates`, unless `confirm_duplicate`.",
        request=s.ReferralCreateSerializer,
        responses={
            201: s.ReferralCreatedSerializer,
            **_problems(400, 401, 403, 409),
        },
        tags=["referrals"],
    )
    def create(self, request, *args, **kwargs):
        shape = s.ReferralCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        if not perms.can_refer(request.user):
            raise exceptions.PermissionDenied(_("Alleen verwijzers kunnen verwijzen."))
        data = {**data, "previous_referral": self._previous(data)}
        try:
            referral = services.referral_create(
                actor=request.user,
                service=data["service"],
                data=data,
                allow_duplicate=bool(data["confirm_duplicate"]),
            )
        except services.DuplicateReferral as exc:
            return self._duplicates(exc.found)
        body = s.ReferralCreatedSerializer(referral, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _previous(self, data):
        reference = data.get("previous_referral")
        if not reference:
            return None
        try:
            return selectors.referral_get(actor=self.request.user, reference=reference)
        except Http404:
            raise exceptions.ValidationError(
                {"previous_referral": [_("Verwijzing niet gevonden.")]}
            ) from None

    def _duplicates(self, found):
        response = problem_response(
            409,
            _(
                "Dit kind heeft al een lopende verwijzing van uw organisatie in dit "
                "perceel. Stuur confirm_duplicate: true om toch te verwijzen."
            ),
            code="duplicate_referral",
        )
        response.data["duplicates"] = [r.reference for r in found]
        return response

    @extend_schema(
        operation_id="referral_event_create",
        summary="Record a step (received, first_contact, waitlisted, intake, "
        "started, ended, declined, withdrawn)",
        description="Providers record their steps; the referrer withdraws. The "
        "status follows from the steps; an illegal step is 400 on `type`.",
        parameters=[REFERENCE, IDEMPOTENCY_KEY],
        request=s.EventCreateSerializer,
        responses={
            201: s.EventCreatedSerializer,
            200: OpenApiResponse(
                s.EventCreatedSerializer, "A replay: the first event with this key."
            ),
            **_problems(400, 401, 403, 404, 409),
        },
        tags=["referrals"],
    )
    @action(detail=True, methods=["post"], url_path="events")
    def events(self, request, reference=None):
        try:
            key, shape = self._step_request(request)
        except exceptions.APIException:
            # A refusal of the request itself still says nothing about a
            # referral the caller may not see: that one is 404 first.
            self.get_object()
            raise
        try:
            # Looked up, checked and locked in one read (no get_object here).
            event = services.referral_event_record_by_reference(
                reference=reference,
                type=shape.validated_data["type"],
                occurred_on=shape.validated_data["occurred_on"],
                note=shape.validated_data["note"],
                actor=request.user,
                idempotency_key=key,
                **shape.type_fields(),
            )
        except services.IdempotencyKeyReused as exc:
            return problem_response(409, str(exc), code="idempotency_key_reused")
        body = s.EventCreatedSerializer(event).data
        if event.replayed:
            return Response(body, headers={"Idempotent-Replayed": "true"})
        return Response(body, status=status.HTTP_201_CREATED)

    @staticmethod
    def _step_request(request) -> tuple[str | None, s.EventCreateSerializer]:
        """The Idempotency-Key and the validated step; 400 (or 415) if bad."""
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key and len(key) > IDEMPOTENCY_KEY_MAX:
            raise exceptions.ValidationError(
                {"Idempotency-Key": [_("Ten hoogste 100 tekens.")]}
            )
        shape = s.EventCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        return key, shape
