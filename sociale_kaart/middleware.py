"""Project middleware: the request-size limit and the idle session timeout."""

from django.conf import settings
from django.utils import timezone

from sociale_kaart import views


class RequestSizeLimitMiddleware:
    """Refuse a body over DATA_UPLOAD_MAX_MEMORY_SIZE before anything reads it.

    Django checks the limit only when it parses a form body; Django REST
    framework's JSON parser reads the WSGI stream directly and would accept any
    size. The declared length decides: 413 (``application/problem+json`` on
    /api/). A body without a length (chunked) is never read by Django at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _content_length(request) > limit:
            return views.request_too_large(request, limit)
        return self.get_response(request)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ErrorPageMiddleware:
    """An error response without a body (405 from ``require_POST``, a bare
    429, ``HttpResponseForbidden()``) gets the site's error page in the
    visitor's language, or ``application/problem+json`` under /api/; its
    status and headers (Allow, Retry-After) stay. Responses with content pass
    unchanged."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and not getattr(response, "streaming", False)
            and not response.content.strip()
        ):
            page = views.error_response(request, response.status_code)
            for header in ("Allow", "Retry-After"):
                if header in response:
                    page[header] = response[header]
            return page
        return response


class SessionIdleTimeoutMiddleware:
    """Idle timeout: a session ends SESSION_COOKIE_AGE seconds after the last
    request that used it, not after the log-in.

    A used session whose expiry is more than RENEW_AFTER_SECONDS old is marked
    modified, so SessionMiddleware saves it (new ``expire_date`` and cookie
    age). That is at most one write a minute per active user, instead of one
    per request with SESSION_SAVE_EVERY_REQUEST. Sits after SessionMiddleware,
    so its response phase runs first.
    """

    RENEW_AFTER_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        expires_at = getattr(session, "expires_at", None)
        if expires_at is not None and not session.modified:
            remaining = (expires_at - timezone.now()).total_seconds()
            if remaining < settings.SESSION_COOKIE_AGE - self.RENEW_AFTER_SECONDS:
                session.modified = True
        return response
