"""API-wide error handling: every error is ``application/problem+json`` (RFC 9457).

One handler maps DRF exceptions and Django ``ValidationError`` (raised by services
and model validation) to a problem document with field-level details in
``invalid_params`` (NL API Design Rules), so clients can name the field.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404

from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from sociale_kaart import exceptions as domain

PROBLEM_CONTENT_TYPE = "application/problem+json"

_TITLES = {
    400: "Ongeldige invoer",
    401: "Niet geauthenticeerd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    406: "Niet aanvaardbaar",
    409: "Conflict",
    412: "Voorwaarde niet vervuld",
    415: "Mediatype niet ondersteund",
    428: "Voorwaarde vereist",
    429: "Te veel verzoeken",
    503: "Dienst niet beschikbaar",
}


class ProblemJSONRenderer(JSONRenderer):
    media_type = PROBLEM_CONTENT_TYPE
    format = "problem+json"


class PreconditionFailed(exceptions.APIException):
    """A write based on a stale version (If-Match did not match the current ETag)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "De gegevens zijn intussen gewijzigd; haal ze opnieuw op."
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Het verzoek botst met de huidige toestand."
    default_code = "conflict"


def _flatten(detail, prefix: str = "") -> list[dict]:
    """Turn DRF's nested error detail into ``[{name, code, reason}]``."""
    params = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if not prefix else f"{prefix}.{key}"
            if key in ("non_field_errors", "__all__"):
                name = prefix or "nonFieldErrors"
            params.extend(_flatten(value, name))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                params.extend(
                    _flatten(value, f"{prefix}.{index}" if prefix else str(index))
                )
            else:
                params.extend(_flatten(value, prefix))
    else:
        params.append(
            {
                "name": prefix or "nonFieldErrors",
                "code": getattr(detail, "code", "invalid"),
                "reason": str(detail),
            }
        )
    return params


def problem_response(
    status_code: int, detail: str, *, code: str = "", invalid_params=None, headers=None
) -> Response:
    body = {
        "type": f"https://httpstatuses.io/{status_code}",
        "title": _TITLES.get(status_code, "Fout"),
        "status": status_code,
        "detail": detail,
        "code": code or "error",
    }
    if invalid_params:
        body["invalid_params"] = invalid_params
    response = Response(body, status=status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict
            if hasattr(exc, "error_dict")
            else {"nonFieldErrors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, domain.PreconditionFailed):
        exc = PreconditionFailed(detail=str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None  # unexpected error: let Django's 500 handling log it
    headers = {
        key: value
        for key, value in response.items()
        if key in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    if isinstance(exc, exceptions.ValidationError):
        return problem_response(
            400,
            "Een of meer velden zijn ongeldig.",
            code="invalid",
            invalid_params=_flatten(exc.detail),
            headers=headers,
        )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    return problem_response(
        response.status_code,
        str(detail),
        code=getattr(detail, "code", "error"),
        headers=headers,
    )
