"""Charts as plain data for server-side SVG (no JavaScript, no external service).

Each chart has an id, a title and a description (rendered as SVG <title> and
<desc>, referenced by aria-labelledby), and the page shows its numbers in a
table beside it. Coordinates are computed here; the templates in
``templates/dashboard/includes/`` only draw them.

Series differ in colour *and* line pattern and marker, so they can be told
apart without colour; every colour has at least 3:1 contrast on white.
"""

import math
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from dashboard import definitions as d

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 30, 22, 44
STYLES = (  # (css class, dash pattern, marker)
    ("series-1", "", "circle"),
    ("series-2", "8 4", "square"),
    ("series-3", "2 3", "diamond"),
    ("series-4", "10 3 2 3", "triangle"),
)
WEEKS_SHOWN = 26  # distribution bars 0..26 weeks, then one bar for longer


@dataclass
class Axis:
    ticks: list[tuple[float, str]]  # (pixel, label)


@dataclass
class Line:
    name: str
    css: str
    dash: str
    marker: str
    segments: list[str]  # SVG polyline "x,y x,y" parts (gaps where no value)
    points: list[tuple[str, str]]  # markers: SVG path, tooltip text


@dataclass
class Rule:
    """A horizontal or vertical reference line (a norm)."""

    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    label_x: float
    label_y: float


@dataclass
class Shade:
    x: float
    width: float
    label: str


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    over: bool


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    kind: str  # "line" or "bars"
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    y_axis: Axis = field(default_factory=lambda: Axis([]))
    y_title: str = ""
    lines: list[Line] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    shade: Shade | None = None
    empty: bool = False

    @property
    def tick_x(self) -> float:
        return self.plot_left - 6

    @property
    def plot_height(self) -> float:
        return self.plot_bottom - self.plot_top

    @property
    def label_y(self) -> float:
        return self.plot_bottom + 18

    @property
    def legend(self) -> list["Line"]:
        return self.lines


def nice_scale(value: float) -> tuple[float, float]:
    """(axis maximum, tick step): at most five steps of 1, 2 or 5 x 10^n."""
    if value <= 0:
        return 1, 1
    exponent = math.floor(math.log10(value / 5))
    for factor in (1, 2, 5, 10):
        step = factor * 10**exponent
        if value / step <= 5:
            return step * math.ceil(value / step), step
    return 10 ** (exponent + 2), 10 ** (exponent + 1)


def _y_axis(value: float, chart: Chart, *, percent: bool = False):
    """The axis for values up to ``value``: (its maximum, its ticks)."""
    top, step = (1, 0.25) if percent else nice_scale(value)
    ticks, n = [], 0
    while n * step <= top + 1e-9:
        tick = n * step
        text = f"{tick:.0%}" if percent else _number(tick)
        ticks.append((_y(chart, tick, top), text))
        n += 1
    return top, Axis(ticks)


def _number(value: float) -> str:
    """0,5 in Dutch, 0.5 in English: the active language's decimal mark."""
    return (
        f"{value:.0f}"
        if float(value).is_integer()
        else number_format(round(value, 1), decimal_pos=1)
    )


def marker_path(kind: str, x: float, y: float, r: float = 3.5) -> str:
    """An SVG path for a series marker (the shape differs per series)."""
    if kind == "square":
        corners = ((x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r))
    elif kind == "diamond":
        r += 1
        corners = ((x, y - r), (x + r, y), (x, y + r), (x - r, y))
    elif kind == "triangle":
        r += 1
        corners = ((x, y - r), (x + r, y + r - 1), (x - r, y + r - 1))
    else:  # a circle as two arcs
        return f"M{x - r:.1f},{y:.1f}a{r},{r} 0 1,0 {2 * r},0a{r},{r} 0 1,0 {-2 * r},0"
    return "M" + "L".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners) + "Z"


def _y(chart: Chart, value: float, top: float) -> float:
    span = chart.plot_bottom - chart.plot_top
    return round(chart.plot_bottom - span * (value / top if top else 0), 1)


def _x(chart: Chart, index: int, count: int) -> float:
    span = chart.plot_right - chart.plot_left
    if count <= 1:
        return chart.plot_left + span / 2
    return round(chart.plot_left + span * index / (count - 1), 1)


def _every_nth(count: int, most: int) -> list[int]:
    """Indexes to label: evenly spaced, always the last, never two adjacent."""
    step = max(1, math.ceil(count / most))
    shown = [i for i in range(count) if i % step == 0]
    if shown and shown[-1] != count - 1:
        if step > 1 and count - 1 - shown[-1] < step:
            shown.pop()
        shown.append(count - 1)
    return shown


