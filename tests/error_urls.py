"""URLconf for the error-page tests: the site's URLs plus views that fail in
each way a real view can (the handlers are the site's own)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from sociale_kaart import urls as site_urls


def _suspicious(request):
    raise SuspiciousOperation("tampered")


def _forbidden(request):
    raise PermissionDenied


@require_POST
def _post_only(request):
    return HttpResponse("ok")


def _throttled(request):
    return HttpResponse(status=429, headers={"Retry-After": "60"})


def _broken(request):
    raise RuntimeError("bug")


def _database_down(request):
    raise OperationalError("connection refused")


_failing = [
    path("fout/400", _suspicious),
    path("fout/403", _forbidden),
    path("fout/405", _post_only),
    path("fout/429", _throttled),
    path("fout/500", _broken),
    path("fout/503", _database_down),
]
urlpatterns = [
    *_failing,
    *[path("api/v1/" + str(p.pattern), p.callback) for p in _failing],
    *site_urls.urlpatterns,
]

handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500
