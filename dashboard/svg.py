"""Draws a ``charts.Chart`` as inline SVG markup (escaped, no JavaScript).

Kept apart from ``charts`` (which computes coordinates) and written in Python
rather than a template: a dashboard page draws hundreds of bars and markers,
and a template lookup per attribute made pages noticeably slower.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dashboard.charts import Chart


def _n(value) -> str:
    """A coordinate, never localised (a decimal comma breaks SVG)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _grid(chart: Chart) -> list[str]:
    left, right = _n(chart.plot_left), _n(chart.plot_right)
    parts = ['<g class="chart__grid" aria-hidden="true">']
    for y, label in chart.y_axis.ticks:
        parts.append(f'<line x1="{left}" x2="{right}" y1="{_n(y)}" y2="{_n(y)}"/>')
        parts.append(
            f'<text x="{_n(chart.tick_x)}" y="{_n(y)}" '
            f'class="chart__tick chart__tick--y">{escape(label)}</text>'
        )
    bottom = _n(chart.plot_bottom)
    parts.append(
        f'<line class="chart__axis" x1="{left}" x2="{right}" '
        f'y1="{bottom}" y2="{bottom}"/>'
    )
    for x, label in chart.x_labels:
        parts.append(
            f'<text x="{_n(x)}" y="{_n(chart.label_y)}" '
            f'class="chart__tick chart__tick--x">{escape(label)}</text>'
        )
    if chart.y_title:
        parts.append(
            f'<text x="{left}" y="10" class="chart__tick chart__y-title">'
            f"{escape(chart.y_title)}</text>"
        )
    parts.append("</g>")
    return parts


def _shade(chart: Chart) -> list[str]:
    if chart.shade is None:
        return []
    s = chart.shade
    return [
        f'<rect class="chart__shade" x="{_n(s.x)}" y="{_n(chart.plot_top)}" '
        f'width="{_n(s.width)}" height="{_n(chart.plot_height)}"/>',
        f'<text class="chart__shade-label" x="{_n(s.x)}" dx="4" '
        f'y="{_n(chart.plot_top)}" dy="-6">{escape(s.label)}</text>',
    ]


def _bars(chart: Chart) -> list[str]:
    weeks = _("weken")
    return [
        f'<rect class="chart__bar{" chart__bar--over" if b.over else ""}" '
        f'x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.width)}" height="{_n(b.height)}">'
        f"<title>{escape(b.label)} {weeks}: {b.value}</title></rect>"
        for b in chart.bars
    ]


def _rules(chart: Chart) -> list[str]:
    end = " chart__norm-label--end" if chart.kind == "line" else ""
    parts = []
    for r in chart.rules:
        parts.append(
            f'<line class="chart__norm" x1="{_n(r.x1)}" y1="{_n(r.y1)}" '
            f'x2="{_n(r.x2)}" y2="{_n(r.y2)}"/>'
        )
        parts.append(
            f'<text class="chart__norm-label{end}" x="{_n(r.label_x)}" '
            f'y="{_n(r.label_y)}">{escape(r.label)}</text>'
        )
    return parts


def _lines(chart: Chart) -> list[str]:
    parts = []
    for line in chart.lines:
        dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
        parts.append(f'<g class="chart__series {line.css}">')
        parts += [
            f'<polyline class="chart__line" points="{segment}"{dash}/>'
            for segment in line.segments
        ]
        name = escape(line.name)
        parts += [
            f'<path class="chart__marker" d="{d}"><title>{name}, {escape(text)}'
            "</title></path>"
            for d, text in line.points
        ]
        parts.append("</g>")
    return parts


def render(chart: Chart) -> SafeString:
    """The chart as an accessible SVG image: title and description by id."""
    head = (
        f'<svg class="chart__svg" viewBox="0 0 {chart.width} {chart.height}" '
        f'role="img" aria-labelledby="{chart.id}-title" '
        f'aria-describedby="{chart.id}-desc" focusable="false">'
        f'<title id="{chart.id}-title">{escape(chart.title)}</title>'
        f'<desc id="{chart.id}-desc">{escape(chart.desc)}</desc>'
    )
    body = _grid(chart) + _shade(chart) + _bars(chart) + _rules(chart)
    body += _lines(chart)
    # Every text above is escaped; ids, classes and numbers come from code.
    return mark_safe(head + "\n".join(body) + "</svg>")  # noqa: S308
