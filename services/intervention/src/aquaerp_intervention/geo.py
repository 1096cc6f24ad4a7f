"""Distances and travel times between sites, from WGS 84 points."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_METRES = 6_371_000.0


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float

    def is_valid(self) -> bool:
        return -90.0 <= self.latitude <= 90.0 and -180.0 <= self.longitude <= 180.0


def haversine_metres(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance between two points."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    half_dlat = (lat2 - lat1) / 2
    half_dlon = math.radians(b.longitude - a.longitude) / 2
    h = math.sin(half_dlat) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(half_dlon) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(h)))


def travel_minutes(metres: float, speed_kmh: float) -> int:
    """Driving time at an average speed, rounded up to the minute."""
    return math.ceil(metres / (speed_kmh * 1000.0 / 60.0) - 1e-9) if metres > 0 else 0
