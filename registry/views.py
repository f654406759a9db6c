"""Public pages of the social map: thin adapters over ``search`` and ``selectors``."""

import csv

from django.conf import settings
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from registry import search, selectors
from registry.models import Organisation, Service


def home(request):
    return render(request, "registry/home.html", {"percelen": selectors.perceel_list()})


def search_page(request):
    result = search.run_search(request.GET)
    return render(
        request,
        "registry/search.html",
        {"result": result, "sorts": search.sort_options()},
    )


class _Echo:
    """A file-like object whose write returns the line, for streaming CSV."""

    def write(self, value):
        return value


def search_csv(request):
    services = search.csv_services(request.GET)
    writer = csv.writer(_Echo())
    site_url = request.build_absolute_uri("/").rstrip("/")

    def lines():
        yield "\ufeff"  # a BOM so spreadsheet programs read UTF-8
        yield writer.writerow(search.csv_header())
        for service in services.iterator(chunk_size=2000):
            yield writer.writerow(search.csv_row(service, site_url))

    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="aanbod-{stamp}.csv"'
    return response


def organisation_detail(request, slug):
    try:
        organisation = selectors.organisation_get_public(slug=slug)
    except Organisation.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "registry/organisation_detail.html",
        {"organisation": organisation, **_map_settings()},
    )


def service_detail(request, pk):
    try:
        service = selectors.service_get_public(pk=pk)
    except Service.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "registry/service_detail.html",
        {
            "service": service,
            "capacity": getattr(service, "capacity", None),
            **_map_settings(),
        },
    )


def _map_settings() -> dict:
    return {
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
