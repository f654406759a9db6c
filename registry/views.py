"""Public pages of the social map: thin adapters over ``search`` and ``selectors``."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from registry import search, selectors
from registry.context_processors import user_roles
from registry.models import Organisation, Service
from sociale_kaart import csvsafe
from sociale_kaart.site import site_url


def home(request):
    return render(request, "registry/home.html", {"percelen": selectors.perceel_list()})


@login_required
def start(request):
    """Where a professional lands after logging in: their daily work."""
    roles = user_roles(request.user)
    if roles["municipality"]:
        return redirect("dashboard:overview")
    if roles["provider"]:
        return redirect("referrals:inbox")
    if roles["referrer"] or roles["school"]:
        return redirect("referrals:referral-list")
    return redirect("registry:home")


def search_page(request):
    result = selectors.search_run(request.GET)
    return render(
        request,
        "registry/search.html",
        {"result": result, "sorts": search.sort_options(), **_map_settings()},
    )


class _Echo:
    """A file-like object whose write returns the line, for streaming CSV."""

    def write(self, value):
        return value


def search_csv(request):
    services = selectors.search_csv_services(request.GET)
    writer = csvsafe.writer(_Echo())
    base_url = site_url(request)

    def lines():
        yield "\ufeff"  # a BOM so spreadsheet programs read UTF-8
        yield writer.writerow(search.csv_header())
        for service in services.iterator(chunk_size=2000):
            yield writer.writerow(search.csv_row(service, base_url))

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
