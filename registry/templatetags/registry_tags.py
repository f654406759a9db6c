"""Template helpers for capacity: waiting times against the Treeknormen, the
status label and how fresh the figures are.

The assessments are pure functions (norms and "now" can be passed in) so they are
unit-tested without templates; the tags only wire them to settings and HTML.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry import norms

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


def assess_waits(
    intake: int | None, treatment: int | None, norms: tuple[int, int, int]
) -> list[WaitAssessment]:
    """Aanmeld-, behandel- and total waiting time, each against its norm."""
    total = total_weeks(intake, treatment)
    figures = (
        (_("Aanmeldwachttijd"), intake, norms[0]),
        (_("Behandelwachttijd"), treatment, norms[1]),
        (_("Totale wachttijd"), total, norms[2]),
    )
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


@register.simple_tag
def capacity_summary(capacity):
    """Status, the three waiting times with norm badges, and "bijgewerkt op".

    Built in Python rather than an included template: search pages show it
    twenty times and this is several times faster to render.
    """
    if capacity is None:
        return format_html('<p class="subtle">{}</p>', _("Geen capaciteit bekend."))
    return format_html(
        '<div class="capacity">{}<dl class="waits">{}</dl>{}</div>',
        _status_html(capacity),
        _waits_html(capacity),
        _freshness_html(capacity),
    )


def _status_html(capacity) -> str:
    places = capacity.free_places if capacity.status == "open" else None
    extra = ""
    if places:
        text = ngettext("%(n)s vrije plek", "%(n)s vrije plekken", places)
        extra = format_html(' <span class="subtle">· {}</span>', text % {"n": places})
    return format_html(
        '<p class="capacity__status"><span class="visually-hidden">{} </span>'
        '<span class="status status--{}">{}</span>{}</p>',
        _("Status:"),
        capacity.status,
        status_label(capacity.status),
        extra,
    )


def _waits_html(capacity) -> str:
    waits = assess_waits(
        capacity.intake_wait_weeks, capacity.treatment_wait_weeks, _norms()
    )
    return format_html_join(
        "",
        '<div><dt>{}</dt><dd><span class="badge badge--{}">{}</span>{}</dd></div>',
        ((w.label, w.state, w.weeks_text, _note_html(w.note)) for w in waits),
    )


def _note_html(note: str) -> str:
    return format_html(' <span class="badge-note">{}</span>', note) if note else ""


def _freshness_html(capacity) -> str:
    fresh = freshness(capacity.updated_at, stale_days=settings.CAPACITY_STALE_DAYS)
    local = timezone.localtime(fresh.updated_at)
    warning = ""
    if fresh.stale:
        text = _("Let op: ouder dan %(days)s dagen, mogelijk niet actueel")
        warning = format_html(
            ' <span class="stale-warning">{}</span>',
            text % {"days": settings.CAPACITY_STALE_DAYS},
        )
    return format_html(
        '<p class="freshness">{} <time datetime="{}">{}</time>{}</p>',
        _("Bijgewerkt op"),
        local.isoformat(),
        date_format(local, "j F Y"),
        warning,
    )


@register.simple_tag
def facet_options(group):
    """The checkboxes of one filter group, each with its count (built in Python:
    a search page has some forty of them)."""
    return format_html_join(
        "",
        '<div class="choice"><input type="checkbox" id="f-{0}-{1}" name="{0}" '
        'value="{1}" form="search-form"{2}><label for="f-{0}-{1}">{3} '
        '<span class="choice__count">({4})</span></label></div>',
        (
            (
                group.param,
                option.slug,
                mark_safe(" checked") if option.checked else "",  # noqa: S308
                option.name,
                option.count,
            )
            for option in group.options
        ),
    )
