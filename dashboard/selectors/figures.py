"""Figures from the precomputed tables: the selection in total, per perceel,
referrer type and month, declines, and organisations side by side."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils.translation import gettext as _

from dashboard import definitions as d
from dashboard.models import (
    ReferralDayHistogram,
    ReferralDeclineCounts,
    ReferralMonthlyCounts,
    RollupMember,
)
from dashboard.selectors.base import (
    Figures,
    Filters,
    OrganisationRow,
    build_figures,
    merge_histograms,
    period_rows,
    selection_rows,
    sum_counts,
    sum_histograms,
    total_counts,
)
from dashboard.selectors.capacity import add_reported
from referrals import codes
from registry.models import Organisation, Perceel

PER_PAGE = 25


@dataclass
class Overview:
    """Everything the overview page shows for one selection."""

    total: Figures
    by_perceel: list[tuple[Perceel, Figures]]
    by_referrer_type: list[tuple[str, str, Figures]]
    by_month: list[tuple[date, Figures]]


def overview(f: Filters, *, percelen: list[Perceel]) -> Overview:
    """The selection in total, per perceel, per referrer type and per month.

    Four queries: counts grouped by (month, perceel, referrer type), and day
    histograms grouped by perceel (which add up to the total), by referrer
    type and by month.
    """
    counts = sum_counts(
        selection_rows(ReferralMonthlyCounts, f), ("month", "perceel", "referrer_type")
    )
    hist_rows = selection_rows(ReferralDayHistogram, f)
    by_perceel_h = sum_histograms(hist_rows, ("perceel",))
    by_type_h = sum_histograms(
        selection_rows(ReferralDayHistogram, f, by_referrer=True), ("referrer_type",)
    )
    by_month_h = sum_histograms(hist_rows, ("month",))
    by_month, by_perceel, by_type = (_regroup(counts, i) for i in range(3))
    total = build_figures(
        total_counts(counts), merge_histograms(list(by_perceel_h.values()))
    )
    return Overview(
        total=total,
        by_perceel=[
            (p, build_figures(by_perceel[p.pk], by_perceel_h.get((p.pk,))))
            for p in percelen
            if p.pk in by_perceel
        ],
        by_referrer_type=[
            (code, label, build_figures(by_type[code], by_type_h.get((code,))))
            for code, label in codes.ReferrerType.choices
            if code in by_type
        ],
        by_month=[
            (m, build_figures(by_month.get(m), by_month_h.get((m,)))) for m in f.months
        ],
    )


def _regroup(counts: dict, position: int) -> dict:
    """Counts summed per value of the key at ``position``."""
    parts: dict = defaultdict(dict)
    for key, row in counts.items():
        parts[key[position]][key] = row
    return {value: total_counts(rows) for value, rows in parts.items()}


def figures(f: Filters) -> Figures:
    """Counts and waiting times of the selection as a whole (two queries)."""
    counts = sum_counts(selection_rows(ReferralMonthlyCounts, f), ())
    histograms = sum_histograms(selection_rows(ReferralDayHistogram, f), ())
    return build_figures(counts.get(()), histograms.get(()))


def monthly_figures(f: Filters) -> list[tuple[date, Figures]]:
    """The selection per cohort month (every month of the period, also empty)."""
    counts = sum_counts(selection_rows(ReferralMonthlyCounts, f), ("month",))
    histograms = sum_histograms(selection_rows(ReferralDayHistogram, f), ("month",))
    return [
        (m, build_figures(counts.get((m,)), histograms.get((m,)))) for m in f.months
    ]


def declines(f: Filters) -> list[tuple[str, str, int]]:
    """(reason code, label, count) for the selection, most frequent first."""
    labels = dict(codes.DeclineReason.choices)
    rows = (
        selection_rows(ReferralDeclineCounts, f)
        .values("reason")
        .annotate(total=Sum("count"))
        .order_by("-total", "reason")
    )
    return [
        (
            r["reason"],
            str(labels.get(r["reason"], r["reason"] or _("onbekend"))),
            r["total"],
        )
        for r in rows
    ]


# --- organisations side by side ------------------------------------------------


@dataclass
class OrganisationPage:
    rows: list[OrganisationRow]
    count: int
    page: int
    pages: int


MEDIAN_SORT = "mediaan-"
SORTS = (
    "verwezen",
    "naam",
    *(m.code for m in d.METRICS),
    *(MEDIAN_SORT + m.code for m in d.METRICS),
)


def _share(counts: dict, code: str) -> float | None:
    assessed = (counts[f"{code}_n"] or 0) + (counts[f"{code}_late"] or 0)
    return (counts[f"{code}_within"] or 0) / assessed if assessed else None


def _sort_key(sort: str, counts: dict, names: dict):
    """Sort keys on the summed counts, so only the page shown needs figures."""

    def name(key):
        return names.get(key[0], ("",))[0].lower()

    if sort == "naam":
        return lambda key: (name(key), key)
    if sort in d.METRIC_BY_CODE:
        # Lowest share within the norm first; nothing to assess last.
        def by_share(key):
            share = _share(counts[key], sort)
            return (share is None, share or 0, name(key), key)

        return by_share
    return lambda key: (-(counts[key]["made"] or 0), name(key), key)


def organisation_table(
    f: Filters,
    *,
    level: str,
    sort: str = "verwezen",
    page: int | None = 1,
    reported: bool = True,
) -> OrganisationPage:
    """Organisations side by side: each on its own (``provider``) or each
    hoofdaanbieder with its onderaannemers (``group``). ``f.organisation`` is
    ignored. Counts for all, to sort; waiting times for the page shown
    (``page=None``: all rows, for the CSV download). ``reported=False``: only
    the refreshed figures, without the waits reported now (``add_reported``).
    """
    counts = sum_counts(
        period_rows(ReferralMonthlyCounts, f).filter(level=level), ("organisation",)
    )
    names = _names()
    histograms = period_rows(ReferralDayHistogram, f).filter(level=level)
    pages = max(1, -(-len(counts) // PER_PAGE))
    window = (
        slice(None) if page is None else slice((page - 1) * PER_PAGE, page * PER_PAGE)
    )
    median = sort.removeprefix(MEDIAN_SORT) if sort.startswith(MEDIAN_SORT) else ""
    if median in d.METRIC_BY_CODE:
        # By median wait, longest first: needs every row's waits (the same one
        # histogram query, over all rows instead of the page).
        rows = [_row(pk, names) for (pk,) in counts]
        _add_waits(rows, histograms, counts)
        rows.sort(key=_median_key(median))
        rows = rows[window]
    else:
        keys = sorted(counts, key=_sort_key(sort, counts, names))[window]
        rows = [_row(pk, names) for (pk,) in keys]
        _add_waits(rows, histograms, counts)
    if reported:
        add_reported(rows, level=level, perceel=f.perceel)
    return OrganisationPage(rows=rows, count=len(counts), page=page or 1, pages=pages)


def _row(pk: int, names: dict) -> OrganisationRow:
    return OrganisationRow(pk, *names.get(pk, ("?", "")), Figures())


def _median_key(code: str):
    def key(row: OrganisationRow):
        value = row.figures.wait(code).median
        return (value is None, -(value or 0), row.name.lower(), row.organisation_id)

    return key


def _names(ids=None) -> dict[int, tuple[str, str]]:
    """{organisation id: (name, slug)} of ``ids``, or of every provider."""
    if ids is None:
        organisations = Organisation.objects.filter(
            kind__in=Organisation.PROVIDER_KINDS
        )
    else:
        organisations = Organisation.objects.filter(pk__in=ids)
    return {
        pk: (name, slug)
        for pk, name, slug in organisations.values_list("pk", "name", "slug")
    }


def _add_waits(rows: list[OrganisationRow], hist_rows: QuerySet, counts) -> None:
    if not rows:
        return
    ids = [r.organisation_id for r in rows]
    histograms = sum_histograms(
        hist_rows.filter(organisation__in=ids), ("organisation",)
    )
    for row in rows:
        key = (row.organisation_id,)
        row.figures = build_figures(counts[key], histograms.get(key))


def members(f: Filters) -> list[OrganisationRow]:
    """A hoofdaanbieder's parts each on its own: itself and every onderaannemer,
    counting only what rolls up into it (the subcontract's perceel and months).
    They add up to the hoofdaanbieder's rolled-up figures."""
    main = f.organisation
    if main is None or f.level != d.GROUP:
        return []
    rolls_up = RollupMember.objects.filter(
        main=main,
        member=OuterRef("organisation"),
        perceel=OuterRef("perceel"),
        month=OuterRef("month"),
    )
    base = dict(level=d.PROVIDER)
    counts = sum_counts(
        period_rows(ReferralMonthlyCounts, f).filter(Exists(rolls_up), **base),
        ("organisation",),
    )
    histograms = sum_histograms(
        period_rows(ReferralDayHistogram, f).filter(Exists(rolls_up), **base),
        ("organisation",),
    )
    names = _names([key[0] for key in counts])
    rows = [
        OrganisationRow(
            pk,
            *names.get(pk, ("?", "")),
            build_figures(counts[(pk,)], histograms.get((pk,))),
        )
        for (pk,) in counts
    ]
    rows.sort(key=lambda r: (r.organisation_id != main.pk, r.name.lower()))
    return rows
