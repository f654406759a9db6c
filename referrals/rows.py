"""The working lists' rows as text, built once per page in Python.

A list page shows 50 rows; in the template every row's link (``reverse``), its
dates (``date`` filter) and its status badge cost a template tag or filter
each. Here each distinct day is formatted once per page and the link is the
detail URL's pattern with the reference filled in: the same HTML, a fraction
of the time (issue 18).

The rows' HTML itself is written here too (``inbox_rows_html``,
``list_rows_html``): fifty rows of seven cells through the template language
cost more than the rest of the page. They write, byte for byte, what the list
templates' row loops wrote (``tests/referrals/test_list_rows.py`` holds those
loops and compares), with every translated label looked up once per page."""

from functools import lru_cache
from urllib.parse import quote

from django.urls import reverse
from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape, escape
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from referrals import permissions as perms
from referrals import workflow as wf
from referrals.templatetags.referral_tags import status_badge

_PLACEHOLDER = "REFERENCE"
# What ``reverse`` leaves unquoted in a path argument (django.urls.resolvers).
_SAFE = RFC3986_SUBDELIMS + "/~:@"


@lru_cache(maxsize=8192)
def _formatted_day(language: str | None, value, fmt: str) -> str:
    """A calendar day as ``date_format`` writes it in ``language`` (the active
    one, part of the key): the same for every page and every reader, so kept
    for the process (a few thousand days cover years of lists)."""
    return date_format(value, fmt)


class RowTexts:
    """Formats days and links for one page (the active language's formats)."""

    def __init__(self):
        self._language = get_language()
        url = reverse("referrals:referral-detail", kwargs={"reference": _PLACEHOLDER})
        self._url_head, self._url_tail = url.split(_PLACEHOLDER)

    def day(self, value, fmt: str = "DATE_FORMAT") -> str:
        """``value|date:fmt``; "" for no date (as the filter gives)."""
        if value is None:
            return ""
        return _formatted_day(self._language, value, fmt)

    def url(self, reference: str) -> str:
        """``referral.get_absolute_url()`` without a ``reverse`` per row."""
        return self._url_head + quote(reference, safe=_SAFE) + self._url_tail

    def of(self, referral) -> dict:
        return {
            "url": self.url(referral.reference),
            "referred_on": self.day(referral.referred_on),
            "started_on": self.day(referral.started_on),
            "birth_date": self.day(referral.child_birth_date, "SHORT_DATE_FORMAT"),
            "status": status_badge(referral, self.day),
        }


# --- the rows' HTML -------------------------------------------------------------

_ROW_START = "\n        <tr>\n          "
_CELL_BREAK = "</td>\n          "
_ROW_END = "</td>\n        </tr>\n        "
_DASH = "–"


def _labels(*texts: str) -> list[str]:
    """Escaped once per page, as ``{% translate ... as x %}`` gave them (the
    callers translate: literal msgids, so makemessages finds them)."""
    return [escape(text) for text in texts]


def _overdue_badges(timing, sentence: str) -> str:
    return "".join(
        '<span class="badge badge--over utrecht-status-badge">'
        + sentence % {"label": conditional_escape(deadline.label)}
        + "</span>"
        for deadline in timing.overdue
    )


def _leading_cells(labels, referral, text, flags: str, who: str, offer: str) -> str:
    """The five cells both lists start with (reference with ``flags`` after
    its link, referred on, child, offer, status), up to the status's end;
    ``labels`` starts with their five escaped column names."""
    reference, referred, child, service, status = labels[:5]
    return (
        _ROW_START
        + f'<td data-label="{reference}" class="nowrap"><a class="utrecht-link" '
        f'href="{escape(text["url"])}">{escape(referral.reference)}</a>{flags}'
        + _CELL_BREAK
        + f'<td data-label="{referred}" class="nowrap">'
        f"{escape(text['referred_on'])}"
        + _CELL_BREAK
        + f'<td data-label="{child}">{who}'
        + _CELL_BREAK
        + f'<td data-label="{service}">{offer}'
        + _CELL_BREAK
        + f'<td data-label="{status}">{conditional_escape(text["status"])}'
    )


