"""Every table on the dashboard, defined once for the page and the CSV download.

A ``Table`` holds typed cells (``Column.kind``); the template formats them for
reading, ``csv_value`` for a spreadsheet. Cells never hold personal data:
organisation names, references, counts and waiting times only.
"""

import io
from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from dashboard import definitions as d
from dashboard.charts import Bucket
from dashboard.selectors import (
    CapacityMonth,
    CapacityNow,
    Figures,
    OrganisationRow,
    OverdueRow,
)
from registry.models import Capacity
from sociale_kaart import csvsafe

# Column kinds: text, int, days (may be fractional), weeks, share (0..1),
# month (a date), date, link ((text, url) pairs), wait (a waiting time held in
# days: the page shows weeks, like the norms beside it; the CSV keeps days).


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "int"
    group: str = ""


@dataclass
class Table:
    id: str
    caption: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)

    @property
    def header_groups(self) -> list[tuple[str, int]]:
        groups: list[list] = []
        for column in self.columns:
            if groups and groups[-1][0] == column.group:
                groups[-1][1] += 1
            else:
                groups.append([column.group, 1])
        return [(label, span) for label, span in groups]

    @property
    def has_groups(self) -> bool:
        return any(c.group for c in self.columns)

    @property
    def group_cells(self) -> list[tuple[str, int, str]]:
        """The first header row: (label, span, id); id is "" for a gap."""
        return [
            (label, span, f"{self.id}-g{n}" if label else "")
            for n, (label, span) in enumerate(self.header_groups)
        ]

    @property
    def column_cells(self) -> list[tuple[Column, str, str]]:
        """The second header row: (column, id, headers), where headers names
        the column's group. With two header rows, every cell names its headers
        by id (WCAG H43): scope alone does not tie a cell to its group."""
        groups = []
        for _label, span, group_id in self.group_cells:
            groups += [group_id] * span
        return [
            (column, f"{self.id}-c{i}", groups[i])
            for i, column in enumerate(self.columns)
        ]

    @property
    def typed_rows(self):
        return [list(zip(row, self.columns, strict=True)) for row in self.rows]


def _metric_group(metric: d.Metric) -> str:
    return _("%(label)s (norm %(weeks)s wk)") % {
        "label": metric.short_label,
        "weeks": metric.norm_weeks,
    }


def _figures_columns(first: Column, *, detail: bool) -> list[Column]:
    columns = [
        first,
        Column(_("Verwezen")),
        Column(_("Open")),
        Column(_("Gestart")),
        Column(_("Afgewezen")),
        Column(_("Ingetrokken")),
    ]
    for metric in d.METRICS:
        group = _metric_group(metric)
        columns += [
            Column(_("Mediaan"), "wait", group),
            Column(_("P90"), "wait", group),
            Column(_("Binnen norm"), "share", group),
        ]
        if detail:
            columns += [
                Column(_("Gemeten"), "int", group),
                Column(_("Waarvan binnen norm"), "int", group),
                Column(_("Nog open, over norm"), "int", group),
            ]
    return columns


def _figures_cells(figures: Figures, *, detail: bool) -> list:
    cells = [
        figures.made,
        figures.open,
        figures.started,
        figures.declined,
        figures.withdrawn,
    ]
    for _metric, wait in figures.wait_list:
        cells += [wait.median, wait.p90, wait.share_within]
        if detail:
            cells += [wait.n, wait.within, wait.late]
    return cells


def figures_table(
    id: str, caption: str, first: Column, items, *, detail: bool = False
) -> Table:
    """One row per (label, Figures): counts and the four waiting times."""
    table = Table(id, caption, _figures_columns(first, detail=detail))
    table.rows = [[label, *_figures_cells(f, detail=detail)] for label, f in items]
    return table


