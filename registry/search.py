"""Search of the public catalogue: parameters in, filters and a result page out.

The URL is the state of a search (shareable, the back button works), so every
parameter is parsed here from a ``QueryDict`` into a frozen ``SearchFilters``.
Bad parameters never raise: each gives a Dutch message naming the field and is
ignored. This module holds the pure parts (text folding, the search document,
parameter parsing, the PostgreSQL ``tsquery`` built from the words, paging and
facet groups); it reads nothing from the database. ``selectors`` runs a search
with them (``selectors.search_run``): imports go one way, selectors -> search.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from registry import geo, search_text, validators
from registry.models import facet_bits

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
# The index text is made in Python (search_text) for both databases, so
# PostgreSQL only splits it on spaces: no stemming of its own.
SEARCH_CONFIG = "simple"
SORTS = ("relevantie", "wachttijd", "bijgewerkt", "afstand")
TRUE_VALUES = ("1", "on", "ja", "true")
# Parameter name -> reference group (selectors.search_reference keys).
MULTI_PARAMS = {
    "perceel": "perceel",
    "stadsdeel": "district",
    "probleem": "problem",
    "vorm": "form",
}
_WORD = re.compile(r"[a-z0-9]+")


fold = search_text.fold
vocabulary = search_text.vocabulary


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order, without repeats."""
    return list(dict.fromkeys(_WORD.findall(fold(text))))


# --- the search document -------------------------------------------------------


@dataclass(frozen=True)
class SearchDocument:
    """What a service is found by. ``title``/``tags``/``body`` carry the weights
    A/B/C of the PostgreSQL vector; ``text`` is all of it, folded; the bit sets
    hold the bit slots of its districts, problem areas and forms."""

    service_id: int
    title: str
    tags: str
    body: str
    district_bits: int = 0
    problem_bits: int = 0
    form_bits: int = 0
    open: bool = False
    total_wait: int | None = None

    @property
    def text(self) -> str:
        """The index text both databases search (``search_text.index_text``)."""
        return search_text.index_text(self.title, self.tags, self.body)

    def section(self, name: str) -> str:
        """The index tokens of one section (PostgreSQL weighs them A/B/C)."""
        return " ".join(search_text.index_tokens(getattr(self, name)))


def build_document(service) -> SearchDocument:
    """The document of ``service``; its relations must be prefetched."""
    return service_document(
        service,
        problem_areas=service.problem_areas.all(),
        forms=service.forms.all(),
        districts=service.districts.all(),
        locations=service.locations.all(),
        capacity=getattr(service, "capacity", None),
    )


def service_document(
    service, *, problem_areas, forms, districts, locations, capacity
) -> SearchDocument:
    """The document of ``service`` (saved or not) from its relations, given in
    their models' default order (the order a prefetch reads them in: the token
    order and positions must not depend on where the relations came from)."""
    # English names too: an English query finds the Dutch terms.
    terms = [service.perceel, *problem_areas, *forms]
    tags = [service.organisation.name]
    tags += [f"{term.name} {term.name_en}" for term in terms]
    body = [service.description, service.how_to_refer]
    body += [district.name for district in districts]
    body += [f"{loc.name} {loc.address} {loc.city}" for loc in locations]
    return SearchDocument(
        service_id=service.pk,
        title=service.name,
        tags=" ".join(tags),
        body=" ".join(part for part in body if part),
        district_bits=facet_bits(d.bit_slot for d in districts),
        problem_bits=facet_bits(a.bit_slot for a in problem_areas),
        form_bits=facet_bits(f.bit_slot for f in forms),
        open=bool(capacity and capacity.status == "open"),
        total_wait=capacity.total_wait_weeks if capacity else None,
    )


# --- filters -------------------------------------------------------------------


@dataclass(frozen=True)
class ParamError:
    """A message about one bad URL parameter; ``param`` names the form field."""

    param: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Option:
    """A filter value; ``slot`` is a facet term's bit slot (None for percelen)."""

    id: int
    slug: str
    name: str
    slot: int | None = None
    name_en: str = ""

    @property
    def label(self) -> str:
        """The name in the active language."""
        english = (get_language() or "nl").startswith("en")
        return self.name_en if english and self.name_en else self.name


