"""Assembles the dashboard pages and CSV tables from selectors, tables and charts.

Presentation only: every figure comes from ``selectors``; this module picks
what a page shows, builds its tables (``tables``) and charts (``charts``).
"""

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dashboard import charts, selectors, tables
from dashboard import definitions as d
from dashboard.memo import live_memoised, memoised
from dashboard.periods import month_start
from dashboard.selectors import Figures, Filters
from dashboard.selectors.capacity import add_reported
from dashboard.tables import Column
from registry.catalogue_version import capacity_version
from registry.models import Perceel

OVERDUE_PREVIEW = 10


def level_caption(level: str) -> str:
    if level == d.GROUP:
        return _("Hoofdaanbieders met hun onderaannemers")
    return _("Elke aanbieder afzonderlijk")


def query_without(params, *names) -> str:
    """The query string without ``names`` (for pagination and CSV links)."""
    query = params.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def overview_link(slug: str, query: str) -> str:
    """The overview filtered on one provider, keeping the other filters."""
    url = reverse("dashboard:overview") + "?" + urlencode({"aanbieder": slug})
    return f"{url}&{query}" if query else url


def provisional_from(as_of=None):
    """The first cohort month whose longest norm has not passed for all its
    referrals: its waiting times can still change (shown as provisional)."""
    as_of = as_of or timezone.localdate()
    return month_start(as_of - timedelta(days=d.TOTAL.norm_days))


def city_hotspots(f: Filters):
    """The overview's hotspots, once per refresh and selection."""
    return memoised("hotspots", f, lambda: selectors.hotspots(f))


WARM_SECONDS = 120


def warm_selections() -> Iterator[dict[str, str]]:
    """What /regie is opened with, most used first: the city over the default
    period and over 36 months, each perceel, then each hoofdaanbieder (most
    referrals first)."""
    from django.db.models import Count

    from dashboard.periods import add_months
    from referrals.models import Referral
    from registry.models import Organisation

    yield {}
    three_years = add_months(month_start(timezone.localdate()), -35)
    yield {"van": three_years.strftime("%Y-%m")}
    for code in Perceel.objects.order_by("code").values_list("code", flat=True):
        yield {"perceel": code}
    busiest = (
        Referral.objects.filter(provider__kind=Organisation.Kind.HOOFDAANBIEDER)
        .values("provider__slug")
        .annotate(n=Count("id"))
        .order_by("-n", "provider__slug")
    )
    for row in busiest.iterator():
        yield {"aanbieder": row["provider__slug"]}


def memo_warm(seconds: float = WARM_SECONDS, languages=None) -> list[dict]:
    """Fill the memo for the selections municipality staff open
    (``warm_selections``), as /regie would for each, in every language, so no
    reader pays for them after the nightly refresh: until ``seconds`` are
    spent (a selection begun is finished). Call after ``dashboard_refresh``
    has committed. Returns the selections warmed."""
    from django.conf import settings
    from django.http import QueryDict
    from django.utils import translation

    from dashboard.forms import FilterForm

    languages = languages or [code for code, _name in settings.LANGUAGES]
    deadline = time.monotonic() + seconds
    warmed = []
    for number, params in enumerate(warm_selections()):
        if number == 1:
            # Right after the city's default page: the download of every
            # organisation over that period, at both levels (seconds each at
            # a million referrals, the slowest thing to ask cold).
            _warm_organisation_rows(deadline)
        if time.monotonic() >= deadline:
            break
        query = QueryDict(mutable=True)
        query.update(params)
        form = FilterForm(query)
        if not form.is_valid():  # no reference data yet
            continue
        f = form.filters()
        for language in languages:
            with translation.override(language):
                figures_context(f, csv_query=query.urlencode())
        if f.organisation is None:
            city_hotspots(f)
        warmed.append(params)
    return warmed


