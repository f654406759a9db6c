"""Template helpers for capacity: waiting times against the Treeknormen, the
status label and how fresh the figures are.

The assessments are pure functions (norms and "now" can be passed in) so they are
unit-tested without templates; the tags only wire them to settings and HTML.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from registry import cards, norms

register = template.Library()

OK = "ok"
OVER = "over"
UNKNOWN = "unknown"


def norm_state(weeks: int | None, norm: int) -> str:
    """``ok`` when ``weeks`` is within ``norm`` (inclusive), ``over`` when above,
    ``unknown`` when no figure was given."""
    if weeks is None:
        return UNKNOWN
    return OK if weeks <= norm else OVER


def total_weeks(intake: int | None, treatment: int | None) -> int | None:
    """Intake plus treatment waiting time; a missing half counts as 0, both
    missing means unknown (as ``Capacity.total_wait_weeks``)."""
    if intake is None and treatment is None:
        return None
    return (intake or 0) + (treatment or 0)


@dataclass(frozen=True)
class WaitAssessment:
    label: str
    weeks: int | None
    norm: int
    state: str

    @property
    def weeks_text(self) -> str:
        if self.weeks is None:
            return _("onbekend")
        return ngettext("%(n)s week", "%(n)s weken", self.weeks) % {"n": self.weeks}

    @property
    def note(self) -> str:
        if self.state == OK:
            return _("binnen de norm van %(n)s weken") % {"n": self.norm}
        if self.state == OVER:
            return _("boven de norm van %(n)s weken") % {"n": self.norm}
        return ""


def _wait_labels() -> tuple[str, str, str]:
    return (_("Aanmeldwachttijd"), _("Behandelwachttijd"), _("Totale wachttijd"))


def assess_waits(
    intake: int | None,
    treatment: int | None,
    norms: tuple[int, int, int],
    *,
    labels: bool = True,
) -> list[WaitAssessment]:
    """Aanmeld-, behandel- and total waiting time, each against its norm
    (``labels=False``: without their translated labels, for a caller that
    knows them by position)."""
    total = total_weeks(intake, treatment)
    names = _wait_labels() if labels else ("", "", "")
    figures = zip(names, (intake, treatment, total), norms, strict=True)
    return [
        WaitAssessment(label, weeks, norm, norm_state(weeks, norm))
        for label, weeks, norm in figures
    ]


@dataclass(frozen=True)
class Freshness:
    updated_at: datetime
    days_old: int
    stale: bool


def freshness(
    updated_at: datetime, *, now: datetime | None = None, stale_days: int = 14
) -> Freshness:
    """How old the figures are; stale when older than ``stale_days`` days."""
    now = now or timezone.now()
    age = now - updated_at
    return Freshness(updated_at, max(age.days, 0), age > timedelta(days=stale_days))


def status_label(status: str) -> str:
    labels = {
        "open": _("Open (direct plek)"),
        "waitlist": _("Wachtlijst"),
        "closed": _("Aanmeldstop"),
    }
    return labels.get(status, status)


def _norms() -> tuple:
    """The Treeknormen in weeks: the municipality's norms (cached)."""
    weeks = norms.regular_weeks()
    return weeks["intake"], weeks["treatment"], weeks["total"]


@register.filter(name="status_label")
def status_label_filter(status: str) -> str:
    return status_label(status)


