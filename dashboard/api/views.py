"""The figures of /regie as an API: thin adapters around ``dashboard.selectors``.

Access as on the pages (``dashboard.permissions``): municipality staff see the
city, any perceel, referrer type and provider; a provider's users and its API
token see their own organisation (a hoofdaanbieder also its onderaannemers)
beside the city-wide figures, and another provider is 404; anyone else logged
in gets 403, anonymous callers 401. Nothing here is personal data.
"""

from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard import definitions as d
from dashboard import permissions as perms
from dashboard import selectors
from dashboard.api import serializers as s
from dashboard.forms import FilterForm
from referrals import codes
from referrals import workflow as wf
from referrals.selectors import norms, norms_table
from registry.api.pagination import ApiPagination
from registry.api.scopes import KeyScope
from registry.api.serializers import ProblemSerializer
from registry.models import ApiToken, Perceel
from sociale_kaart.api import PROBLEM_CONTENT_TYPE

TAGS = ["dashboard"]
# API parameter -> the dashboard form's field.
PARAMS = {
    "from": "van",
    "to": "tot",
    "lot": "perceel",
    "referrerType": "verwijzer",
    "provider": "aanbieder",
}
LEVELS = {"group": d.GROUP, "provider": d.PROVIDER}
ORDERINGS = {"-made": "verwezen", "name": "naam", **{m.code: m.code for m in d.METRICS}}


def _scope(user) -> list | None:
    """None: municipality staff (everything); else the providers ``user`` may see."""
    if perms.can_view_city_figures(user):
        return None
    allowed = perms.viewable_organisations(user)
    if not allowed:
        raise exceptions.PermissionDenied(
            _("Alleen de gemeente en aanbieders zien deze cijfers.")
        )
    return allowed


def _form_data(params, *, with_provider: bool) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, field in PARAMS.items():
        if name in params and (with_provider or name != "provider"):
            data[field] = params[name]
    return data


def selection(request, *, with_provider: bool = True) -> selectors.Filters:
    """The figures' selection from the query; 400 naming each bad parameter.

    A provider's caller gets its own organisation (the first it may see unless
    ``provider`` names another it may see; one it may not see is 404).
    """
    allowed = _scope(request.user)
    wanted = request.query_params.get("provider", "") if with_provider else ""
    if allowed is not None and wanted and wanted not in {o.slug for o in allowed}:
        raise Http404
    organisations = allowed if with_provider else []
    form = FilterForm(
        _form_data(request.query_params, with_provider=with_provider),
        organisations=organisations,
    )
    if not form.is_valid():
        names = {field: name for name, field in PARAMS.items()}
        raise exceptions.ValidationError(
            {names.get(field, field): errors for field, errors in form.errors.items()}
        )
    organisation = None
    if allowed is not None and with_provider:
        organisation = form.cleaned_data.get("aanbieder") or allowed[0]
    return perms.limit_to_viewer(request.user, form.filters(organisation))


def _month(day) -> str:
    return day.strftime("%Y-%m")


def _provider(organisation) -> dict | None:
    if organisation is None:
        return None
    return {"id": organisation.pk, "slug": organisation.slug, "name": organisation.name}


def _query(name: str, kind, description: str, **kwargs) -> OpenApiParameter:
    return OpenApiParameter(
        name, kind, OpenApiParameter.QUERY, description=description, **kwargs
    )


MONTH = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{1,2}$"}
FILTERS = [
    _query("from", MONTH, "First cohort month, YYYY-MM (default: 11 months ago)."),
    _query("to", MONTH, "Last cohort month, included (default: this month)."),
    _query("lot", OpenApiTypes.STR, "Only this perceel (code, see /lots)."),
    _query(
        "referrerType",
        OpenApiTypes.STR,
        "Only referrals of this referrer type (iJw COD327 code).",
        enum=codes.ReferrerType.values,
    ),
]
FORBIDDEN = {
    (403, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        ProblemSerializer,
        "Not municipality staff or a provider (or, for /providers, not "
        "municipality staff).",
    ),
    (404, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        ProblemSerializer, "A provider you may not see; or a page beyond the last."
    ),
}
PROVIDER = _query(
    "provider",
    OpenApiTypes.STR,
    "Only this provider (slug); a hoofdaanbieder counts with its onderaannemers. "
    "A provider's caller: one of its own (default: its own organisation).",
)


class _DashboardView(APIView):
    permission_classes = [KeyScope, permissions.IsAuthenticated]
    key_scopes = {"GET": ApiToken.SCOPE_REFERRALS_READ}


class SummaryView(_DashboardView):
    @extend_schema(
        operation_id="dashboard_summary",
        summary="Referral counts, waiting times and capacity for a selection",
        description="What /regie shows for a period: counts and waiting times "
        "(median, 90th percentile, share within the norm) in total, per perceel "
        "and per referrer type, declines, capacity now and the number of open "
        "referrals past a norm. For a provider also the city-wide figures.",
        parameters=[*FILTERS, PROVIDER],
        responses={200: s.SummarySerializer, **FORBIDDEN},
        tags=TAGS,
    )
    def get(self, request):
        return Response(s.SummarySerializer(summary(selection(request))).data)