def _warm_organisation_rows(deadline: float) -> None:
    from django.http import QueryDict

    from dashboard.forms import OrganisationTableForm

    for niveau in ("hoofdaanbieder", "aanbieder"):
        if time.monotonic() >= deadline:
            return
        form = OrganisationTableForm(QueryDict(f"niveau={niveau}"))
        if form.is_valid():
            organisation_rows(form.filters(), level=form.level, sort=form.sort)


def figures_context(f: Filters, *, csv_query: str = "") -> dict:
    """Everything the overview page (city or one provider) shows.

    ``csv_query`` is the query string of the page's CSV links (part of the
    rendered tables, so part of their memo key)."""
    f = selectors.with_members(f)
    percelen = list(Perceel.objects.all())
    norms = d.norms_table_in_force()
    # What comes from the refreshed figures only (the totals and the tables and
    # SVG charts as HTML): once per refresh, selection, percelen shown,
    # language, day (the provisional months) and norms, then one small memo
    # read (not the histograms they were drawn from).
    shown = tuple(p.pk for p in percelen)
    page = memoised(
        "overview-page",
        f,
        lambda: _refreshed_page(f, percelen, csv_query),
        extra=(shown, get_language(), csv_query, provisional_from(), repr(norms)),
    )
    overdue = selectors.overdue_referrals(f, table=norms)
    # Live figures that would read every open referral or every service: from
    # the memo (``dashboard.memo``), at most LIVE_SECONDS old, and recomputed
    # at once when the catalogue (capacity included), the day or the norms change.
    capacity = live_memoised(
        "capacity-now",
        f,
        lambda: selectors.capacity_now(f),
        extra=(capacity_version(),),
    )
    overdue_count = live_memoised(
        "overdue-count", f, overdue.count, extra=(timezone.localdate(), repr(norms))
    )
    return {
        "filters": f,
        "figures": page["total"],
        "city": page["city"],
        "refresh": selectors.last_refresh(),
        "provisional_from": provisional_from(),
        "sections": {
            name: mark_safe(html)  # noqa: S308
            for name, html in page["sections"].items()
        },
        "chains_table": tables.chains_table(
            selectors.chain_groups(f, norm_weeks=d.TOTAL.norm_weeks),
            d.TOTAL.norm_weeks,
        ),
        "capacity": capacity,
        "capacity_table": tables.capacity_table(capacity),
        "reported_table": tables.reported_table(capacity, page["total"]),
        "overdue_count": overdue_count,
        "overdue_table": tables.overdue_table(
            selectors.overdue_rows(overdue[:OVERDUE_PREVIEW], table=norms)
        ),
    }


def summed_overview(f: Filters, percelen: list[Perceel]) -> selectors.Overview:
    """The selection's figures summed from the refreshed tables, once per
    refresh, selection and percelen shown (the page, its CSV tables and the
    warm-up share them)."""
    shown = tuple(p.pk for p in percelen)
    return memoised(
        "overview",
        f,
        lambda: selectors.overview(f, percelen=percelen),
        extra=(shown,),
    )


def _refreshed_page(f: Filters, percelen: list[Perceel], csv_query: str) -> dict:
    """The overview's totals (without their histograms) and its sections as
    HTML, from the selection's summed figures (memoised on their own: shared
    by every language and by the warm-up)."""
    data = summed_overview(f, percelen)
    city = summed_overview(f.city(), []) if f.organisation else None
    return {
        "total": replace(data.total, histograms={}),
        "city": replace(city.total, histograms={}) if city else None,
        "sections": _refreshed_sections(f, data, city, csv_query),
    }


TABLE = "dashboard/includes/table.html"
CHART = "dashboard/includes/chart.html"


