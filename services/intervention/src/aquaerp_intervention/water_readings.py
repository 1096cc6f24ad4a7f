"""Readings as the technician enters them: checked, typed, and flagged against the targets, the
regulatory limits and the photometer's calibration. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from aquaerp_runtime.errors import InvalidArgument

from .water_targets import PHYSICAL, UNITS, Parameter, Target


class Method(StrEnum):
    STRIPS = "strips"
    DROPS = "drops"
    PHOTOMETER = "photometer"
    PROBE = "probe"


class Flag(StrEnum):
    BELOW_TARGET = "below_target"
    ABOVE_TARGET = "above_target"
    BELOW_REGULATORY_LIMIT = "below_regulatory_limit"
    ABOVE_REGULATORY_LIMIT = "above_regulatory_limit"
    PHOTOMETER_CALIBRATION_OVERDUE = "photometer_calibration_overdue"
    PHOTOMETER_UNKNOWN = "photometer_unknown"


@dataclass(frozen=True)
class ReadingInput:
    parameter: Parameter
    value: float
    method: Method
    photometer_serial: str = ""


def calibration_overdue(last_calibrated_on: date, today: date) -> bool:
    """Photometers are calibrated yearly: overdue once the anniversary has passed."""
    try:
        anniversary = last_calibrated_on.replace(year=last_calibrated_on.year + 1)
    except ValueError:  # 29 February
        anniversary = last_calibrated_on.replace(year=last_calibrated_on.year + 1, day=28)
    return today > anniversary


def check_readings(readings: list[ReadingInput]) -> None:
    """Physical ranges, one reading per parameter, a photometer named, total ≥ free chlorine
    (422 naming `readings.<n>.<field>`)."""
    fields: dict[str, str] = {}
    seen: dict[Parameter, int] = {}
    for index, reading in enumerate(readings):
        low, high = PHYSICAL[reading.parameter]
        if not low <= reading.value <= high:
            fields[f"readings.{index}.value"] = f"hors plage physique ({low:g} à {high:g})"
        if reading.parameter in seen:
            fields[f"readings.{index}.parameter"] = "mesure en double"
        seen[reading.parameter] = index
        if reading.method is Method.PHOTOMETER and not reading.photometer_serial.strip():
            fields[f"readings.{index}.photometer_serial"] = "numéro de série du photomètre requis"
    free, total = seen.get(Parameter.FREE_CHLORINE), seen.get(Parameter.TOTAL_CHLORINE)
    if free is not None and total is not None and readings[total].value < readings[free].value:
        fields[f"readings.{total}.value"] = "chlore total inférieur au chlore libre"
    if fields:
        raise InvalidArgument("mesures invalides", fields=fields)


def flags_of(
    reading: ReadingInput,
    target: Target | None,
    limit: Target | None,
    photometer_overdue: bool | None,
) -> list[Flag]:
    """`photometer_overdue` is None when the serial is unknown to the office."""
    flags: list[Flag] = []
    if target is not None:
        if target.low is not None and reading.value < target.low:
            flags.append(Flag.BELOW_TARGET)
        if target.high is not None and reading.value > target.high:
            flags.append(Flag.ABOVE_TARGET)
    if limit is not None:
        if limit.low is not None and reading.value < limit.low:
            flags.append(Flag.BELOW_REGULATORY_LIMIT)
        if limit.high is not None and reading.value > limit.high:
            flags.append(Flag.ABOVE_REGULATORY_LIMIT)
    if reading.method is Method.PHOTOMETER:
        if photometer_overdue is None:
            flags.append(Flag.PHOTOMETER_UNKNOWN)
        elif photometer_overdue:
            flags.append(Flag.PHOTOMETER_CALIBRATION_OVERDUE)
    return flags


def unit_of(parameter: Parameter) -> str:
    return UNITS[parameter]
