"""Pages of /regie: thin adapters around the selectors, tables and charts.

Access (``dashboard.permissions``): municipality staff see /regie, the
organisations side by side and every open referral past a norm; a provider's
users see /regie/aanbieder with their own figures beside the city's; anyone
else logged in gets 403, anonymous visitors the log-in page. Another
organisation's figures are "not found" (404) for a provider.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard import definitions as d
from dashboard import pages, selectors, tables
from dashboard import permissions as perms
from dashboard.forms import FilterForm, OrganisationTableForm, OverdueFilterForm
from dashboard.memo import live_memoised, memoised
from ijw import selectors as ijw_selectors
from registry.catalogue_version import capacity_version
from registry.models import Organisation

OVERDUE_PER_PAGE = 50


def with_norms(view):
    """Reads the municipality's norms once for the whole request (figures,
    charts and the rendered texts all state the same norm)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with d.norms_in_force():
            return view(request, *args, **kwargs)

    return wrapped


def _require_city(request) -> None:
    if not perms.can_view_city_figures(request.user):
        raise PermissionDenied


def _own_organisation(request) -> tuple[Organisation, list[Organisation] | None]:
    """The provider whose own figures to show, and the choice a provider user
    has (None for municipality staff, who may pick any provider by slug)."""
    slug = request.GET.get("aanbieder", "")
    if perms.can_view_city_figures(request.user):
        organisation = Organisation.objects.filter(
            slug=slug, kind__in=Organisation.PROVIDER_KINDS
        ).first()
        if organisation is None:
            raise Http404
        return organisation, None
    allowed = perms.viewable_organisations(request.user)
    if not allowed:
        raise PermissionDenied
    if not slug:
        return allowed[0], allowed
    for organisation in allowed:
        if organisation.slug == slug:
            return organisation, allowed
    raise Http404


def _scope(request) -> tuple[Organisation | None, list[Organisation] | None]:
    """Municipality staff: any selection through the filters (None, None). A
    provider: its own organisation (404 for another's, 403 for non-providers)."""
    if perms.can_view_city_figures(request.user):
        return None, None
    return _own_organisation(request)


def _csv_query(request, organisation=None) -> str:
    """The query string for CSV links (with the provider shown, so a download
    matches the page)."""
    query = request.GET.copy()
    query.pop("pagina", None)
    if organisation is not None:
        query["aanbieder"] = organisation.slug
    return query.urlencode()


def _render(request, template, context, *, organisation=None, status=200):
    """Render with what every dashboard page needs: the role, and the query
    string for CSV links."""
    context.setdefault("refresh", None)
    context.update(
        city_user=perms.can_view_city_figures(request.user),
        csv_query=_csv_query(request, organisation),
        organisation=organisation,
    )
    return render(request, template, context, status=status)


def _experience(provider_ids=None) -> dict:
    """Family experience beside the waiting times (ijw app; one query)."""
    return {
        "experience": ijw_selectors.experience_summary(provider_ids=provider_ids),
        "min_answers": settings.EXPERIENCE_MIN_ANSWERS,
    }


def _render_invalid(request, template, form, organisation=None):
    return _render(
        request, template, {"form": form}, organisation=organisation, status=400
    )


@require_GET
@login_required
@with_norms
def overview(request):
    """/regie: the city (or one provider) for municipality staff."""
    if not perms.can_view_city_figures(request.user):
        if perms.viewable_organisations(request.user):
            return redirect("dashboard:own")
        raise PermissionDenied
    form = FilterForm(request.GET)
    if not form.is_valid():
        return _render_invalid(request, "dashboard/overview.html", form)
    f = form.filters()
    context = pages.figures_context(f, csv_query=_csv_query(request))
    if f.organisation is None:
        # From the precomputed counts, but all providers over two periods:
        # once per refresh and selection (``dashboard.memo``).
        context["hotspots"] = pages.city_hotspots(f)
        context["hotspots_minimum"] = selectors.hotspots_minimum
    context.update(form=form, city_view=True, **_experience())
    return _render(request, "dashboard/overview.html", context)


