"""Template helpers for referral pages: a status as a short sentence with its date."""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from referrals import permissions as perms
from referrals import workflow as wf

register = template.Library()

_SENTENCES = {
    wf.SENT: _("Verstuurd op %(date)s"),
    wf.RECEIVED: _("Ontvangen op %(date)s"),
    wf.FIRST_CONTACT: _("Eerste contact op %(date)s"),
    wf.WAITLISTED: _("Op wachtlijst sinds %(date)s"),
    wf.INTAKE: _("Intake gehad op %(date)s"),
    wf.STARTED: _("Hulp gestart op %(date)s"),
    wf.ENDED: _("Afgesloten op %(date)s"),
    wf.DECLINED: _("Afgewezen op %(date)s"),
    wf.WITHDRAWN: _("Ingetrokken op %(date)s"),
}
_BADGE = {
    wf.STARTED: "badge--ok",
    wf.ENDED: "badge--ok",
    wf.DECLINED: "badge--over",
    wf.WITHDRAWN: "badge--unknown",
}


def status_date(referral):
    if referral.status == wf.SENT:
        return referral.referred_on
    return getattr(referral, f"{referral.status}_on")


def status_badge(referral, format_day=None):
    """The status badge's HTML; ``format_day`` (a day -> text) lets a list
    format each day once (``referrals.rows``)."""
    day = status_date(referral)
    if day is None:
        shown = "?"
    elif format_day is None:
        shown = date_format(day, "DATE_FORMAT")
    else:
        shown = format_day(day)
    text = _SENTENCES[referral.status] % {"date": shown}
    return format_html(
        '<span class="badge {}">{}</span>', _BADGE.get(referral.status, ""), text
    )


@register.simple_tag
def referral_status(referral):
    """``<span class="badge …">Hulp gestart op 2 maart 2026</span>``."""
    return status_badge(referral)


@register.filter
def step_label(event_type: str) -> str:
    return wf.STATUS_LABELS.get(event_type, event_type)


@register.filter
def can_refer(user) -> bool:
    """``{% if request.user|can_refer %}``: show "Verwijs" to referrers only."""
    return perms.can_refer(user)


# The family's pages and mails write the month in full, which reads easier (B1)
# than DATE_FORMAT's abbreviation: "7 december 2026", "7 December 2026". Every
# other referral page uses the locale's DATE_FORMAT / SHORT_DATE_FORMAT.
FAMILY_DATE_FORMAT = "j F Y"


@register.filter
def date_in_full(value) -> str:
    """``{{ day|date_in_full }}``: the date with the month in full, in the
    active language; empty for no date."""
    return date_format(value, FAMILY_DATE_FORMAT) if value else ""
