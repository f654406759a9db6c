"""Formatting of dashboard table cells and figures for reading (Dutch)."""

from django import template
from django.conf import settings
from django.utils.formats import date_format, number_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from dashboard import definitions as d
from dashboard import svg
from dashboard.pages import provisional_from

register = template.Library()


@register.filter
def cell(value, kind="int"):
    """A typed table cell as text; "–" for no value."""
    if value is None or value == "":
        return "–"
    if kind == "share":
        return f"{number_format(value * 100, decimal_pos=0)}%"
    if kind == "wait":
        # Days held, weeks shown: the norms are in weeks (one unit per row).
        return number_format(value / 7, decimal_pos=1)
    if kind in ("days", "weeks"):
        decimals = 0 if float(value).is_integer() else 1
        return number_format(value, decimal_pos=decimals)
    if kind == "int":
        return number_format(value, force_grouping=True)
    if kind == "month":
        return date_format(value, "YEAR_MONTH_FORMAT")
    if kind == "date":
        return date_format(value, "DATE_FORMAT")
    if kind == "link":
        return format_html('<a href="{}">{}</a>', value[1], value[0])
    return value


@register.filter
def numeric(kind) -> bool:
    return kind in ("int", "days", "weeks", "share", "wait")


@register.simple_tag
def table_rows(table):
    """A table's body rows, rendered in Python: wide tables with many rows are
    slow as template loops, and the dashboard has many of them."""
    if not table.rows:
        return format_html(
            '<tr><td colspan="{}">{}</td></tr>',
            len(table.columns),
            _("Geen gegevens in deze selectie."),
        )
    kinds = [c.kind for c in table.columns]
    classes = [' class="numeric"' if numeric(k) else "" for k in kinds]
    nowrap = kinds[0] in ("month", "date")
    head = ' scope="row" class="nowrap"' if nowrap else ' scope="row"'
    # Two header rows: each data cell lists its row, column and group header.
    grouped = table.has_groups
    column_headers = [
        " ".join(filter(None, (column_id, group_id)))
        for _column, column_id, group_id in table.column_cells
    ]
    html = []
    for n, row in enumerate(table.rows):
        row_id = f"{table.id}-r{n}"
        row_attr = f' id="{row_id}"' if grouped else ""
        first = conditional_escape(cell(row[0], kinds[0]))
        cells = [f"<th{head}{row_attr}>{first}</th>"]
        for i in range(1, len(row)):
            headers = f' headers="{row_id} {column_headers[i]}"' if grouped else ""
            value = conditional_escape(cell(row[i], kinds[i]))
            cells.append(f"<td{classes[i]}{headers}>{value}</td>")
        html.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(html))  # noqa: S308 (every cell escaped above)


@register.simple_tag
def chart_svg(chart):
    return svg.render(chart)


@register.inclusion_tag("dashboard/includes/definitions.html")
def dashboard_definitions():
    """The definitions block with the norms and settings in force."""
    return {
        "metrics": d.METRICS,
        "total_weeks": d.TOTAL.norm_weeks,
        "stale_days": settings.CAPACITY_STALE_DAYS,
        "provisional_from": provisional_from(),
    }
