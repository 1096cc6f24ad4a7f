"""A technician's interventions as an iCalendar (RFC 5545) feed their phone subscribes to."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event, vGeo

from .geo import GeoPoint

PRODUCT_ID = "-//AquaERP//Planning technicien//FR"


def new_feed_token() -> str:
    """256 random bits, URL-safe: unguessable, so the URL itself is the credential."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class CalendarEntry:
    intervention_id: str
    start: datetime
    end: datetime
    summary: str
    location: str
    geo: GeoPoint | None
    description: str
    cancelled: bool
    version: int
    updated_at: datetime


def build_calendar(technician_name: str, entries: Sequence[CalendarEntry], now: datetime) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Interventions — {technician_name}")
    calendar.add("x-wr-timezone", "Europe/Paris")
    # Calendar apps poll at this interval.
    calendar.add("x-published-ttl", "PT1H")
    for entry in entries:
        event = Event()
        # Stable UID and increasing SEQUENCE: a moved visit updates the event instead of adding one.
        event.add("uid", f"{entry.intervention_id}@aquaerp")
        event.add("dtstamp", now)
        event.add("last-modified", entry.updated_at)
        event.add("sequence", entry.version)
        event.add("dtstart", entry.start)
        event.add("dtend", entry.end)
        event.add("summary", entry.summary)
        event.add("location", entry.location)
        if entry.geo is not None:
            event.add("geo", vGeo((entry.geo.latitude, entry.geo.longitude)))
        event.add("description", entry.description)
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return str(calendar.to_ical().decode())
