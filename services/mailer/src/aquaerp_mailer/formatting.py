"""French formatting of amounts, dates and times for the templates (jinja2 filters)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from aquaerp_runtime.clock import BUSINESS_TZ

# French typography: narrow no-break space between thousands, no-break space before the unit.
THOUSANDS = "\u202f"
NBSP = "\u00a0"
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _cents(value: object) -> int:
    # Struct numbers arrive as floats; only whole cents are accepted.
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValueError(f"an amount in cents must be a whole number, got {value!r}")
    return int(value)


def euros(value: object) -> str:
    """1234567 -> "12 345,67 €"."""
    cents = _cents(value)
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", THOUSANDS)
    return f"{sign}{grouped},{rest:02d}{NBSP}€"


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.astimezone(BUSINESS_TZ).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        if "T" in value:
            return _as_datetime(value).date()
        return date.fromisoformat(value)
    raise ValueError(f"not a date: {value!r}")


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        raise ValueError(f"not a date and time: {value!r}")
    # Naive values are Paris wall-clock time; aware ones are shown in Paris time.
    return (
        moment.replace(tzinfo=BUSINESS_TZ)
        if moment.tzinfo is None
        else moment.astimezone(BUSINESS_TZ)
    )


def percent_fr(value: object) -> str:
    """12.5 or "12.50" -> "12,5 %" (a rate given in percent)."""
    if isinstance(value, bool):
        raise ValueError(f"not a percentage: {value!r}")
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a percentage: {value!r}") from None
    text = (
        format(rate.normalize(), "f")
        if rate == rate.to_integral()
        else format(rate, "f").rstrip("0")
    )
    return f"{text.replace('.', ',')}{NBSP}%"


def date_fr(value: object) -> str:
    """ "2027-01-15" -> "15 janvier 2027"."""
    day = _as_date(value)
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def date_long_fr(value: object) -> str:
    """ "2027-01-15" -> "vendredi 15 janvier 2027"."""
    return f"{WEEKDAYS[_as_date(value).weekday()]} {date_fr(value)}"


def date_short_fr(value: object) -> str:
    """ "2027-01-15" -> "15/01/2027"."""
    return _as_date(value).strftime("%d/%m/%Y")


def time_fr(value: object) -> str:
    """ "2027-01-15T08:30:00Z" -> "9 h 30" (Paris time)."""
    moment = _as_datetime(value)
    return f"{moment.hour}{NBSP}h{NBSP}{moment.minute:02d}"


FILTERS = {
    "euros": euros,
    "percent_fr": percent_fr,
    "date_fr": date_fr,
    "date_long_fr": date_long_fr,
    "date_short_fr": date_short_fr,
    "time_fr": time_fr,
}
