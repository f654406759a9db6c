"""Project-level views: health check, error handlers and the size limit answer.

The error handlers never touch the database, so they still answer while
PostgreSQL (or Redis) is down: a lost connection gives 503
(``application/problem+json`` on the API, a plain page elsewhere) with
``Retry-After`` instead of a stack trace, and Django's connection health check
(``conn_health_checks``) reconnects on the next request without a restart.
Templates rendered here extend ``errors/_chrome.html``: site chrome with no tag
that needs a request, a user or the database, in the visitor's language.

HTML error pages: 400, 403, 404 and 500 through Django's handlers (see
``sociale_kaart.urls``); 413 and 503 from here; 405, 429 and any other error
response without a body get the same page from ``ErrorPageMiddleware``. Paths
under /api/ answer ``application/problem+json`` instead.
"""

import json
import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeout

from sociale_kaart.api import _TITLES
from sociale_kaart.locale import chosen_language

logger = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
RETRY_AFTER_SECONDS = 5
# OperationalError covers "cannot connect", "connection lost", deadlocks and
# statement timeouts: all mean "try again shortly", so all are 503. So does a
# Redis that does not answer (the shared cache and throttle counts).
_UNAVAILABLE = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeout)


@never_cache
@require_GET
def healthz(request):
    """For a load balancer: 200 when the database answers a query, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("health check: database unavailable (%s)", type(exc).__name__)
        return JsonResponse(
            {"status": "unavailable", "database": "down"},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return JsonResponse({"status": "ok", "database": "up"})


def _problem(status: int, title: str, detail: str, code: str, headers=None):
    body = {
        "type": f"https://httpstatuses.io/{status}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    return HttpResponse(
        json.dumps(body), status=status, content_type=PROBLEM, headers=headers
    )


# Statuses with their own HTML page (templates/<status>.html).
ERROR_PAGES = frozenset({400, 403, 404, 405, 413, 429, 500, 503})


def _page(template: str, status: int, headers=None, request=None) -> HttpResponse:
    with translation.override(chosen_language(request)):
        html = loader.render_to_string(template, {"status_code": status}, request=None)
    response = HttpResponse(html, status=status, headers=headers)
    response["Content-Language"] = chosen_language(request)
    return response


def error_page(request, status: int, headers=None) -> HttpResponse:
    """The site's HTML page for an error status (a 4xx or 5xx without one of
    its own gets the 400 or 500 page, with its own status code)."""
    if status in ERROR_PAGES:
        template = f"{status}.html"
    else:
        template = "500.html" if status >= 500 else "400.html"
    return _page(template, status, headers, request)


def error_response(request, status: int) -> HttpResponse:
    """problem+json under /api/, else the site's page (ErrorPageMiddleware)."""
    if _is_api(request):
        title = str(_TITLES.get(status, _("Fout")))
        return _problem(status, title, title, "error")
    return error_page(request, status)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler400(request, exception=None):
    if _is_api(request):
        return _problem(
            400, _("Ongeldig verzoek"), _("Dit verzoek klopt niet."), "invalid"
        )
    return error_page(request, 400)


def handler403(request, exception=None):
    if _is_api(request):
        detail = _("U heeft geen toestemming voor deze actie.")
        return _problem(403, _("Geen toegang"), detail, "permission_denied")
    return error_page(request, 403)


def handler404(request, exception=None):
    if _is_api(request):
        return _problem(
            404, _("Niet gevonden"), _("Deze bron bestaat niet."), "not_found"
        )
    return error_page(request, 404)


def handler500(request):
    exc = sys.exc_info()[1]
    if isinstance(exc, _UNAVAILABLE):
        return service_unavailable(request)
    if _is_api(request):
        detail = _("Er ging iets mis; de fout is gelogd.")
        return _problem(500, _("Interne fout"), detail, "error")
    return error_page(request, 500)


def service_unavailable(request) -> HttpResponse:
    """503 with Retry-After: the database (or Redis) is down or busy; nothing
    was changed that the client cannot safely retry (each write is one
    transaction)."""
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _is_api(request):
        detail = _("De database is tijdelijk niet bereikbaar. Probeer het zo opnieuw.")
        title = _("Dienst niet beschikbaar")
        return _problem(503, title, detail, "unavailable", retry)
    return error_page(request, 503, retry)


def request_too_large(request, limit: int) -> HttpResponse:
    # Answered before the locale middleware ran: choose the language here.
    with translation.override(chosen_language(request)):
        detail = _("Het verzoek is groter dan %(limit)s bytes.") % {"limit": limit}
        if _is_api(request):
            return _problem(413, _("Verzoek te groot"), detail, "too_large")
        return error_page(request, 413)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token (often: an old tab). Dutch, and
    without the inline style of Django's default page (CSP)."""
    return _page("403_csrf.html", 403, request=request)
