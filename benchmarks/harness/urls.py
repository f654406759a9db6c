"""The project's URLs plus the floor of a request: a view that touches neither
the database nor a template, behind the same middleware (set as ROOT_URLCONF
by ``database.setup_django`` for the in-process part only)."""

from django.http import HttpResponse
from django.urls import include, path

from sociale_kaart.urls import (  # noqa: F401 - the project's error pages
    handler400,
    handler403,
    handler404,
    handler500,
)


def floor(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("_bench/floor", floor),
    path("", include("sociale_kaart.urls")),
]