def _refreshed_sections(f: Filters, data, city, csv_query: str) -> dict[str, str]:
    """The overview's tables and charts that come from the refreshed figures,
    as HTML (the templates in ``templates/dashboard/includes``)."""

    def table(t) -> SafeString:
        if t is None:
            return SafeString("")
        return render_to_string(TABLE, {"table": t, "csv_query": csv_query})

    def charts_html(pairs) -> SafeString:
        return SafeString(
            "".join(
                render_to_string(
                    CHART, {"chart": c, "chart_table": t, "csv_query": csv_query}
                )
                for c, t in pairs
            )
        )

    declines = memoised("declines", f, lambda: selectors.declines(f))
    trend = memoised("capacity-trend", f, lambda: selectors.capacity_trend(f))
    return {
        "waits": table(tables.waits_table(data.total, city.total if city else None)),
        "trend": charts_html(_trend_charts(data, city)),
        "distributions": charts_html(_distributions(data.total)),
        "groups": SafeString("".join(table(t) for t in _group_tables(data))),
        "members": table(_members_table(f)),
        "declines": table(tables.declines_table(declines)),
        "capacity_trend": charts_html([_capacity_trend(trend)]),
    }


def _group_tables(data: selectors.Overview) -> list[tables.Table]:
    result = [
        tables.figures_table(
            "percelen",
            _("Per perceel"),
            Column(_("Perceel"), "text"),
            [(p.display_name, fig) for p, fig in data.by_perceel],
        ),
        tables.figures_table(
            "verwijzers",
            _("Per soort verwijzer"),
            Column(_("Soort verwijzer"), "text"),
            [(label, fig) for _code, label, fig in data.by_referrer_type],
        ),
        tables.figures_table(
            "maanden",
            _("Per maand van verwijzing"),
            Column(_("Maand"), "month"),
            data.by_month,
        ),
    ]
    return result


def _members_table(f: Filters) -> tables.Table | None:
    rows = selectors.members(f)
    if not rows:
        return None
    return tables.figures_table(
        "onderdelen",
        _("De hoofdaanbieder en elke onderaannemer afzonderlijk"),
        Column(_("Aanbieder"), "text"),
        [(r.name, r.figures) for r in rows],
    )


def _weeks(value):
    return None if value is None else round(value / 7, 2)


def _line(id, title, desc, months, series, kind, **options):
    """A line chart over months and the table with its numbers; months whose
    figures are still provisional get a grey band."""
    labels = [tables.month_label(m) for m in months]
    if options.pop("provisional", False):
        first = provisional_from()
        options["shade_from"] = next(
            (i for i, m in enumerate(months) if m >= first), None
        )
        options["shade_label"] = _("voorlopig")
    chart = charts.line_chart(
        id=id, title=title, desc=desc, labels=labels, series=series, **options
    )
    first = Column(_("Maand"), "month")
    return chart, tables.series_table(id, title, first, months, series, kind)


def _trend_charts(data: selectors.Overview, city) -> list:
    months = [m for m, _f in data.by_month]
    own = [f for _m, f in data.by_month]
    everyone = [f for _m, f in city.by_month] if city else None
    volume = _line(
        "trend-volume",
        _("Verwijzingen per maand"),
        _(
            "Aantal verwijzingen per maand van verwijzing: verwezen, gestart en "
            "afgewezen."
        ),
        months,
        [
            (_("Verwezen"), [f.made for f in own]),
            (_("Gestart"), [f.started for f in own]),
            (_("Afgewezen"), [f.declined for f in own]),
        ],
        "int",
        provisional=True,
    )
    return [
        volume,
        _wait_trend(months, own, everyone),
        _share_trend(months, own, everyone),
    ]


def _compare(name_own, own, name_city, everyone, value) -> list:
    """Series for the selection and, when it is one provider, for Almere."""
    if everyone is None:
        return [(name_own, [value(f) for f in own])]
    return [
        (_("%(s)s (eigen)") % {"s": name_own}, [value(f) for f in own]),
        (_("%(s)s (Almere)") % {"s": name_city}, [value(f) for f in everyone]),
    ]


