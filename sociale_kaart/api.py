"""API-wide conventions (NL API Design Rules): errors, version header, OpenAPI.

- Every error is ``application/problem+json`` (RFC 9457): one handler maps DRF
  exceptions and Django ``ValidationError`` (raised by services and model
  validation) to a problem document with field-level details in
  ``invalid_params``, so clients can name the field. Unknown paths under /api/
  get the same from ``sociale_kaart.views.handler404``.
- Every response under /api/ carries ``API-Version`` (``ApiVersionMiddleware``).
- ``openapi_postprocess`` documents the errors each operation can answer and the
  version header in the generated OpenAPI document.
Throttling (429) is in ``sociale_kaart.throttling``.
"""

import math

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from sociale_kaart import exceptions as domain

PROBLEM_CONTENT_TYPE = "application/problem+json"

_TITLES = {
    400: _("Ongeldige invoer"),
    401: _("Niet geauthenticeerd"),
    403: _("Geen toegang"),
    404: _("Niet gevonden"),
    405: _("Methode niet toegestaan"),
    406: _("Niet aanvaardbaar"),
    409: _("Conflict"),
    412: _("Voorwaarde niet vervuld"),
    415: _("Mediatype niet ondersteund"),
    428: _("Voorwaarde vereist"),
    429: _("Te veel verzoeken"),
    503: _("Dienst niet beschikbaar"),
}


class ProblemJSONRenderer(JSONRenderer):
    media_type = PROBLEM_CONTENT_TYPE
    format = "problem+json"


class PreconditionFailed(exceptions.APIException):
    """A write based on a stale version (If-Match did not match the current ETag)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("De gegevens zijn intussen gewijzigd; haal ze opnieuw op.")
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Het verzoek botst met de huidige toestand.")
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
        "title": str(_TITLES.get(status_code, _("Fout"))),
        "status": status_code,
        "detail": detail,
        "code": code or "error",
    }
    if invalid_params:
        body["invalid_params"] = invalid_params
    response = Response(body, status=status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _throttled_text(wait) -> str:
    if wait is None:
        return gettext("Te veel verzoeken; probeer het later opnieuw.")
    seconds = math.ceil(wait)
    return ngettext(
        "Te veel verzoeken; probeer het over %(n)s seconde opnieuw.",
        "Te veel verzoeken; probeer het over %(n)s seconden opnieuw.",
        seconds,
    ) % {"n": seconds}


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
            gettext("Een of meer velden zijn ongeldig."),
            code="invalid",
            invalid_params=_flatten(exc.detail),
            headers=headers,
        )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(exc, exceptions.Throttled):
        detail = exceptions.ErrorDetail(_throttled_text(exc.wait), code="throttled")
    return problem_response(
        response.status_code,
        str(detail),
        code=getattr(detail, "code", "error"),
        headers=headers,
    )


# --- NL API Design Rules: version header (API-57) --------------------------------

API_PREFIX = "/api/"
API_VERSION_HEADER = "API-Version"


def api_version() -> str:
    """The full version of the API (semantic versioning), as in the OpenAPI info."""
    return settings.SPECTACULAR_SETTINGS["VERSION"]


class ApiVersionMiddleware:
    """Every response under /api/ carries ``API-Version: <major.minor.patch>``
    (NL API Design Rules API-57), errors and unknown paths included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX):
            response[API_VERSION_HEADER] = api_version()
        return response


# Answers under these paths may hold a child's personal data (a referral, its
# steps, its parent's contact): no cache anywhere may keep them.
PERSONAL_DATA_PREFIXES = ("/api/v1/referrals",)


