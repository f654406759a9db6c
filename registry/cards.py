"""The result cards of a search page: their data from plain rows, their HTML
in Python.

A search page shows twenty cards. Rendered through the template language
(one lookup per variable, a ``reverse()`` and a translation per link and
label) they cost more than the search itself, so the rows are read with
``values()`` (``selectors.service_search_page``) into small frozen objects
here, and ``cards_html`` writes the same markup the template wrote, with the
links and the translated texts made once per page.
"""

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry import validators
from registry.models import in_language

# What a card shows, read with ``values()`` (the service, its organisation,
# perceel and capacity in one row).
CARD_COLUMNS = (
    "pk",
    "name",
    "age_min",
    "age_max",
    "search_district_bits",
    "organisation__slug",
    "organisation__name",
    "perceel__name",
    "perceel__name_en",
    "capacity__pk",
    "capacity__status",
    "capacity__free_places",
    "capacity__intake_wait_weeks",
    "capacity__treatment_wait_weeks",
    "capacity__updated_at",
)

# A placed location of a card (the overview map reads these), by service id.
PLACE_COLUMNS = (
    "services",
    "name",
    "latitude",
    "longitude",
    "street",
    "house_number",
    "house_letter",
    "house_number_addition",
    "city",
)


@dataclass(frozen=True)
class CardCapacity:
    """What ``capacity_summary`` shows of a capacity."""

    status: str
    free_places: int | None
    intake_wait_weeks: int | None
    treatment_wait_weeks: int | None
    updated_at: datetime


@dataclass(frozen=True)
class CardPlace:
    name: str
    latitude: Decimal
    longitude: Decimal
    address: str
    city: str


@dataclass(frozen=True)
class ResultCard:
    """One search result as its card shows it."""

    pk: int
    name: str
    organisation_slug: str
    organisation_name: str
    perceel_name: str
    perceel_name_en: str
    age_min: int
    age_max: int
    where: str
    distance_km: float | None
    capacity: CardCapacity | None
    places: tuple[CardPlace, ...]

    @property
    def perceel_display_name(self) -> str:
        return in_language(self.perceel_name, self.perceel_name_en)


def place_from_row(row: tuple) -> tuple[int, CardPlace]:
    """(service id, place) from a row of ``PLACE_COLUMNS``."""
    service_id, name, lat, lon, street, number, letter, addition, city = row
    address = validators.compose_address_line(street, number, letter, addition)
    return service_id, CardPlace(name, lat, lon, address, city)


def card_from_row(
    row: Mapping, *, where: str, distance_km: float | None, places
) -> ResultCard:
    """A card from a ``values()`` row of ``CARD_COLUMNS``."""
    capacity = None
    if row["capacity__pk"] is not None:
        capacity = CardCapacity(
            row["capacity__status"],
            row["capacity__free_places"],
            row["capacity__intake_wait_weeks"],
            row["capacity__treatment_wait_weeks"],
            row["capacity__updated_at"],
        )
    return ResultCard(
        pk=row["pk"],
        name=row["name"],
        organisation_slug=row["organisation__slug"],
        organisation_name=row["organisation__name"],
        perceel_name=row["perceel__name"],
        perceel_name_en=row["perceel__name_en"] or "",
        age_min=row["age_min"],
        age_max=row["age_max"],
        where=where,
        distance_km=distance_km,
        capacity=capacity,
        places=tuple(places),
    )


# --- HTML ----------------------------------------------------------------------

_MARK = "987654321"


def _url_maker(name: str, kwarg: str) -> Callable[[object], str]:
    """A function making ``name``'s URL for a value of ``kwarg`` from one
    ``reverse()`` (a card names its service three times and its organisation
    once; twenty cards would be some eighty reversals)."""
    before, after = reverse(name, kwargs={kwarg: _MARK}).split(_MARK)
    return lambda value: f"{before}{value}{after}"


def service_url_maker() -> Callable[[object], str]:
    return _url_maker("registry:service-detail", "pk")


def cards_html(
    cards, *, origin_label: str, capacity_html: Callable[[object], str]
) -> SafeString:
    """The ``<li>`` of every card, as the search template wrote them.

    ``capacity_html`` renders a card's capacity (``capacity_summary``, which
    reads the norms once per page)."""
    texts = {
        "where": escape(_("Waar:")),
        "distance": escape(_("Afstand:")),
        "ages": _("%(low)s tot en met %(high)s jaar"),
        "km": _("%(km)s km van %(origin)s"),
        "origin": escape(origin_label),
    }
    service_url = service_url_maker()
    organisation_url = _url_maker("registry:organisation-detail", "slug")
    return mark_safe(  # noqa: S308 - every value below is escaped
        "".join(
            _card_html(card, texts, service_url, organisation_url, capacity_html)
            for card in cards
        )
    )


def escape(value) -> str:
    """Django's ``escape`` without its lazy-string check and SafeString: the
    same text (both are ``html.escape``), for the few hundred values a page of
    cards escapes."""
    return html.escape(str(value))


def _card_html(card, texts, service_url, organisation_url, capacity_html) -> str:
    url = service_url(card.pk)
    name = escape(card.name)
    organisation = escape(organisation_url(card.organisation_slug))
    ages = texts["ages"] % {"low": card.age_min, "high": card.age_max}
    return (
        '\n            <li class="result">\n'
        f'              <h3 class="utrecht-heading-3"><a class="utrecht-link" '
        f'href="{url}">{name}</a></h3>\n'
        '              <p class="result__meta utrecht-paragraph">'
        f'<a class="utrecht-link" href="{organisation}">'
        f"{escape(card.organisation_name)}</a> · "
        f"{escape(card.perceel_display_name)} · {escape(ages)}</p>\n"
        f"              {_where_html(card, texts)}\n"
        f"              {capacity_html(card.capacity)}\n"
        f"              {_places_html(card, name, url)}\n"
        "            </li>\n          "
    )


def _where_html(card, texts) -> str:
    if not card.where and card.distance_km is None:
        return ""
    parts = []
    if card.where:
        label = texts["where"]
        parts.append(f'<span class="result__label">{label}</span> {escape(card.where)}')
    if card.distance_km is not None:
        km = texts["km"] % {
            "km": floatformat(card.distance_km, 1),
            "origin": texts["origin"],
        }
        label = texts["distance"]
        parts.append(f'<span class="result__label">{label}</span> {km}')
    return f'<p class="result__where utrecht-paragraph">{" · ".join(parts)}</p>'


def _places_html(card, name: str, url: str) -> str:
    if not card.places:
        return ""
    count = len(card.places)
    summary = ngettext("%(n)s locatie", "%(n)s locaties", count) % {"n": count}
    items = "".join(_place_html(place, name, url) for place in card.places)
    return (
        f'\n                <details class="result__places"><summary>{summary}'
        f"</summary>\n                  <ul>{items}</ul>\n"
        "                </details>\n              "
    )


def _place_html(place, name: str, url: str) -> str:
    place_name = escape(place.name)
    return (
        f'<li data-lat="{place.latitude}" data-lng="{place.longitude}" '
        f'data-label="{name} – {place_name}" data-href="{url}">{place_name}'
        f"{', ' + escape(place.address) if place.address else ''}"
        f"{', ' + escape(place.city) if place.city else ''}</li>"
    )