def _wait_trend(months, own, everyone):
    series = _compare(
        _("Totaal"),
        own,
        _("Totaal"),
        everyone,
        lambda f: _weeks(f.wait("total").median),
    ) + _compare(
        _("Aanmelding"),
        own,
        _("Aanmelding"),
        everyone,
        lambda f: _weeks(f.wait("intake").median),
    )
    return _line(
        "trend-wachttijd",
        _("Mediaan wachttijd per maand (weken)"),
        _(
            "Mediaan totale wachttijd en aanmeldwachttijd in weken per maand van "
            "verwijzing, met de normen van %(total)s en %(intake)s weken."
        )
        % {"total": d.TOTAL.norm_weeks, "intake": d.INTAKE.norm_weeks},
        months,
        series,
        "weeks",
        provisional=True,
        norms=[
            (d.TOTAL.norm_weeks, _("norm totaal %(n)s wk") % {"n": d.TOTAL.norm_weeks}),
            (
                d.INTAKE.norm_weeks,
                _("norm aanmelding %(n)s wk") % {"n": d.INTAKE.norm_weeks},
            ),
        ],
        y_title=_("weken"),
    )


def _share_trend(months, own, everyone):
    series = _compare(
        _("Totaal"), own, _("Totaal"), everyone, lambda f: f.wait("total").share_within
    ) + _compare(
        _("Aanmelding"),
        own,
        _("Aanmelding"),
        everyone,
        lambda f: f.wait("intake").share_within,
    )
    return _line(
        "trend-binnen-norm",
        _("Aandeel binnen de norm per maand"),
        _(
            "Aandeel verwijzingen per maand van verwijzing waarbij de totale "
            "wachttijd en de aanmeldwachttijd binnen de norm bleven; nog open "
            "verwijzingen over de norm tellen als buiten de norm."
        ),
        months,
        series,
        "share",
        percent=True,
        provisional=True,
    )


def _distributions(total: Figures) -> list[tuple[charts.Chart, tables.Table]]:
    result = []
    for metric in d.METRICS:
        buckets = charts.week_buckets(total.histograms.get(metric.code, []), metric)
        wait = total.wait(metric.code)
        chart = charts.distribution_chart(
            id=f"verdeling-{metric.code}",
            title=metric.label,
            desc=_(
                "Aantal verwijzingen per aantal weken %(m)s; de lijn staat bij de "
                "norm van %(n)s weken. Gemeten: %(count)s."
            )
            % {"m": metric.label.lower(), "n": metric.norm_weeks, "count": wait.n},
            buckets=buckets,
            metric=metric,
        )
        result.append((chart, tables.distribution_table(metric, buckets)))
    return result


def _capacity_trend(months):
    chart, _numbers = _line(
        "capaciteit-trend",
        _("Capaciteit per maand"),
        _(
            "Aandeel van het aanbod met een open plek, een wachtlijst of een "
            "aanmeldstop aan het eind van elke maand, en het aandeel met "
            "verouderde gegevens."
        ),
        [m.month for m in months],
        [
            (_("Open"), [m.share("open") for m in months]),
            (_("Wachtlijst"), [m.share("waitlist") for m in months]),
            (_("Aanmeldstop"), [m.share("closed") for m in months]),
            (_("Niet actueel"), [m.stale_share for m in months]),
        ],
        "share",
        percent=True,
    )
    return chart, tables.capacity_trend_table(months)


# --- CSV ---------------------------------------------------------------------------


def csv_content(name: str, form, f: Filters) -> bytes | None:
    """The CSV file of the table called ``name`` (``csv_table``), or None.

    Every organisation side by side (thousands of formatted rows) is memoised
    as the finished file, like the reported waits in it: at most LIVE_SECONDS
    old and anew after a refresh or a capacity write, per selection, level,
    sort, language (the headers) and norms (the headers state them)."""
    if name == "aanbieders":
        return memoised(
            "organisations-csv",
            f,
            lambda: tables.csv_content(_csv_organisations(form, f)),
            live=True,
            extra=(
                form.level,
                form.sort,
                get_language(),
                d.norms_fingerprint(d.norms_table_in_force()),
                capacity_version(),
            ),
        )
    table = csv_table(name, form, f)
    return None if table is None else tables.csv_content(table)


