"""Water measurements: physical ranges (a value outside is a typing or probe error, refused) and
recommended ranges (a value outside is valid but worth a warning on the report)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from aquaerp_runtime.errors import InvalidArgument


@dataclass(frozen=True)
class Measurements:
    ph: float | None = None
    free_chlorine_mg_l: float | None = None
    total_chlorine_mg_l: float | None = None
    tac_mg_l: float | None = None
    cyanuric_acid_mg_l: float | None = None
    salt_g_l: float | None = None
    temperature_c: float | None = None

    def items(self) -> list[tuple[str, float]]:
        return [(f.name, v) for f in fields(self) if (v := getattr(self, f.name)) is not None]


@dataclass(frozen=True)
class Range:
    low: float
    high: float

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class MeasurementRule:
    label: str
    unit: str
    physical: Range
    recommended: Range


RULES: dict[str, MeasurementRule] = {
    "ph": MeasurementRule("pH", "", Range(0, 14), Range(7.0, 7.6)),
    "free_chlorine_mg_l": MeasurementRule("Chlore libre", "mg/L", Range(0, 20), Range(1.0, 3.0)),
    "total_chlorine_mg_l": MeasurementRule("Chlore total", "mg/L", Range(0, 20), Range(1.0, 3.6)),
    "tac_mg_l": MeasurementRule("TAC", "mg/L CaCO3", Range(0, 500), Range(80, 150)),
    "cyanuric_acid_mg_l": MeasurementRule(
        "Stabilisant (acide cyanurique)", "mg/L", Range(0, 300), Range(20, 75)
    ),
    "salt_g_l": MeasurementRule("Sel", "g/L", Range(0, 50), Range(3.0, 6.0)),
    "temperature_c": MeasurementRule("Température", "°C", Range(0, 50), Range(10, 32)),
}
# Combined chlorine (total - free) above this smells and irritates: shock treatment advised.
MAX_COMBINED_CHLORINE = 0.6


@dataclass(frozen=True)
class MeasurementWarning:
    field: str
    message: str


def french_number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def check_measurements(measurements: Measurements) -> list[MeasurementWarning]:
    """Refuses physically impossible values (INVALID_ARGUMENT naming every bad field); returns
    warnings for values outside their recommended range."""
    errors: dict[str, str] = {}
    for name, value in measurements.items():
        rule = RULES[name]
        if not math.isfinite(value) or value not in rule.physical:
            errors[f"measurements.{name}"] = (
                f"{rule.label} must be between {french_number(rule.physical.low)} and "
                f"{french_number(rule.physical.high)} {rule.unit}".rstrip()
            )
    free, total = measurements.free_chlorine_mg_l, measurements.total_chlorine_mg_l
    if not errors and free is not None and total is not None and total < free:
        errors["measurements.total_chlorine_mg_l"] = "total chlorine cannot be below free chlorine"
    if errors:
        raise InvalidArgument("measurements out of physical range", fields=errors)
    warnings: list[MeasurementWarning] = []
    for name, value in measurements.items():
        rule = RULES[name]
        if value not in rule.recommended:
            side = "au-dessous" if value < rule.recommended.low else "au-dessus"
            unit = f" {rule.unit}" if rule.unit else ""
            low, high = french_number(rule.recommended.low), french_number(rule.recommended.high)
            warnings.append(
                MeasurementWarning(
                    name,
                    f"{rule.label} {french_number(value)}{unit} {side} de la plage recommandée "
                    f"({low} à {high}{unit})",
                )
            )
    if free is not None and total is not None and total - free > MAX_COMBINED_CHLORINE:
        warnings.append(
            MeasurementWarning(
                "total_chlorine_mg_l",
                f"Chlore combiné {french_number(total - free)} mg/L au-dessus de "
                f"{french_number(MAX_COMBINED_CHLORINE)} mg/L : chloration choc conseillée",
            )
        )
    return warnings
