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