@dataclass(frozen=True)
class SearchFilters:
    """One search, as the URL states it. Multi-valued filters hold ids and mean
    "any of these"; different filters combine with "and"."""

    text: str = ""
    percelen: tuple[int, ...] = ()
    age: int | None = None
    districts: tuple[int, ...] = ()
    problem_areas: tuple[int, ...] = ()
    forms: tuple[int, ...] = ()
    has_room: bool = False
    max_wait_weeks: int | None = None
    sort: str = "relevantie"
    page: int = 1
    # Spelling corrections found for words of ``text``: word -> known term.
    corrections: Mapping[str, str] = field(default_factory=dict)
    # What the text asks for, with the thesaurus applied (search_text.QueryUnit);
    # set by selectors.search_prepare.
    units: tuple = ()
    # Distance: a postcode ("1356 TL" or "1356") or the visitor's own location
    # (``near``: latitude, longitude), and the radius in km. ``origin``
    # (geo.Origin) is where distances are measured from, set by
    # selectors.search_locate once the postcode is looked up.
    postcode: str = ""
    near: tuple[float, float] | None = None
    radius_km: int | None = None
    origin: Any = None
    # Per facet group ("district", "problem", "form"): the bit set of the chosen
    # terms' slots, matched against the services' stored bit sets.
    chosen_bits: Mapping[str, int] = field(default_factory=dict)

    @property
    def words(self) -> list[str]:
        return words(self.text)[:MAX_WORDS]


_GROUP_FIELDS = {
    "perceel": "percelen",
    "district": "districts",
    "problem": "problem_areas",
    "form": "forms",
}


def _labels() -> dict[str, str]:
    return {
        "perceel": _("Perceel"),
        "stadsdeel": _("Stadsdeel"),
        "probleem": _("Problematiek"),
        "vorm": _("Vorm"),
    }


def parse_params(
    params, reference: Mapping[str, list[Option]]
) -> tuple[SearchFilters, list[ParamError]]:
    """Parse a ``QueryDict`` into filters and a list of messages for bad values.

    ``reference`` maps each group to its valid options (selectors.search_reference).
    """
    errors: list[ParamError] = []
    values: dict[str, Any] = {"text": _parse_text(params, errors)}
    for param, group in MULTI_PARAMS.items():
        values[_GROUP_FIELDS[group]] = _parse_choices(
            params, param, reference.get(group, []), errors
        )
    values["age"] = _parse_int(
        params, "leeftijd", validators.AGE_MIN, validators.AGE_MAX, errors,
        _("Leeftijd: vul een getal van 0 tot 23 in."),
    )  # fmt: skip
    values["max_wait_weeks"] = _parse_int(
        params, "wachttijd", 0, validators.WAIT_WEEKS_MAX, errors,
        _("Maximale wachttijd: vul een aantal weken van 0 tot 260 in."),
    )  # fmt: skip
    values["has_room"] = _parse_flag(params, "plek", errors)
    values.update(_parse_place(params, errors))
    if not values["postcode"] and _POSTCODE_TEXT.match(values["text"]):
        # A postcode typed in the search box ("1356 TL") searches near it.
        values["postcode"] = validators.normalise_postcode(values["text"])
        values["radius_km"] = values["radius_km"] or geo.DEFAULT_RADIUS_KM
        values["text"] = ""
    values["sort"] = _parse_sort(params, errors)
    if values["sort"] == "afstand" and not (values["postcode"] or values["near"]):
        message = _(
            "Sorteren op afstand: vul eerst een postcode in of kies mijn locatie."
        )
        errors.append(ParamError("sorteer", message))
        values["sort"] = "relevantie"
    values["chosen_bits"] = {
        group: facet_bits(
            o.slot for o in reference.get(group, []) if o.id in values[name]
        )
        for group, name in _GROUP_FIELDS.items()
        if group != "perceel"
    }
    values["page"] = _parse_int(
        params, "pagina", 1, 10**6, errors,
        _("Pagina: vul een paginanummer vanaf 1 in."),
    ) or 1  # fmt: skip
    return SearchFilters(**values), errors


def _parse_text(params, errors: list[ParamError]) -> str:
    text = " ".join((params.get("q") or "").split())
    if len(text) > MAX_QUERY_LENGTH:
        message = _("Zoekterm: gebruik ten hoogste %(n)s tekens.")
        errors.append(ParamError("q", message % {"n": MAX_QUERY_LENGTH}))
        text = text[:MAX_QUERY_LENGTH]
    return text


def _parse_choices(params, name, options, errors) -> tuple[int, ...]:
    by_slug = {option.slug: option.id for option in options}
    chosen: list[int] = []
    for raw in params.getlist(name):
        if not raw:
            continue
        if raw in by_slug:
            if by_slug[raw] not in chosen:
                chosen.append(by_slug[raw])
            continue
        message = _("%(field)s: de onbekende keuze “%(value)s” is genegeerd.")
        values = {"field": _labels()[name], "value": raw[:40]}
        errors.append(ParamError(name, message % values))
    return tuple(chosen)


def _parse_int(params, name, low, high, errors, message) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    errors.append(ParamError(name, message))
    return None


