"""Water parameters, their units and target ranges: the company's defaults, overrides per site
or installation, and, for pools open to the public, the limits of the arrêté of 26 May 2021
(annex I, "limites de qualité des eaux de piscine"). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Parameter(StrEnum):
    PH = "ph"
    FREE_CHLORINE = "free_chlorine"
    TOTAL_CHLORINE = "total_chlorine"
    COMBINED_CHLORINE = "combined_chlorine"
    TOTAL_BROMINE = "total_bromine"
    TOTAL_ALKALINITY = "total_alkalinity"
    CALCIUM_HARDNESS = "calcium_hardness"
    CYANURIC_ACID = "cyanuric_acid"
    SALT = "salt"
    TEMPERATURE = "temperature"
    TDS = "tds"


UNITS: dict[Parameter, str] = {
    Parameter.PH: "pH",
    Parameter.FREE_CHLORINE: "mg/L",
    Parameter.TOTAL_CHLORINE: "mg/L",
    Parameter.COMBINED_CHLORINE: "mg/L",
    Parameter.TOTAL_BROMINE: "mg/L",
    Parameter.TOTAL_ALKALINITY: "mg/L CaCO3",
    Parameter.CALCIUM_HARDNESS: "mg/L CaCO3",
    Parameter.CYANURIC_ACID: "mg/L",
    Parameter.SALT: "g/L",
    Parameter.TEMPERATURE: "°C",
    Parameter.TDS: "mg/L",
}

# What can physically be read; beyond is a typing error, refused.
PHYSICAL: dict[Parameter, tuple[float, float]] = {
    Parameter.PH: (0, 14),
    Parameter.FREE_CHLORINE: (0, 20),
    Parameter.TOTAL_CHLORINE: (0, 20),
    Parameter.COMBINED_CHLORINE: (0, 20),
    Parameter.TOTAL_BROMINE: (0, 30),
    Parameter.TOTAL_ALKALINITY: (0, 500),
    Parameter.CALCIUM_HARDNESS: (0, 2000),
    Parameter.CYANURIC_ACID: (0, 300),
    Parameter.SALT: (0, 50),
    Parameter.TEMPERATURE: (0, 50),
    Parameter.TDS: (0, 50000),
}


@dataclass(frozen=True)
class Target:
    low: float | None
    high: float | None
    # Where the range comes from: "default", "company", "site", "installation", "regulation".
    source: str = "default"

    def contains(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    @property
    def middle(self) -> float | None:
        if self.low is None or self.high is None:
            return self.low if self.high is None else self.high
        return (self.low + self.high) / 2


# The product's defaults for a private pool (French pool trade practice); the company may change
# them. Keys not present have no target.
DEFAULT_TARGETS: dict[Parameter, Target] = {
    Parameter.PH: Target(7.2, 7.6),
    Parameter.FREE_CHLORINE: Target(1.0, 3.0),
    Parameter.TOTAL_CHLORINE: Target(1.0, 3.6),
    Parameter.COMBINED_CHLORINE: Target(None, 0.6),
    Parameter.TOTAL_BROMINE: Target(3.0, 5.0),
    Parameter.TOTAL_ALKALINITY: Target(80, 150),
    Parameter.CALCIUM_HARDNESS: Target(150, 400),
    Parameter.CYANURIC_ACID: Target(20, 50),
    Parameter.SALT: Target(3.0, 6.0),
    Parameter.TEMPERATURE: Target(10, 32),
    Parameter.TDS: Target(None, 1500),
}

STABILISED_MINIMUM_CYA = 15.0


def regulatory_limits(stabilised: bool, spa: bool) -> dict[Parameter, Target]:
    """Arrêté du 26 mai 2021, annex I B (fresh water treated with chlorine): pH 6.9-7.7;
    combined chlorine ≤ 0.6 mg/L; isocyanuric acid ≤ 75 mg/L; below 15 mg/L of isocyanuric
    acid free active chlorine 0.4-1.4 mg/L, from 15 mg/L available chlorine 2-5 mg/L (we read
    it on the free chlorine); total bromine 1-2 mg/L; whirlpool baths ≤ 36 °C."""
    limits = {
        Parameter.PH: Target(6.9, 7.7, "regulation"),
        Parameter.COMBINED_CHLORINE: Target(None, 0.6, "regulation"),
        Parameter.CYANURIC_ACID: Target(None, 75, "regulation"),
        Parameter.TOTAL_BROMINE: Target(1.0, 2.0, "regulation"),
        Parameter.FREE_CHLORINE: Target(2.0, 5.0, "regulation")
        if stabilised
        else Target(0.4, 1.4, "regulation"),
    }
    if spa:
        limits[Parameter.TEMPERATURE] = Target(None, 36, "regulation")
    return limits


def _within(target: Target, limit: Target) -> Target:
    """The company's range kept inside the legal one; if they do not overlap, the legal one."""
    low = target.low if limit.low is None else max(target.low or limit.low, limit.low)
    high = target.high if limit.high is None else min(target.high or limit.high, limit.high)
    if low is not None and high is not None and low > high:
        return limit
    changed = (low, high) != (target.low, target.high)
    return Target(low, high, "regulation" if changed else target.source)


def resolve_targets(
    layers: list[tuple[str, dict[Parameter, tuple[float | None, float | None]]]],
    *,
    collective: bool = False,
    stabilised: bool = False,
    spa: bool = False,
) -> dict[Parameter, Target]:
    """The defaults overridden layer by layer (company, then site, then installation), then,
    for a collective pool, held within the regulatory limits."""
    targets = dict(DEFAULT_TARGETS)
    for source, overrides in layers:
        for parameter, (low, high) in overrides.items():
            targets[parameter] = Target(low, high, source)
    if collective:
        for parameter, limit in regulatory_limits(stabilised, spa).items():
            current = targets.get(parameter)
            targets[parameter] = limit if current is None else _within(current, limit)
    return targets
