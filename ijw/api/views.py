"""``POST /api/v1/ijw/messages``: a municipality delivers one iJw message.

The body is the message's XML (``Content-Type: application/xml``). Answers 201
with what it did, 200 for a message received before (nothing changed), 400
problem+json naming the element for an invalid or refused message, 401 without
a key (a browser session does not count), 403 for any key that is not a
municipality key with scope ``ijw``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ijw import permissions as perms
from ijw import services
from registry.api.authentication import ApiTokenAuthentication
from registry.api.scopes import KeyScope
from registry.api.serializers import ProblemSerializer
from registry.models import ApiToken
from sociale_kaart.api import PROBLEM_CONTENT_TYPE

XML_MEDIA_TYPES = ("application/xml", "text/xml")


class XmlBytesParser(BaseParser):
    """Hands the raw bytes to ``ijw.messages`` (which parses them safely)."""

    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class TextXmlBytesParser(XmlBytesParser):
    media_type = "text/xml"


class CanDeliverMessages(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return perms.can_deliver_messages(request.user)


def _problem(code: int, text: str):
    return {(code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, text)}


OUTCOME = inline_serializer(
    "IjwMessageOutcome",
    {
        "bericht": serializers.CharField(help_text="JW301, JW305, JW307, JW315, JW319"),
        "identificatie": serializers.CharField(help_text="BerichtIdentificatie"),
        "uitkomst": serializers.ChoiceField(
            ["processed", "queued", "not_ours", "duplicate"],
            help_text="processed: matched and recorded; queued: waits for its "
            "JW301; not_ours: no referral of the social map; duplicate: received "
            "before, nothing changed.",
        ),
        "effecten": serializers.ListField(
            child=serializers.CharField(),
            help_text="What it did, per referral reference (no personal data).",
        ),
    },
)


class MessageView(APIView):
    # A key only: a browser session never delivers iJw messages.
    authentication_classes = [ApiTokenAuthentication]
    parser_classes = [XmlBytesParser, TextXmlBytesParser]
    permission_classes = [KeyScope, CanDeliverMessages]
    key_scopes = {"POST": ApiToken.SCOPE_IJW}

    @extend_schema(
        operation_id="ijw_messages_create",
        summary="Deliver one iJw 3.2 message (JW315, JW301, JW319, JW305, JW307)",
        description="Only the municipality's key with scope `ijw` (a session is "
        "not enough). The XML is checked against the iJw 3.2 XSD; the outcome "
        "says what it did per referral reference, without personal data "
        "(docs/ijw.md).",
        request={"application/xml": OpenApiTypes.BINARY},
        responses={
            201: OpenApiResponse(OUTCOME, "Received; what it did."),
            200: OpenApiResponse(OUTCOME, "Received before; nothing changed."),
            **_problem(400, "Invalid against the XSD, or refused (AGB, birth date)."),
            **_problem(401, "No key (a session is not enough), or a revoked key."),
            **_problem(403, "Not a municipality key with scope ijw."),
            **_problem(415, "Not application/xml."),
        },
    )
    def post(self, request):
        data = request.data
        media_type = (request.content_type or "").split(";")[0].strip()
        if not isinstance(data, bytes):
            if media_type not in XML_MEDIA_TYPES:
                raise exceptions.UnsupportedMediaType(media_type)
            data = b""  # an empty XML body: refused as empty by ijw.messages
        outcome = services.ijw_message_receive(
            data=data, delivered_by=request.user.api_token.organisation
        )
        code = (
            status.HTTP_200_OK
            if outcome.outcome == services.DUPLICATE
            else status.HTTP_201_CREATED
        )
        return Response(outcome.as_dict(), status=code)