def month_label(month: date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def series_table(
    id: str, caption: str, first: Column, labels, series, kind: str
) -> Table:
    """The numbers behind a line chart: one row per label, a column per line."""
    table = Table(id, caption, [first, *(Column(name, kind) for name, _v in series)])
    for i, label in enumerate(labels):
        table.rows.append([label, *(values[i] for _name, values in series)])
    return table


def waits_table(figures: Figures, city: Figures | None = None) -> Table:
    """Per waiting time: the norm, how many, median, p90, share within."""
    columns = [
        Column(_("Wachttijd"), "text"),
        Column(_("Van – tot"), "text"),
        Column(_("Norm (weken)"), "int"),
        Column(_("Gemeten")),
        Column(_("Mediaan"), "wait"),
        Column(_("90e percentiel"), "wait"),
        Column(_("Binnen norm"), "share"),
        Column(_("Nog open, al over de norm")),
    ]
    if city is not None:
        columns += [
            Column(_("Mediaan"), "wait", _("Almere, alle aanbieders")),
            Column(_("90e percentiel"), "wait", _("Almere, alle aanbieders")),
            Column(_("Binnen norm"), "share", _("Almere, alle aanbieders")),
        ]
    table = Table("wachttijden", _("Wachttijden tegen de normen"), columns)
    for metric, wait in figures.wait_list:
        row = [
            metric.label,
            f"{metric.start} – {metric.end}",
            metric.norm_weeks,
            wait.n,
            wait.median,
            wait.p90,
            wait.share_within,
            wait.late,
        ]
        if city is not None:
            other = city.wait(metric.code)
            row += [other.median, other.p90, other.share_within]
        table.rows.append(row)
    return table


def distribution_table(metric: d.Metric, buckets: list[Bucket]) -> Table:
    table = Table(
        f"verdeling-{metric.code}",
        _("Verdeling %(m)s in weken") % {"m": metric.label.lower()},
        [
            Column(_("Weken (tot en met)"), "text"),
            Column(_("Aantal")),
            Column(_("Cumulatief"), "share"),
            Column(_("Binnen norm"), "text"),
        ],
    )
    for b in buckets:
        within = _("ja") if b.within else _("nee")
        table.rows.append([b.label, b.count, b.cumulative_share, within])
    return table


def declines_table(declines: list[tuple[str, str, int]]) -> Table:
    total = sum(n for _c, _l, n in declines)
    table = Table(
        "afwijzingen",
        _("Afgewezen verwijzingen per reden"),
        [
            Column(_("Reden"), "text"),
            Column(_("Aantal")),
            Column(_("Aandeel"), "share"),
        ],
    )
    table.rows = [[label, n, n / total] for _code, label, n in declines]
    return table


def chains_table(groups, norm_weeks: int) -> Table:
    """Children referred more than once: how many, their total wait."""
    table = Table(
        "ketens",
        _("Kinderen die meer dan één keer zijn verwezen"),
        [
            Column(_("Aantal verwijzingen"), "text"),
            Column(_("Kinderen")),
            Column(_("Mediaan totale wachttijd (weken)"), "text"),
            Column(_("Hulp gestart binnen %(n)s weken") % {"n": norm_weeks}),
        ],
    )
    table.rows = [
        [
            "4+" if g.length == 4 else str(g.length),
            g.children,
            "–" if g.median_wait_weeks is None else f"{g.median_wait_weeks:g}",
            g.within_norm,
        ]
        for g in groups
    ]
    return table


def capacity_table(now: CapacityNow) -> Table:
    table = Table(
        "capaciteit",
        _("Aanbod naar capaciteit, nu"),
        [
            Column(_("Status"), "text"),
            Column(_("Aanbod")),
            Column(_("Aandeel"), "share"),
        ],
    )
    table.rows = [[label, n, share] for _c, label, n, share in now.status_list]
    table.rows.append(
        [_("Niet actueel (gegevens verouderd)"), now.stale, now.stale_share]
    )
    return table


def reported_table(now: CapacityNow, figures: Figures) -> Table:
    """What providers report (median over services, now) against what the
    referrals show (median over the period), both in weeks."""
    table = Table(
        "gemeld-gemeten",
        _("Gemelde tegen gemeten wachttijd (weken)"),
        [
            Column(_("Wachttijd"), "text"),
            Column(_("Gemeld door aanbieders (mediaan, nu)"), "weeks"),
            Column(_("Gemeten uit verwijzingen (mediaan, periode)"), "weeks"),
            Column(_("Norm (weken)")),
        ],
    )
    for metric, reported in (
        (d.INTAKE, now.reported.intake_weeks),
        (d.TREATMENT, now.reported.treatment_weeks),
    ):
        median = figures.wait(metric.code).median
        measured = None if median is None else median / 7
        table.rows.append([metric.label, reported, measured, metric.norm_weeks])
    return table


def capacity_trend_table(months: list[CapacityMonth]) -> Table:
    columns = [Column(_("Maand"), "month"), Column(_("Aanbod"))]
    columns += [Column(label, "share") for _c, label in Capacity.Status.choices]
    columns.append(Column(_("Niet actueel"), "share"))
    table = Table(
        "capaciteit-trend", _("Capaciteit aan het eind van elke maand"), columns
    )
    for m in months:
        table.rows.append(
            [
                m.month,
                m.services,
                *(m.share(code) for code, _l in Capacity.Status.choices),
                m.stale_share,
            ]
        )
    return table


def organisations_table(
    rows: list[OrganisationRow], caption: str, *, detail: bool = False, link=None
) -> Table:
    """``link(row)``: where the name links to (the page only; the CSV has names)."""
    kind = "link" if link else "text"
    columns = _figures_columns(Column(_("Aanbieder"), kind), detail=detail)
    group = _("Gemeld nu (mediaan, weken)")
    columns += [
        Column(_("Aanmeldwachttijd"), "weeks", group),
        Column(_("Behandelwachttijd"), "weeks", group),
    ]
    table = Table("aanbieders", caption, columns)
    for row in rows:
        reported = row.reported
        table.rows.append(
            [
                (row.name, link(row)) if link else row.name,
                *_figures_cells(row.figures, detail=detail),
                reported.intake_weeks if reported else None,
                reported.treatment_weeks if reported else None,
            ]
        )
    return table


def overdue_table(rows: list[OverdueRow]) -> Table:
    table = Table(
        "open-over-norm",
        _("Open verwijzingen over een norm, de oudste eerst"),
        [
            Column(_("Referentie"), "text"),
            Column(_("Aanbieder"), "text"),
            Column(_("Perceel"), "text"),
            Column(_("Status"), "text"),
            Column(_("Dagen open")),
            Column(_("Norm verstreken"), "text"),
        ],
    )
    table.rows = [
        [r.reference, r.provider, r.perceel, r.status, r.days_open, ", ".join(r.norms)]
        for r in rows
    ]
    return table


def csv_value(value, kind: str) -> str:
    """A cell for a Dutch spreadsheet: decimal comma, ISO dates. The view writes
    it through ``sociale_kaart.csvsafe``, which neutralises formulas."""
    if value is None:
        return ""
    if kind == "share":
        return f"{value * 100:.1f}".replace(".", ",")
    if kind in ("days", "weeks", "wait"):
        text = f"{value:.1f}" if not float(value).is_integer() else f"{value:.0f}"
        return text.replace(".", ",")
    if kind == "month":
        return value.strftime("%Y-%m")
    if kind == "date":
        return value.isoformat()
    return str(value[0] if kind == "link" else value)


_UNITS = {"share": "%", "days": _("dagen"), "weeks": _("weken"), "wait": _("dagen")}


def csv_content(table: Table) -> bytes:
    """The table as a CSV file for a Dutch spreadsheet: semicolons, decimal
    comma (``csv_value``), UTF-8 with a byte order mark, every cell through
    ``sociale_kaart.csvsafe`` (no formulas). Written to a buffer and encoded
    once: thousands of rows (every provider) cost one encode, not one per row."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csvsafe.writer(buffer, delimiter=";")
    writer.writerow([csv_header(c) for c in table.columns])
    for row in table.rows:
        writer.writerow(
            [csv_value(v, c.kind) for v, c in zip(row, table.columns, strict=True)]
        )
    return buffer.getvalue().encode("utf-8")


def csv_header(column: Column) -> str:
    """The column's label with its group and unit (the page shows those once)."""
    label = f"{column.group}: {column.label}" if column.group else str(column.label)
    unit = f" ({_UNITS[column.kind]})" if column.kind in _UNITS else ""
    return label if label.endswith(unit) else label + unit
