"""The water test as the report PDF shows it: each reading against its target, with its flags
and method, and the water balance of each installation, in French."""

from __future__ import annotations

from itertools import groupby

from .measurements import french_number
from .report_pdf import MeasurementLine
from .water_balance import BalanceError, Verdict, WaterSample, water_balance
from .water_repository import ReadingRow
from .water_targets import Parameter

LABELS = {
    Parameter.PH: "pH",
    Parameter.FREE_CHLORINE: "Chlore libre",
    Parameter.TOTAL_CHLORINE: "Chlore total",
    Parameter.COMBINED_CHLORINE: "Chlore combiné",
    Parameter.TOTAL_BROMINE: "Brome total",
    Parameter.TOTAL_ALKALINITY: "TAC",
    Parameter.CALCIUM_HARDNESS: "Dureté calcique",
    Parameter.CYANURIC_ACID: "Stabilisant",
    Parameter.SALT: "Sel",
    Parameter.TEMPERATURE: "Température",
    Parameter.TDS: "TDS",
}
METHODS = {"strips": "bandelette", "drops": "gouttes", "photometer": "photomètre", "probe": "sonde"}
FLAGS = {
    "above_regulatory_limit": "au-delà de la limite réglementaire",
    "below_regulatory_limit": "en deçà de la limite réglementaire",
    "photometer_calibration_overdue": "photomètre à réétalonner",
    "photometer_unknown": "photomètre inconnu",
}
VERDICTS = {
    Verdict.CORROSIVE: "eau agressive",
    Verdict.BALANCED: "eau équilibrée",
    Verdict.SCALING: "eau entartrante",
}


def _unit(row: ReadingRow) -> str:
    return "" if row.unit == "pH" else row.unit


def _target(row: ReadingRow) -> str:
    low, high = row.target_low, row.target_high
    if low is not None and high is not None:
        return f"{french_number(low)} à {french_number(high)} {_unit(row)}".strip()
    if high is not None:
        return f"≤ {french_number(high)} {_unit(row)}".strip()
    if low is not None:
        return f"≥ {french_number(low)} {_unit(row)}".strip()
    return ""


def water_section(readings: list[ReadingRow]) -> tuple[list[MeasurementLine], list[str]]:
    lines: list[MeasurementLine] = []
    notes: list[str] = []
    for _, group in groupby(readings, key=lambda r: r.installation_id):
        rows = list(group)
        for row in rows:
            details = [METHODS.get(row.method, row.method)]
            details += [FLAGS[f] for f in row.flags if f in FLAGS]
            lines.append(
                MeasurementLine(
                    label=f"{LABELS[Parameter(row.parameter)]} ({', '.join(details)})",
                    value=french_number(row.value),
                    unit=_unit(row),
                    recommended=_target(row),
                    warning=bool(row.flags),
                )
            )
        values = {Parameter(r.parameter): r.value for r in rows}
        try:
            balance = water_balance(
                WaterSample(
                    values[Parameter.PH],
                    values[Parameter.TEMPERATURE],
                    values[Parameter.CALCIUM_HARDNESS],
                    values[Parameter.TOTAL_ALKALINITY],
                    values.get(Parameter.CYANURIC_ACID, 0.0),
                    values.get(Parameter.TDS),
                )
            )
        except (KeyError, BalanceError):
            continue
        notes.append(
            f"Indice de Langelier {french_number(balance.lsi)} : {VERDICTS[balance.verdict]}"
            + (f" ({balance.advice})" if balance.adjust_first else "")
        )
    return lines, notes
