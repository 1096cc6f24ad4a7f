"""The health logbook of collective pools (carnet sanitaire): an entry's values checked against
the limits of the arrêté of 26 May 2021, and the days short of the two daily readings the
rules ask for. Pure: no I/O."""

from __future__ import annotations

from calendar import monthrange
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from aquaerp_runtime.errors import InvalidArgument

from .water_targets import PHYSICAL, UNITS, Parameter, Target, regulatory_limits

READINGS_PER_DAY = 2
INCIDENT_MAX = 1000

LABELS: dict[Parameter, str] = {
    Parameter.PH: "pH",
    Parameter.FREE_CHLORINE: "Chlore libre",
    Parameter.COMBINED_CHLORINE: "Chlore combiné",
    Parameter.TEMPERATURE: "Température",
}


@dataclass(frozen=True)
class LogbookValues:
    """What the staff read and note at one test of the water."""

    free_chlorine: float
    total_chlorine: float
    ph: float
    temperature: float
    transparent: bool
    attendance: int
    water_added_m3: float
    filter_washed: bool
    incident: str

    @property
    def combined_chlorine(self) -> float:
        return round(max(self.total_chlorine - self.free_chlorine, 0.0), 2)


def check_values(values: LogbookValues) -> None:
    """Values no instrument can give are typing errors: 422 naming each field."""
    fields: dict[str, str] = {}
    checks = {
        "entry.free_chlorine_mg_l": (values.free_chlorine, PHYSICAL[Parameter.FREE_CHLORINE]),
        "entry.total_chlorine_mg_l": (values.total_chlorine, PHYSICAL[Parameter.TOTAL_CHLORINE]),
        "entry.ph": (values.ph, PHYSICAL[Parameter.PH]),
        "entry.temperature_c": (values.temperature, PHYSICAL[Parameter.TEMPERATURE]),
        "entry.water_added_m3": (values.water_added_m3, (0, 10000)),
    }
    for name, (value, (low, high)) in checks.items():
        if not low <= value <= high:
            fields[name] = f"doit être entre {_number(low)} et {_number(high)}"
    if values.ph == 0:
        fields["entry.ph"] = "obligatoire"
    if values.total_chlorine < values.free_chlorine:
        fields["entry.total_chlorine_mg_l"] = "inférieur au chlore libre"
    if not 0 <= values.attendance <= 100000:
        fields["entry.attendance"] = "doit être entre 0 et 100000"
    if len(values.incident) > INCIDENT_MAX:
        fields["entry.incident"] = f"{INCIDENT_MAX} caractères au plus"
    if fields:
        raise InvalidArgument("relevé du carnet sanitaire invalide", fields=fields)


def logbook_limits(stabilised: bool, spa: bool) -> dict[Parameter, Target]:
    """The limits a logbook line is checked against, in the order the header shows them."""
    legal = regulatory_limits(stabilised, spa)
    limits = {p: legal[p] for p in (Parameter.PH, Parameter.FREE_CHLORINE)}
    limits[Parameter.COMBINED_CHLORINE] = legal[Parameter.COMBINED_CHLORINE]
    if Parameter.TEMPERATURE in legal:
        limits[Parameter.TEMPERATURE] = legal[Parameter.TEMPERATURE]
    return limits


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def limit_text(target: Target) -> str:
    if target.low is not None and target.high is not None:
        return f"{_number(target.low)} à {_number(target.high)}"
    if target.high is not None:
        return f"≤ {_number(target.high)}"
    return f"≥ {_number(target.low or 0)}"


def breaches(values: LogbookValues, limits: dict[Parameter, Target]) -> list[str]:
    """The limits this entry breaks, in French; empty when the water complies."""
    read = {
        Parameter.PH: values.ph,
        Parameter.FREE_CHLORINE: values.free_chlorine,
        Parameter.COMBINED_CHLORINE: values.combined_chlorine,
        Parameter.TEMPERATURE: values.temperature,
    }
    found = [
        f"{LABELS[p]} {_number(read[p])} {UNITS[p]} hors limite ({limit_text(t)})".replace(
            " pH hors", " hors"
        )
        for p, t in limits.items()
        if not t.contains(read[p])
    ]
    if not values.transparent:
        found.append("Transparence insuffisante (fond du bassin non visible)")
    return found


def month_bounds(year: int, month: int) -> tuple[date, date]:
    if not 2000 <= year <= 2100:
        raise InvalidArgument("année invalide", fields={"year": "doit être entre 2000 et 2100"})
    if not 1 <= month <= 12:
        raise InvalidArgument("mois invalide", fields={"month": "doit être entre 1 et 12"})
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def short_days(
    taken_days: Iterable[date], first: date, last: date, today: date
) -> list[tuple[date, int]]:
    """Days of the month up to today with fewer than two readings, and how many they had."""
    counts = Counter(taken_days)
    end = min(last, today)
    return [
        (day, counts[day])
        for day in (date.fromordinal(n) for n in range(first.toordinal(), end.toordinal() + 1))
        if counts[day] < READINGS_PER_DAY
    ]