def _parse_flag(params, name, errors) -> bool:
    raw = (params.get(name) or "").strip().lower()
    if not raw:
        return False
    if raw in TRUE_VALUES:
        return True
    errors.append(ParamError(name, _("Nu plek: kies ja of laat het vak leeg.")))
    return False


def sort_options() -> list[tuple[str, str]]:
    return [
        ("relevantie", _("Relevantie")),
        ("wachttijd", _("Kortste wachttijd")),
        ("bijgewerkt", _("Laatst bijgewerkt")),
        ("afstand", _("Afstand")),
    ]


_PC4 = re.compile(r"^[1-9][0-9]{3}$")
_POSTCODE_TEXT = re.compile(r"^[1-9][0-9]{3} ?(?![sS][aAdDsS])[a-zA-Z]{2}$")


def _parse_place(params, errors) -> dict:
    """``postcode`` (6 or 4 positions), or ``lat`` + ``lon`` ("mijn locatie"),
    and ``straal`` in km (default 10 when a place is given)."""
    place: dict[str, Any] = {"postcode": "", "near": None, "radius_km": None}
    raw = " ".join((params.get("postcode") or "").split()).upper()
    if raw:
        normal = validators.normalise_postcode(raw)
        try:
            if not _PC4.match(raw):
                validators.validate_postcode(normal)
            place["postcode"] = normal
        except ValidationError:
            message = _("Postcode: vul een postcode in zoals 1356 TL of 1356.")
            errors.append(ParamError("postcode", message))
    lat, lon = (params.get("lat") or "").strip(), (params.get("lon") or "").strip()
    if lat or lon:
        near = _coordinates(lat, lon)
        if near is None:
            message = _(
                "Mijn locatie: de locatie van uw apparaat is niet te gebruiken."
            )
            errors.append(ParamError("lat", message))
        elif not place["postcode"]:
            place["near"] = near
    radius = _parse_int(
        params, "straal", geo.RADIUS_MIN_KM, geo.RADIUS_MAX_KM, errors,
        _("Straal: vul een aantal kilometers van 1 tot 100 in."),
    )  # fmt: skip
    if place["postcode"] or place["near"]:
        place["radius_km"] = radius or geo.DEFAULT_RADIUS_KM
    return place


def _coordinates(lat: str, lon: str) -> tuple[float, float] | None:
    try:
        latitude, longitude = float(lat), float(lon)
    except ValueError:
        return None
    if not geo.valid_coordinates(latitude, longitude):
        return None
    return round(latitude, 5), round(longitude, 5)


def _parse_sort(params, errors) -> str:
    raw = (params.get("sorteer") or "").strip()
    if not raw:
        return "relevantie"
    if raw in SORTS:
        return raw
    message = _("Sorteren: kies relevantie, wachttijd of bijgewerkt.")
    errors.append(ParamError("sorteer", message))
    return "relevantie"