def inbox_rows_html(rows: list[dict]) -> SafeString:
    """The inbox's rows (``views._inbox_rows``) as its table body."""
    labels = _labels(
        _("Referentie"),
        _("Verwezen op"),
        _("Kind"),
        _("Aanbod"),
        _("Status"),
        _("Dagen wachten"),
        _("Volgende norm"),
        _("Nieuw"),
        _("Spoed"),
    )
    days, following, new, urgent = labels[5:]
    late = _("%(label)s te laat")
    new_badge = f'<span class="badge badge--new utrecht-status-badge">{new}</span> '
    urgent_badge = (
        f'<span class="badge badge--over utrecht-status-badge">{urgent}</span>'
    )
    parts = []
    for row in rows:
        referral, timing, text = row["referral"], row["timing"], row["text"]
        is_new = not referral.provider_opened_at
        is_urgent = referral.urgency == "urgent"
        flags = ""
        if is_urgent or is_new:
            flags = (
                '<div class="flags">'
                + (new_badge if is_new else "")
                + (urgent_badge if is_urgent else "")
                + "</div>"
            )
        who = escape(referral.child_initials) if referral.child_initials else _DASH
        if referral.child_birth_date:
            who += f', <span class="nowrap">{escape(text["birth_date"])}</span>'
        offer = escape(referral.service.name)
        if not row["own"]:
            offer += f'<br><span class="subtle">{escape(referral.provider.name)}</span>'
        deadline = timing.next_deadline
        if deadline:
            next_norm = (
                f"{conditional_escape(deadline.label)}: "
                f'<span class="nowrap">{escape(row["due_on"])}</span>'
            )
            if timing.overdue:
                next_norm += f'<div class="flags">{_overdue_badges(timing, late)}</div>'
        else:
            next_norm = _DASH
        parts.append(
            _leading_cells(labels, referral, text, flags, who, offer)
            + _CELL_BREAK
            + f'<td data-label="{days}" class="numeric">'
            f"{escape(localize(timing.days_waiting))}"
            + _CELL_BREAK
            + f'<td data-label="{following}">{next_norm}'
            + _ROW_END
        )
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


def list_rows_html(rows: list[dict]) -> SafeString:
    """The referrer list's rows (``views._list_rows``) as its table body: a
    school sees the perceel, never the service; a declined referral shows its
    referrer the alternatives."""
    labels = _labels(
        _("Referentie"),
        _("Verwezen op"),
        _("Kind"),
        _("Aanbod"),
        _("Status"),
        _("Dagen sinds verwijzing"),
        _("Hulp gestart op"),
        _("Spoed"),
    )
    days, started, urgent = labels[5:]
    passed = _("Norm verstreken: %(label)s")
    youth_care = _("Jeugdhulp (%(perceel)s)")
    urgent_badge = f'<span class="badge utrecht-status-badge">{urgent}</span>'
    alternatives_head = (
        '\n        <tr class="alternatives">\n          <td></td>\n'
        '          <td colspan="6">\n'
        f"            <strong>{escape(_('Alternatieven'))}</strong> "
        '<span class="subtle">('
        + escape(_("aanbod in hetzelfde perceel met plek, kortste wachttijd eerst"))
        + ")</span>:\n            "
    )
    parts = []
    for row in rows:
        referral, timing, text = row["referral"], row["timing"], row["text"]
        school = row["view"] == perms.SCHOOL
        who = escape(referral.child_initials) if referral.child_initials else _DASH
        if school and referral.child_birth_date:
            who += f', <span class="nowrap">{escape(text["birth_date"])}</span>'
        if school:
            offer = youth_care % {"perceel": escape(referral.perceel.display_name)}
        else:
            offer = (
                f"{escape(referral.service.name)}<br>"
                f'<span class="subtle">{escape(referral.provider.name)}</span>'
            )
        flags = ""
        if timing.overdue or row["urgent_open"]:
            flags = (
                '<div class="flags">'
                + _overdue_badges(timing, passed)
                + (urgent_badge if row["urgent_open"] else "")
                + "</div>"
            )
        parts.append(
            _leading_cells(labels, referral, text, "", who, offer)
            + f"\n            {flags}"
            + _CELL_BREAK
            + f'<td data-label="{days}" class="numeric">'
            f"{escape(localize(timing.days_since_referral))}"
            + _CELL_BREAK
            + f'<td data-label="{started}" class="nowrap">'
            f"{escape(text['started_on']) or _DASH}" + _ROW_END
        )
        if referral.status == wf.DECLINED and row["view"] == perms.REFERRER:
            parts.append(
                alternatives_head
                + _alternatives_html(row["alternatives"])
                + "\n          </td>\n        </tr>\n        "
            )
        parts.append("\n        ")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


def _alternatives_html(alternatives) -> str:
    if not alternatives:
        return escape(_("geen aanbod met plek gevonden"))
    links = []
    for alt in alternatives:
        weeks = alt.capacity.total_wait_weeks
        wait = ""
        if weeks is not None:
            wait = ", " + ngettext("%(weeks)s week", "%(weeks)s weken", weeks) % {
                "weeks": escape(localize(weeks))
            }
        links.append(
            f'<a class="utrecht-link" href="{escape(alt.get_absolute_url())}">'
            f"{escape(alt.name)}</a> ({escape(alt.organisation.name)}{wait})"
        )
    return "; ".join(links)
