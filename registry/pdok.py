"""PDOK Locatieserver (the Dutch government's free address search, no key):
postcode -> coordinates, and postcode + house number -> a BAG address.

Only this module talks to PDOK. Answers are cached (a day), a failure is an
``Unavailable`` the caller turns into a clear message; nothing here raises
anything else for network trouble, so pages keep working offline.
Response format: https://api.pdok.nl/bzk/locatieserver/search/v3_1/ui/ (Solr:
``response.docs[]`` with ``centroide_ll`` as ``POINT(lon lat)``).
"""

import json
import re
from dataclasses import dataclass
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings
from django.core.cache import cache

TIMEOUT_SECONDS = 3
CACHE_SECONDS = 24 * 3600
_POINT = re.compile(r"^POINT\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)$")


class Unavailable(Exception):
    """PDOK could not be asked (no network, an error, an unreadable answer)."""


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float
    longitude: float


def _search(params: dict) -> list[dict]:
    url = settings.PDOK_LOCATIESERVER_URL.rstrip("/") + "/free?" + urlencode(params)
    request = Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            body = json.loads(answer.read(1_000_000))
        return list(body["response"]["docs"])
    except (URLError, OSError, ValueError, KeyError, TypeError) as error:
        raise Unavailable(str(error)) from error


def _point(doc: dict) -> tuple[float, float] | None:
    match = _POINT.match(str(doc.get("centroide_ll", "")))
    if not match:
        return None
    longitude, latitude = float(match.group(1)), float(match.group(2))
    return latitude, longitude


def postcode_place(postcode: str) -> Place | None:
    """Where a postcode is: "1356 TL" (its centre) or "1356" (the centre of its
    first six-position postcode). None when PDOK does not know it."""
    compact = postcode.replace(" ", "").upper()
    key = f"pdok:postcode:{compact}"
    cached = cache.get(key)
    if cached is not None:
        return Place(*cached) if cached else None
    query = f"postcode:{compact}" if len(compact) == 6 else f"postcode:{compact}*"
    docs = _search(
        {
            "q": query,
            "fq": "type:postcode",
            "rows": 1,
            "fl": "weergavenaam centroide_ll",
        }
    )
    point = _point(docs[0]) if docs else None
    place = Place(docs[0].get("weergavenaam", compact), *point) if point else None
    cache.set(
        key,
        (place.label, place.latitude, place.longitude) if place else (),
        CACHE_SECONDS,
    )
    return place


@dataclass(frozen=True)
class Address:
    """One BAG address (an ``adres`` document of Locatieserver)."""

    street: str
    house_number: int
    house_letter: str
    house_number_addition: str
    postcode: str  # "1356 TL"
    city: str
    latitude: float | None
    longitude: float | None
    label: str


@dataclass(frozen=True)
class AddressAnswer:
    """What PDOK knows for a postcode and house number: the address matching
    letter and addition exactly (or None), and the other numbers there
    ("12A", "12-2") to offer when it is ambiguous."""

    address: Address | None
    alternatives: tuple[str, ...] = ()


_ADDRESS_FIELDS = (
    "weergavenaam straatnaam huisnummer huisletter huisnummertoevoeging "
    "huis_nlt postcode woonplaatsnaam centroide_ll"
)


def _address(doc: dict) -> Address:
    postcode = str(doc.get("postcode", ""))
    if len(postcode) == 6:
        postcode = f"{postcode[:4]} {postcode[4:]}"
    point = _point(doc)
    return Address(
        street=str(doc.get("straatnaam", "")),
        house_number=int(doc["huisnummer"]),
        house_letter=str(doc.get("huisletter", "")),
        house_number_addition=str(doc.get("huisnummertoevoeging", "")),
        postcode=postcode,
        city=str(doc.get("woonplaatsnaam", "")),
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        label=str(doc.get("weergavenaam", "")),
    )


def address_query(postcode: str, house_number: int) -> str:
    """The Solr query for the addresses at a postcode and house number. The
    caller has validated both, so nothing user-typed reaches Solr unchecked."""
    return f"postcode:{postcode.replace(' ', '').upper()} AND huisnummer:{house_number}"


def address_lookup(
    postcode: str, house_number: int, letter: str = "", addition: str = ""
) -> AddressAnswer:
    """The BAG address for a validated postcode and house number (plus
    letter and addition, compared without regard to case).

    Raises ``Unavailable`` when PDOK cannot be asked; an unreadable document
    counts as unavailable too. Answers are cached a day.
    """
    key = f"pdok:address:{postcode.replace(' ', '').upper()}:{house_number}"
    docs = cache.get(key)
    if docs is None:
        docs = _search(
            {
                "q": address_query(postcode, house_number),
                "fq": "type:adres",
                "rows": 50,
                "fl": _ADDRESS_FIELDS,
            }
        )
        cache.set(key, docs, CACHE_SECONDS)
    try:
        found = [_address(doc) for doc in docs if doc.get("huisnummer") is not None]
    except (ValueError, TypeError) as error:
        raise Unavailable(str(error)) from error
    wanted = (letter.upper(), addition.upper())
    for address in found:
        if (address.house_letter.upper(), address.house_number_addition.upper()) == (
            wanted
        ):
            return AddressAnswer(address)
    return AddressAnswer(None, tuple(sorted({_number(a) for a in found})))


def _number(address: Address) -> str:
    addition = address.house_number_addition
    return f"{address.house_number}{address.house_letter}" + (
        f"-{addition}" if addition else ""
    )