def summary(f: selectors.Filters) -> dict:
    """Everything the summary holds for the selection ``f``."""
    data = selectors.overview(f, percelen=list(Perceel.objects.all()))
    refresh = selectors.last_refresh()
    return {
        "period": {"start": _month(f.first), "end": _month(f.last)},
        "lot": f.perceel.code if f.perceel else None,
        "referrer_type": f.referrer_type or None,
        "provider": _provider(f.organisation),
        "refreshed_at": refresh.finished_at if refresh else None,
        "norms": s.norms(),
        "figures": data.total,
        "city": selectors.figures(f.city()) if f.organisation else None,
        "by_lot": [{"lot": p, "figures": fig} for p, fig in data.by_perceel],
        "by_referrer_type": [
            {"referrer_type": code, "label": str(label), "figures": fig}
            for code, label, fig in data.by_referrer_type
        ],
        "members": [
            {"provider": _row_provider(row), "figures": row.figures}
            for row in selectors.members(f)
        ],
        "declines": [
            {"reason": reason, "label": label, "count": count}
            for reason, label, count in selectors.declines(f)
        ],
        "capacity": selectors.capacity_now(f),
        "overdue": selectors.overdue_referrals(f).count(),
    }


def _row_provider(row) -> dict:
    return {"id": row.organisation_id, "slug": row.slug, "name": row.name}


class TrendPagination(ApiPagination):
    page_size = 120  # the longest period: one page
    max_page_size = 120


class TrendView(_DashboardView):
    pagination_class = TrendPagination

    @extend_schema(
        operation_id="dashboard_trend_list",
        summary="Counts, waiting times and capacity per month of the period",
        description="Every month of the period (also empty ones): the referrals "
        "made in it with their waiting times, and services by capacity status at "
        "the month's end.",
        parameters=[*FILTERS, PROVIDER],
        responses={200: s.MonthSerializer(many=True), **FORBIDDEN},
        tags=TAGS,
    )
    def get(self, request):
        f = selection(request)
        capacity = {c.month: c for c in selectors.capacity_trend(f)}
        months = [
            {
                "month": _month(month),
                "figures": figures,
                "capacity": {
                    "services": capacity[month].services,
                    "by_status": s.status_counts(capacity[month].by_status),
                    "stale": capacity[month].stale,
                },
            }
            for month, figures in selectors.monthly_figures(f)
        ]
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(months, request, view=self)
        data = s.MonthSerializer(page, many=True).data
        return paginator.get_paginated_response(data)


class ProvidersView(_DashboardView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="dashboard_provider_list",
        summary="Providers side by side (municipality staff only)",
        description="Per provider (level=provider) or per hoofdaanbieder with "
        "its onderaannemers (level=group, the default): counts, waiting times and "
        "the median waits they report now. Providers' callers get 403.",
        parameters=[
            *FILTERS,
            _query(
                "level",
                OpenApiTypes.STR,
                "group (default) or provider.",
                enum=list(LEVELS),
            ),
            _query(
                "ordering",
                OpenApiTypes.STR,
                "-made (default: most referrals first), name, or a waiting time "
                "(contact, intake, treatment, total): lowest share within the norm "
                "first.",
                enum=list(ORDERINGS),
            ),
        ],
        responses={200: s.ProviderFiguresSerializer(many=True), **FORBIDDEN},
        tags=TAGS,
    )
    def get(self, request):
        if _scope(request.user) is not None:
            raise exceptions.PermissionDenied(
                _("Alleen de gemeente ziet de aanbieders naast elkaar.")
            )
        f = selection(request, with_provider=False)
        level, sort = (
            _choice(request, "level", LEVELS),
            _choice(request, "ordering", ORDERINGS),
        )
        table = selectors.organisation_table(
            f, level=level or d.GROUP, sort=sort or "verwezen", page=None
        )
        rows = [
            {
                "provider": _row_provider(row),
                "figures": row.figures,
                "reported": row.reported,
            }
            for row in table.rows
        ]
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        data = s.ProviderFiguresSerializer(page, many=True).data
        return paginator.get_paginated_response(data)


def _choice(request, name: str, choices: dict) -> str | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if raw not in choices:
        raise exceptions.ValidationError(
            {name: [_("Kies een van: %(options)s.") % {"options": ", ".join(choices)}]}
        )
    return choices[raw]


class OverdueView(_DashboardView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="dashboard_overdue_list",
        summary="Open referrals now past a norm, oldest first",
        description="Regardless of the period: referrals waiting today past "
        "the first-contact, intake or start norm. Reference and provider only, "
        "never the child or the help question.",
        parameters=[*FILTERS[2:], PROVIDER],
        responses={200: s.OverdueSerializer(many=True), **FORBIDDEN},
        tags=TAGS,
    )
    def get(self, request):
        f = selection(request)
        rows = selectors.overdue_referrals(f).select_related("provider", "perceel")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        today = timezone.localdate()
        table = norms_table()
        data = s.OverdueSerializer(
            [_overdue(r, today, table) for r in page], many=True
        ).data
        return paginator.get_paginated_response(data)


def _overdue(referral, today, table) -> dict:
    derived = wf.Derived(
        status=referral.status,
        first_contact_on=referral.first_contact_on,
        intake_on=referral.intake_on,
    )
    late = wf.overdue(
        derived,
        referred_on=referral.referred_on,
        norms=norms(referral.urgency, table),
        today=today,
    )
    return {
        "reference": referral.reference,
        "provider": _provider(referral.provider),
        "lot": referral.perceel.code,
        "status": referral.status,
        "referred_on": referral.referred_on,
        "days_open": (today - referral.referred_on).days,
        "past": [deadline.code for deadline in late],
    }
