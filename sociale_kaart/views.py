"""Project-level views: health check, error handlers and the size limit answer.

The error handlers never touch the database, so they still answer while
PostgreSQL (or Redis) is down: a lost connection gives 503
(``application/problem+json`` on the API, a plain page elsewhere) with
``Retry-After`` instead of a stack trace, and Django's connection health check
(``conn_health_checks``) reconnects on the next request without a restart.
Templates rendered here are static files with no tags that need a request or
the database (only translation tags: texts follow the active language).
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

from sociale_kaart.locale import request_language

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


def _page(template: str, status: int, headers=None) -> HttpResponse:
    html = loader.render_to_string(template, request=None)
    return HttpResponse(html, status=status, headers=headers)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if _is_api(request):
        return _problem(
            404, _("Niet gevonden"), _("Deze bron bestaat niet."), "not_found"
        )
    return _page("404.html", 404)


def handler500(request):
    exc = sys.exc_info()[1]
    if isinstance(exc, _UNAVAILABLE):
        return service_unavailable(request)
    if _is_api(request):
        detail = _("Er ging iets mis; de fout is gelogd.")
        return _problem(500, _("Interne fout"), detail, "error")
    return _page("500.html", 500)


def service_unavailable(request) -> HttpResponse:
    """503 with Retry-After: the database (or Redis) is down or busy; nothing
    was changed that the client cannot safely retry (each write is one
    transaction)."""
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _is_api(request):
        detail = _("De database is tijdelijk niet bereikbaar. Probeer het zo opnieuw.")
        title = _("Dienst niet beschikbaar")
        return _problem(503, title, detail, "unavailable", retry)
    return _page("503.html", 503, retry)


def request_too_large(request, limit: int) -> HttpResponse:
    # Answered before the locale middleware ran: choose the language here.
    with translation.override(request_language(request)):
        detail = _("Het verzoek is groter dan %(limit)s bytes.") % {"limit": limit}
        if _is_api(request):
            return _problem(413, _("Verzoek te groot"), detail, "too_large")
        return _page("413.html", 413)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token (often: an old tab). Dutch, and
    without the inline style of Django's default page (CSP)."""
    return _page("403_csrf.html", 403)