# --- pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pagination:
    number: int
    count: int
    per_page: int = PAGE_SIZE

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def first_index(self) -> int:
        return self.offset + 1 if self.count else 0

    @property
    def last_index(self) -> int:
        return min(self.offset + self.per_page, self.count)

    def nearby(self, spread: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and those near the current;
        ``None`` marks a gap."""
        near = range(self.number - spread, self.number + spread + 1)
        pages = sorted(p for p in {1, self.num_pages, *near} if p <= self.num_pages)
        links: list[int | None] = []
        for page in (p for p in pages if p >= 1):
            if links and page != links[-1] + 1:
                links.append(None)
            links.append(page)
        return links


def clamp_page(filters: SearchFilters, count: int, errors: list[ParamError]):
    """Keep the requested page within the results; say so when it was not."""
    pagination = Pagination(number=filters.page, count=count)
    if filters.page <= pagination.num_pages:
        return filters, pagination
    message = _("Pagina: er zijn %(n)s pagina's; u ziet de laatste.")
    errors.append(ParamError("pagina", message % {"n": pagination.num_pages}))
    last = pagination.num_pages
    return replace(filters, page=last), Pagination(number=last, count=count)


@dataclass
class FacetOption:
    slug: str
    name: str
    count: int
    checked: bool


@dataclass
class FacetGroup:
    param: str
    legend: str
    options: list[FacetOption]


@dataclass
class SearchResult:
    filters: SearchFilters
    errors: list[ParamError]
    pagination: Pagination
    services: list
    facets: list[FacetGroup]
    open_count: int
    suggestion: str = ""
    also: list[str] = field(default_factory=list)
    chips: list["Chip"] = field(default_factory=list)

    @property
    def invalid_params(self) -> set[str]:
        return {error.param for error in self.errors}


def facet_groups(reference, filters: SearchFilters, counts) -> list[FacetGroup]:
    """The filter groups with a count per option (0 included), in reference order."""
    groups = []
    for param, group in MULTI_PARAMS.items():
        chosen = set(getattr(filters, _GROUP_FIELDS[group]))
        group_counts = counts[group]
        options = [
            FacetOption(o.slug, o.label, group_counts.get(o.id, 0), o.id in chosen)
            for o in reference.get(group, [])
        ]
        groups.append(FacetGroup(param, _labels()[param], options))
    return groups


def suggestion_text(filters: SearchFilters) -> str:
    """The query with each corrected word replaced: "Bedoelde u ...?"."""
    if not filters.corrections:
        return ""
    return " ".join(filters.corrections.get(w, w) for w in filters.words)


def also_searched(filters: SearchFilters) -> list[str]:
    """The thesaurus terms the search added: "ook gezocht op ..."."""
    return list(dict.fromkeys(term for unit in filters.units for term in unit.also))


# --- CSV ---------------------------------------------------------------------------


def csv_header() -> list[str]:
    return [
        _("Aanbod"),
        _("Aanbieder"),
        _("Perceel"),
        _("Leeftijd van"),
        _("Leeftijd tot en met"),
        _("Status"),
        _("Aanmeldwachttijd (weken)"),
        _("Behandelwachttijd (weken)"),
        _("Bijgewerkt op"),
        _("Telefoon intake"),
        _("E-mail intake"),
        _("Pagina"),
    ]


def csv_row(service, site_url: str) -> list:
    """One row; the view writes it through ``sociale_kaart.csvsafe``."""
    from registry.templatetags.registry_tags import status_label

    capacity = getattr(service, "capacity", None)
    values = [
        service.name,
        service.organisation.name,
        service.perceel.name,
        service.age_min,
        service.age_max,
        status_label(capacity.status) if capacity else "",
        capacity.intake_wait_weeks if capacity else "",
        capacity.treatment_wait_weeks if capacity else "",
        capacity.updated_at.date().isoformat() if capacity else "",
        service.intake_phone,
        service.intake_email,
        site_url + service.get_absolute_url(),
    ]
    return values


# --- active filters as chips -------------------------------------------------------


@dataclass(frozen=True)
class Chip:
    """One filter of the URL shown above the results, with the link that takes
    it away. ``ignored``: the value was invalid and not applied."""

    label: str
    remove_query: str
    ignored: bool = False


def _without(params, name: str, value: str | None = None) -> str:
    """``params`` as a query string without ``name`` (or only its ``value``)
    and without the page number."""
    query = params.copy()
    query.pop("pagina", None)
    if value is None:
        query.pop(name, None)
    else:
        query.setlist(name, [v for v in query.getlist(name) if v != value])
    return query.urlencode()


def filter_chips(params, reference, errors: list[ParamError]) -> list[Chip]:
    """Every filter value of ``params`` as a removable chip: the applied ones
    with their names, the invalid ones marked as ignored (so what was searched
    is never a guess)."""
    invalid = {error.param for error in errors}
    labels = _labels()
    chips = []
    for param, group in MULTI_PARAMS.items():
        names = {o.slug: o.label for o in reference.get(group, [])}
        for value in dict.fromkeys(v for v in params.getlist(param) if v):
            known = value in names
            text = f"{labels[param]}: {names[value] if known else value[:40]}"
            chips.append(Chip(text, _without(params, param, value), not known))
    singles = {
        "leeftijd": _("Leeftijd"),
        "wachttijd": _("Maximale wachttijd"),
        "plek": _("Nu plek"),
        "postcode": _("Postcode"),
        "straal": _("Straal (km)"),
    }
    for param, label in singles.items():
        raw = (params.get(param) or "").strip()
        if raw:
            shown = _("ja") if param == "plek" and param not in invalid else raw[:20]
            chips.append(
                Chip(f"{label}: {shown}", _without(params, param), param in invalid)
            )
    if params.get("lat") or params.get("lon"):
        query = params.copy()
        for name in ("lat", "lon", "pagina"):
            query.pop(name, None)
        chips.append(Chip(_("Mijn locatie"), query.urlencode(), "lat" in invalid))
    return chips


def where_label(bits: int | None, districts_by_slot: Mapping[int, str]) -> str:
    """Where help is given, from a service's stored district bits (no query):
    the stadsdelen, or "heel Almere" when it covers them all."""
    bits = bits or 0
    names = [name for slot, name in districts_by_slot.items() if bits & (1 << slot)]
    if names and len(names) == len(districts_by_slot):
        return _("alle stadsdelen")
    return ", ".join(names)