@register.simple_tag(takes_context=True)
def capacity_summary(context, capacity):
    """Status, the three waiting times with norm badges, and "bijgewerkt op".

    Built in Python rather than an included template: search pages show it
    twenty times and this is several times faster to render. The norms are
    read once per page; the status and each waiting time's cell are the same
    few dozen combinations on every page, so they are built once per language.
    """
    if capacity is None:
        return format_html('<p class="subtle">{}</p>', _("Geen capaciteit bekend."))
    if "registry_norms" not in context.render_context:
        context.render_context["registry_norms"] = _norms()
    language = get_language()
    places = capacity.free_places if capacity.status == "open" else None
    waits = assess_waits(
        capacity.intake_wait_weeks,
        capacity.treatment_wait_weeks,
        context.render_context["registry_norms"],
        labels=False,
    )
    rows = "".join(
        _wait_html(language, number, w.weeks, w.norm, w.state)
        for number, w in enumerate(waits)
    )
    status = _status_html(language, capacity.status, places)
    fresh = _freshness_html(language, capacity)
    # Every part is built by format_html (the parts are cached per value).
    return mark_safe(  # noqa: S308
        f'<div class="capacity">{status}<dl class="waits">{rows}</dl>{fresh}</div>'
    )


@lru_cache(maxsize=256)
def _status_html(language: str, status: str, places: int | None) -> str:
    extra = ""
    if places:
        text = ngettext("%(n)s vrije plek", "%(n)s vrije plekken", places)
        extra = format_html(' <span class="subtle">· {}</span>', text % {"n": places})
    return format_html(
        '<p class="capacity__status"><span class="visually-hidden">{} </span>'
        '<span class="status status--{}">{}</span>{}</p>',
        _("Status:"),
        status,
        status_label(status),
        extra,
    )


@lru_cache(maxsize=2048)
def _wait_html(language: str, number: int, weeks, norm: int, state: str) -> str:
    wait = WaitAssessment(_wait_labels()[number], weeks, norm, state)
    return format_html(
        '<div><dt>{}</dt><dd><span class="badge badge--{}">{}</span>{}</dd></div>',
        wait.label,
        wait.state,
        wait.weeks_text,
        _note_html(wait.note),
    )


def _note_html(note: str) -> str:
    return format_html(' <span class="badge-note">{}</span>', note) if note else ""


def _freshness_html(language: str, capacity) -> str:
    days = settings.CAPACITY_STALE_DAYS
    fresh = freshness(capacity.updated_at, stale_days=days)
    zone = timezone.get_current_timezone_name()
    return _freshness_text(language, zone, fresh.updated_at, fresh.stale, days)


# The same services come back page after page: their "bijgewerkt op" is built
# once per value (whether it is stale is decided before, on every call).
@lru_cache(maxsize=4096)
def _freshness_text(
    language: str, zone: str, updated_at: datetime, stale: bool, days: int
) -> str:
    local = timezone.localtime(updated_at)
    return format_html(
        '<p class="freshness">{} <time datetime="{}">{}</time>{}</p>',
        _("Bijgewerkt op"),
        local.isoformat(),
        _day_text(language, local.date()),
        _stale_html(language, days) if stale else "",
    )


@lru_cache(maxsize=1024)
def _day_text(language: str, day) -> str:
    return date_format(day, "j F Y")


@lru_cache(maxsize=16)
def _stale_html(language: str, days: int) -> str:
    text = _("Let op: ouder dan %(days)s dagen, mogelijk niet actueel")
    return format_html(' <span class="stale-warning">{}</span>', text % {"days": days})


@register.simple_tag
def facet_options(group):
    """The checkboxes of one filter group, each with its count (built in Python:
    a search page has some forty of them; values escaped as ``cards.escape``)."""
    escape = cards.escape
    param = escape(group.param)
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<div class="choice"><input type="checkbox" id="f-{param}-{slug}" '
            f'name="{param}" value="{slug}" form="search-form"'
            f'{" checked" if option.checked else ""}><label for="f-{param}-{slug}">'
            f"{escape(option.name)} "
            f'<span class="choice__count">({escape(option.count)})</span></label></div>'
            for option in group.options
            for slug in (escape(option.slug),)
        )
    )


@register.simple_tag(takes_context=True)
def result_cards(context, result):
    """The result cards of a search page (``registry.cards``)."""
    origin = result.filters.origin
    return cards.cards_html(
        result.services,
        origin_label=origin.label if origin is not None else "",
        capacity_html=lambda capacity: capacity_summary(context, capacity),
    )
