"""Water balance: the Langelier saturation index (LSI) of a pool's water.

Formula (Langelier 1936, in the form of Carrier, *Handbook of Air Conditioning System Design*,
1965, as published by Lenntech's LSI calculator):

    LSI = pH - pHs
    pHs = (9.3 + A + B) - (C + D)
    A = (log10(TDS) - 1) / 10                 TDS in mg/L
    B = -13.12 * log10(T + 273) + 34.55       T in °C
    C = log10(calcium hardness as CaCO3) - 0.4
    D = log10(carbonate alkalinity as CaCO3)

In pool water part of the measured total alkalinity is cyanurate, not carbonate: the carbonate
alkalinity is TA - CYA / 3 (the pool trade's correction at the usual pH 7.2-7.8, used by Taylor
Technologies and the CPO handbook). Pure: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

# The pool trade calls water balanced within ±0.3 (CPO handbook, Taylor); beyond it the water
# dissolves (corrosive) or deposits (scaling) calcium carbonate.
BALANCED_BAND = 0.3
# TDS assumed when none was measured (typical fresh tap-water pool).
DEFAULT_TDS_MG_L = 1000.0


class Verdict(StrEnum):
    CORROSIVE = "corrosive"
    BALANCED = "balanced"
    SCALING = "scaling"


@dataclass(frozen=True)
class WaterSample:
    ph: float
    temperature_c: float
    calcium_hardness_mg_l: float
    total_alkalinity_mg_l: float
    cyanuric_acid_mg_l: float = 0.0
    tds_mg_l: float | None = None


@dataclass(frozen=True)
class Balance:
    lsi: float
    saturation_ph: float
    carbonate_alkalinity_mg_l: float
    verdict: Verdict
    # The parameter to adjust first ("" when balanced) and why, in French.
    adjust_first: str
    advice: str


class BalanceError(ValueError):
    """A value the formula cannot use (a logarithm of zero or less); `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def carbonate_alkalinity(total_alkalinity: float, cyanuric_acid: float) -> float:
    return total_alkalinity - cyanuric_acid / 3


def saturation_ph(sample: WaterSample) -> tuple[float, float]:
    """pHs and the carbonate alkalinity it used."""
    tds = sample.tds_mg_l if sample.tds_mg_l is not None else DEFAULT_TDS_MG_L
    alkalinity = carbonate_alkalinity(sample.total_alkalinity_mg_l, sample.cyanuric_acid_mg_l)
    if tds <= 0:
        raise BalanceError("tds", "le TDS doit être positif")
    if sample.calcium_hardness_mg_l <= 0:
        raise BalanceError("calcium_hardness", "la dureté calcique doit être positive")
    if alkalinity <= 0:
        raise BalanceError(
            "total_alkalinity", "l'alcalinité carbonatée (TAC - stabilisant/3) doit être positive"
        )
    a = (math.log10(tds) - 1) / 10
    b = -13.12 * math.log10(sample.temperature_c + 273) + 34.55
    c = math.log10(sample.calcium_hardness_mg_l) - 0.4
    d = math.log10(alkalinity)
    return (9.3 + a + b) - (c + d), alkalinity


def water_balance(sample: WaterSample, ph_target: tuple[float, float] = (7.2, 7.6)) -> Balance:
    """The index, its verdict and what to adjust first.

    What first: the pH when it is outside its target (the cheapest and fastest lever, and the
    one every other dose depends on), else the alkalinity when low/high water is corrosive/
    scaling, else the calcium hardness."""
    ph_s, alkalinity = saturation_ph(sample)
    lsi = sample.ph - ph_s
    if lsi < -BALANCED_BAND:
        verdict = Verdict.CORROSIVE
    elif lsi > BALANCED_BAND:
        verdict = Verdict.SCALING
    else:
        verdict = Verdict.BALANCED
    adjust, advice = "", "eau équilibrée"
    if verdict is not Verdict.BALANCED:
        low_ph, high_ph = ph_target
        corrosive = verdict is Verdict.CORROSIVE
        if corrosive and sample.ph < low_ph:
            adjust, advice = "ph", "remonter le pH dans sa plage"
        elif not corrosive and sample.ph > high_ph:
            adjust, advice = "ph", "baisser le pH dans sa plage"
        elif corrosive and sample.total_alkalinity_mg_l < 80:
            adjust, advice = "total_alkalinity", "remonter le TAC (bicarbonate de sodium)"
        elif not corrosive and sample.total_alkalinity_mg_l > 150:
            adjust, advice = "total_alkalinity", "baisser le TAC (acide, aération)"
        elif corrosive:
            adjust, advice = "calcium_hardness", "remonter la dureté calcique (chlorure de calcium)"
        else:
            adjust, advice = "calcium_hardness", "baisser la dureté calcique (renouvellement d'eau)"
    return Balance(
        lsi=round(lsi, 2),
        saturation_ph=round(ph_s, 2),
        carbonate_alkalinity_mg_l=round(alkalinity, 1),
        verdict=verdict,
        adjust_first=adjust,
        advice=advice,
    )