class ApiCacheControlMiddleware:
    """``Cache-Control`` for the API: ``private`` on every answer to an
    authenticated request (session or token: no shared cache may serve it to
    someone else), and ``no-store, private`` on every answer about referrals,
    errors included. Anonymous catalogue answers are left cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            return response
        user = getattr(request, "user", None)  # DRF sets it for tokens too
        authenticated = getattr(user, "is_authenticated", False) or (
            "HTTP_AUTHORIZATION" in request.META
        )
        if request.path.startswith(PERSONAL_DATA_PREFIXES):
            response.headers.pop("Cache-Control", None)
            patch_cache_control(response, no_store=True, private=True)
        elif authenticated:
            patch_cache_control(response, private=True)
        if authenticated:
            patch_vary_headers(response, ("Authorization", "Cookie"))
        return response


# --- OpenAPI: errors and headers documented on every operation --------------------

_PROBLEM_TEXTS = {
    400: "Invalid parameters or body; `invalid_params` names each one.",
    401: "No, an unknown or a revoked token, or no session (see WWW-Authenticate).",
    403: "Not allowed for you (with a session: also a missing CSRF token).",
    404: "Not found, or not yours to see; also a page beyond the last one.",
    406: "The Accept header asks for something other than JSON.",
    415: "The body is not JSON (send Content-Type: application/json).",
    429: "Too many requests: wait the number of seconds in Retry-After.",
}
_TAGS = {
    "catalogue": "The public social map: percelen, stadsdelen, problem areas, "
    "forms, providers and their services (no token needed).",
    "capacity": "Capacity and waiting times of a service: public reads, updates "
    "by the provider with ETag / If-Match.",
    "referrals": "Referrals and their steps (token or session).",
    "dashboard": "Anonymous figures of referrals and waiting times for the "
    "municipality, and a provider's own figures (token or session).",
}
_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
_SAFE = ("get", "head", "options")


def _error_codes(method: str, operation: dict) -> list[int]:
    """The error statuses an operation can answer, from what it accepts."""
    params = operation.get("parameters", [])
    codes = [401, 406, 429]
    if operation.get("requestBody") or params or method not in _SAFE:
        # Any input can be wrong: a path or query value, an unknown query key
        # (sociale_kaart.query_params), a body (NL API Design Rules: 400).
        codes.append(400)
    if method not in _SAFE:
        codes.append(403)  # CSRF protection of session requests
    if any(p.get("in") == "path" or p.get("name") == "page" for p in params):
        codes.append(404)
    if operation.get("requestBody"):
        codes.append(415)
    return codes


def _problem_response(code: int) -> dict:
    response = {
        "description": _PROBLEM_TEXTS[code],
        "content": {
            PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
    if code == 429:
        response["headers"] = {
            "Retry-After": {"$ref": "#/components/headers/Retry-After"}
        }
    return response


def openapi_postprocess(result, generator, request, public):
    """drf-spectacular hook: every operation documents the problem+json errors it
    can answer (401, 406 and 429 always; 400, 403, 404 and 415 where they can
    occur) and every response its ``API-Version`` header. Statuses a view
    documents itself (409, 412, a specific 404) are kept as the view wrote them."""
    _document_headers(result)
    version = {"$ref": f"#/components/headers/{API_VERSION_HEADER}"}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in _error_codes(method, operation):
                responses.setdefault(str(code), _problem_response(code))
            for response in responses.values():
                response.setdefault("headers", {})[API_VERSION_HEADER] = version
            operation["responses"] = dict(sorted(responses.items()))
    _document_tags(result)
    return result


def _document_headers(result) -> None:
    result.setdefault("components", {}).setdefault("headers", {}).update(
        {
            API_VERSION_HEADER: {
                "description": "The full version of this API (NL API Design Rules "
                "API-57), on every response.",
                "schema": {"type": "string", "example": api_version()},
            },
            "Retry-After": {
                "description": "Seconds to wait before the next request.",
                "schema": {"type": "integer"},
            },
        }
    )


def _document_tags(result) -> None:
    used = {
        tag
        for item in result.get("paths", {}).values()
        for method, operation in item.items()
        if method in _METHODS
        for tag in operation.get("tags", [])
    }
    order = [tag for tag in _TAGS if tag in used] + sorted(used - set(_TAGS))
    result["tags"] = [
        {"name": tag, "description": _TAGS.get(tag, tag)} for tag in order
    ]
