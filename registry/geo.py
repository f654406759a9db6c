"""Distance for search: a place and a radius in, SQL conditions out.

The squared distance is an equirectangular approximation in plain arithmetic
(no trigonometry in SQL, so SQLite and PostgreSQL compute the same): within a
municipality or a region (< 100 km) it is off by well under 1 %.
"""

import math
from dataclasses import dataclass

from django.db.models import ExpressionWrapper, F, FloatField, Value

KM_PER_DEGREE = 111.32
RADIUS_MIN_KM, RADIUS_MAX_KM = 1, 100
DEFAULT_RADIUS_KM = 10


@dataclass(frozen=True)
class Origin:
    """Where distances are measured from: a postcode's centre or the
    visitor's own location ("mijn locatie")."""

    latitude: float
    longitude: float
    label: str

    def squared_km(self, prefix: str = ""):
        """An ORM expression: the squared distance in km² of the location at
        ``prefix`` (e.g. "locations__") from this origin."""
        scale = math.cos(math.radians(self.latitude))
        north = (F(f"{prefix}latitude") - Value(self.latitude)) * Value(KM_PER_DEGREE)
        east = (F(f"{prefix}longitude") - Value(self.longitude)) * Value(
            KM_PER_DEGREE * scale
        )
        return ExpressionWrapper(north * north + east * east, output_field=FloatField())


def distance_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """The same approximation in Python."""
    scale = math.cos(math.radians(a_lat))
    north = (b_lat - a_lat) * KM_PER_DEGREE
    east = (b_lon - a_lon) * KM_PER_DEGREE * scale
    return math.hypot(north, east)


def valid_coordinates(latitude: float, longitude: float) -> bool:
    """Within the Netherlands and its surroundings (a wide box)."""
    return 50.0 <= latitude <= 54.0 and 2.5 <= longitude <= 7.5