@require_GET
@login_required
@with_norms
def own(request):
    """/regie/aanbieder: a provider's own figures beside the city's."""
    if perms.can_view_city_figures(request.user) and not request.GET.get("aanbieder"):
        return redirect("dashboard:organisations")
    organisation, allowed = _own_organisation(request)
    form = FilterForm(request.GET, organisations=allowed or [organisation])
    if not form.is_valid():
        return _render_invalid(request, "dashboard/overview.html", form, organisation)
    f = perms.limit_to_viewer(request.user, form.filters(organisation))
    context = pages.figures_context(f, csv_query=_csv_query(request, organisation))
    context.update(form=form, city_view=False, **_experience({organisation.pk}))
    return _render(
        request, "dashboard/overview.html", context, organisation=organisation
    )


@require_GET
@login_required
@with_norms
def organisations(request):
    """/regie/aanbieders: providers side by side (municipality only)."""
    _require_city(request)
    form = OrganisationTableForm(request.GET)
    if not form.is_valid():
        return _render_invalid(request, "dashboard/organisations.html", form)
    f = form.filters()
    number = form.cleaned_data.get("pagina") or 1
    # Precomputed sums over every provider, plus the reported waits of the
    # page's services (live): memoised like the overview's live figures.
    page = memoised(
        "organisation-table",
        f,
        lambda: selectors.organisation_table(
            f, level=form.level, sort=form.sort, page=number
        ),
        live=True,
        extra=(form.level, form.sort, number, capacity_version()),
    )
    query = pages.query_without(request.GET, "pagina", "niveau", "sorteer", "aanbieder")
    context = {
        "form": form,
        "page": page,
        "table": tables.organisations_table(
            page.rows,
            pages.level_caption(form.level),
            link=lambda row: pages.overview_link(row.slug, query),
        ),
        "query": pages.query_without(request.GET, "pagina"),
        "refresh": selectors.last_refresh(),
    }
    return _render(request, "dashboard/organisations.html", context)


@require_GET
@login_required
@with_norms
def overdue(request):
    """/regie/open: open referrals past a norm, oldest first (scoped by role)."""
    organisation, allowed = _scope(request)
    form = OverdueFilterForm(request.GET, organisations=allowed)
    if not form.is_valid():
        return _render_invalid(request, "dashboard/overdue.html", form, organisation)
    f = perms.limit_to_viewer(request.user, form.filters(organisation))
    norms = d.norms_table_in_force()
    rows = selectors.overdue_referrals(f, table=norms)
    # The count reads every open referral: memoised as on the overview (same
    # key, so both pages state the same number).
    count = live_memoised(
        "overdue-count", f, rows.count, extra=(timezone.localdate(), repr(norms))
    )
    page = _CountedPaginator(rows, OVERDUE_PER_PAGE, count=count).get_page(
        request.GET.get("pagina")
    )
    context = {
        "form": form,
        "page": page,
        "table": tables.overdue_table(
            selectors.overdue_rows(page.object_list, table=norms)
        ),
        "query": pages.query_without(request.GET, "pagina"),
    }
    return _render(
        request, "dashboard/overdue.html", context, organisation=f.organisation
    )


class _CountedPaginator(Paginator):
    """A paginator told its count (no COUNT query)."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


@require_GET
@login_required
@with_norms
def csv_download(request, table: str):
    """Any table of the pages as CSV (semicolons, decimal comma, UTF-8)."""
    city = perms.can_view_city_figures(request.user)
    organisation, allowed = _scope(request)
    form_class = OrganisationTableForm if table == "aanbieders" else FilterForm
    form = form_class(request.GET, organisations=allowed)
    if table == "aanbieders" and not city:
        raise Http404
    if not form.is_valid():
        messages = [f"{form[k].label}: {' '.join(v)}" for k, v in form.errors.items()]
        return HttpResponse("\n".join(messages), status=400, content_type="text/plain")
    content = pages.csv_content(
        table, form, perms.limit_to_viewer(request.user, form.filters(organisation))
    )
    if content is None:
        raise Http404
    return _csv_response(content, table)


def _csv_response(content: bytes, name: str) -> HttpResponse:
    """The file with today's name (per request: a memoised file keeps no date)."""
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="regie-{name}-{stamp}.csv"'
    return response
