"""iCalendar (RFC 5545) invitations for visit appointments: METHOD:REQUEST, times in
Europe/Paris with its VTIMEZONE, a stable UID per intervention and a SEQUENCE that grows with
each change so calendar clients replace the previous invitation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from aquaerp_runtime.clock import BUSINESS_TZ

PRODUCT_ID = "-//AquaERP//Mailer 1.0//FR"

# Europe/Paris since 1996: CEST from the last Sunday of March, CET from the last Sunday of October.
PARIS_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Paris",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19810329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19961027T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


@dataclass(frozen=True)
class Appointment:
    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str
    organizer_name: str
    organizer_email: str
    attendee_name: str
    attendee_email: str
    stamp: datetime


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _quoted_param(value: str) -> str:
    # Parameter values may not contain DQUOTE; quoting protects ':', ';' and ','.
    return '"' + value.replace('"', "'") + '"'


def fold(line: str) -> str:
    """Splits a content line into lines of at most 75 octets, never inside a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _local(moment: datetime) -> str:
    return moment.astimezone(BUSINESS_TZ).strftime("%Y%m%dT%H%M%S")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def invitation(appointment: Appointment) -> bytes:
    a = appointment
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        *PARIS_VTIMEZONE,
        "BEGIN:VEVENT",
        f"UID:{a.uid}",
        f"SEQUENCE:{a.sequence}",
        f"DTSTAMP:{_utc(a.stamp)}",
        f"DTSTART;TZID=Europe/Paris:{_local(a.start)}",
        f"DTEND;TZID=Europe/Paris:{_local(a.end)}",
        f"SUMMARY:{escape_text(a.summary)}",
        f"LOCATION:{escape_text(a.location)}",
        f"DESCRIPTION:{escape_text(a.description)}",
        f"ORGANIZER;CN={_quoted_param(a.organizer_name)}:mailto:{a.organizer_email}",
        f"ATTENDEE;CN={_quoted_param(a.attendee_name or a.attendee_email)};ROLE=REQ-PARTICIPANT;"
        f"PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{a.attendee_email}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