def csv_table(name: str, form, f: Filters) -> tables.Table | None:
    """The table called ``name`` (as on the page, with the raw counts too).
    The figures from the refreshed tables come from the page's memo
    (``summed_overview``): a download of what the page shows sums nothing."""

    def total():
        return summed_overview(f, list(Perceel.objects.all())).total

    builders = {
        "kerncijfers": lambda: _csv_summary(total()),
        "wachttijden": lambda: tables.waits_table(
            total(), summed_overview(f.city(), []).total if f.organisation else None
        ),
        "percelen": lambda: _csv_groups(f)[0],
        "verwijzers": lambda: _csv_groups(f)[1],
        "maanden": lambda: _csv_groups(f)[2],
        "afwijzingen": lambda: tables.declines_table(selectors.declines(f)),
        "capaciteit": lambda: tables.capacity_table(selectors.capacity_now(f)),
        "gemeld-gemeten": lambda: tables.reported_table(
            selectors.capacity_now(f), total()
        ),
        "capaciteit-trend": lambda: tables.capacity_trend_table(
            selectors.capacity_trend(f)
        ),
        "onderdelen": lambda: _members_table(f),
        "open-over-norm": lambda: tables.overdue_table(
            selectors.overdue_rows(selectors.overdue_referrals(f))
        ),
        "aanbieders": lambda: _csv_organisations(form, f),
    }
    for metric in d.METRICS:
        builders[f"verdeling-{metric.code}"] = lambda m=metric: _csv_distribution(
            total(), m
        )
    builder = builders.get(name)
    return builder() if builder else None


def _csv_summary(total: Figures) -> tables.Table:
    return tables.figures_table(
        "kerncijfers",
        _("Kerncijfers"),
        Column(_("Selectie"), "text"),
        [(_("Selectie"), total)],
        detail=True,
    )


def _csv_groups(f: Filters) -> list[tables.Table]:
    data = summed_overview(f, list(Perceel.objects.all()))
    result = []
    for table in _group_tables(data):
        items = {
            "percelen": [(p.display_name, fig) for p, fig in data.by_perceel],
            "verwijzers": [(label, fig) for _c, label, fig in data.by_referrer_type],
            "maanden": data.by_month,
        }[table.id]
        result.append(
            tables.figures_table(
                table.id, table.caption, table.columns[0], items, detail=True
            )
        )
    return result


def _csv_distribution(total: Figures, metric: d.Metric) -> tables.Table:
    histogram = total.histograms.get(metric.code, [])
    return tables.distribution_table(metric, charts.week_buckets(histogram, metric))


def _csv_organisations(form, f: Filters) -> tables.Table:
    rows = organisation_rows(f, level=form.level, sort=form.sort)
    # What providers report now is live: memoised like the side-by-side page
    # (at most LIVE_SECONDS old, anew after any catalogue or capacity write).
    reported = memoised(
        "organisation-reported",
        f,
        lambda: _reported(rows, level=form.level, perceel=f.perceel),
        live=True,
        extra=(form.level, form.sort, capacity_version()),
    )
    for row in rows:
        row.reported = reported.get(row.organisation_id)
    return tables.organisations_table(rows, level_caption(form.level), detail=True)


def _reported(rows, *, level: str, perceel) -> dict:
    rows = [replace(row) for row in rows]
    add_reported(rows, level=level, perceel=perceel)
    return {row.organisation_id: row.reported for row in rows}


def organisation_rows(
    f: Filters, *, level: str, sort: str
) -> list[selectors.OrganisationRow]:
    """Every organisation's refreshed figures side by side (the CSV download),
    once per refresh, selection, level and sort: at a million referrals they
    sum every provider's histograms over the period (seconds). Kept without
    the histograms (only their medians are shown)."""

    def compute():
        page = selectors.organisation_table(
            f, level=level, sort=sort, page=None, reported=False
        )
        return [
            replace(row, figures=replace(row.figures, histograms={}))
            for row in page.rows
        ]

    return memoised("organisation-rows", f, compute, extra=(level, sort))