def _x_labels(chart: Chart, labels: list[str]) -> list[tuple[float, str]]:
    return [(_x(chart, i, len(labels)), labels[i]) for i in _every_nth(len(labels), 8)]


def line_chart(
    *,
    id: str,
    title: str,
    desc: str,
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    norms: list[tuple[float, str]] = (),
    percent: bool = False,
    y_title: str = "",
    shade_from: int | None = None,
    shade_label: str = "",
) -> Chart:
    """Lines over ``labels`` (e.g. months); ``None`` values leave a gap. The
    part from index ``shade_from`` on gets a grey band (e.g. "voorlopig")."""
    chart = Chart(id=id, title=title, desc=desc, kind="line", y_title=y_title)
    values = [v for _name, vs in series for v in vs if v is not None]
    chart.empty = not values
    top, chart.y_axis = _y_axis(
        max([*values, *(n for n, _l in norms), 0]), chart, percent=percent
    )
    chart.x_labels = _x_labels(chart, labels)
    if shade_from is not None and shade_from < len(labels):
        left = (
            _x(chart, shade_from, len(labels))
            - (_x(chart, 1, len(labels)) - chart.plot_left) / 2
        )
        left = max(chart.plot_left, left)
        chart.shade = Shade(left, chart.plot_right - left, shade_label)
    for n, (name, vs) in enumerate(series):
        chart.lines.append(_line(chart, name, vs, labels, top, STYLES[n % len(STYLES)]))
    for value, label in norms:
        y = _y(chart, value, top)
        chart.rules.append(
            Rule(
                chart.plot_left,
                y,
                chart.plot_right,
                y,
                label,
                chart.plot_right - 4,
                y - 4,
            )
        )
    return chart


def _line(chart, name, values, labels, top, style) -> Line:
    css, dash, marker = style
    segments, current, points = [], [], []
    for i, value in enumerate(values):
        if value is None:
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        x, y = _x(chart, i, len(values)), _y(chart, value, top)
        current.append(f"{x},{y}")
        points.append((marker_path(marker, x, y), f"{labels[i]}: {_number(value)}"))
    if current:
        segments.append(" ".join(current))
    return Line(name, css, dash, marker, segments, points)


@dataclass(frozen=True)
class Bucket:
    weeks: int  # waited more than weeks-1 and at most ``weeks`` weeks
    label: str
    count: int
    cumulative_share: float
    within: bool


def week_buckets(histogram: list[tuple[int, int]], metric: d.Metric) -> list[Bucket]:
    """Days grouped into weeks rounded up (0 = same day, 1 = 1-7 days, ...),
    so "within the norm" is exactly the buckets up to the norm's weeks; one
    last bucket for everything longer than ``WEEKS_SHOWN`` weeks."""
    counts = [0] * (WEEKS_SHOWN + 2)
    for days, count in histogram:
        counts[min(WEEKS_SHOWN + 1, max(0, math.ceil(days / 7)))] += count
    total, seen, buckets = sum(counts), 0, []
    for weeks, count in enumerate(counts):
        seen += count
        label = f"> {WEEKS_SHOWN}" if weeks > WEEKS_SHOWN else str(weeks)
        buckets.append(
            Bucket(
                weeks,
                label,
                count,
                seen / total if total else 0,
                weeks <= metric.norm_weeks,
            )
        )
    return buckets


def distribution_chart(
    *, id: str, title: str, desc: str, buckets: list[Bucket], metric: d.Metric
) -> Chart:
    """Bars per week waited, with the norm as a vertical line."""
    chart = Chart(id=id, title=title, desc=desc, kind="bars", y_title=_("aantal"))
    chart.empty = not any(b.count for b in buckets)
    top, chart.y_axis = _y_axis(max((b.count for b in buckets), default=0), chart)
    slot = (chart.plot_right - chart.plot_left) / len(buckets)
    for i, b in enumerate(buckets):
        y = _y(chart, b.count, top)
        x = round(chart.plot_left + i * slot + 1, 1)
        chart.bars.append(
            Bar(
                x,
                y,
                round(slot - 2, 1),
                round(chart.plot_bottom - y, 1),
                b.label,
                b.count,
                not b.within,
            )
        )
    chart.x_labels = [
        (round(chart.plot_left + (i + 0.5) * slot, 1), buckets[i].label)
        for i in _every_nth(len(buckets), 14)
    ]
    norm_x = round(chart.plot_left + (metric.norm_weeks + 1) * slot, 1)
    chart.rules.append(
        Rule(norm_x, chart.plot_top, norm_x, chart.plot_bottom,
             _("norm %(weeks)s wk") % {"weeks": metric.norm_weeks},
             norm_x + 4, chart.plot_top + 12)
    )  # fmt: skip
    return chart
