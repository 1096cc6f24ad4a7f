"""The Langelier saturation index against published worked examples (±0.1)."""

from __future__ import annotations

import pytest
from aquaerp_intervention.water_balance import (
    BalanceError,
    Verdict,
    WaterSample,
    water_balance,
)


def test_lenntech_carrier_example_at_25_c_is_corrosive() -> None:
    # Lenntech, "Langelier Saturation Index calculator" (after Carrier, Handbook of Air
    # Conditioning System Design, 1965): pH 7.5, TDS 320 mg/L, calcium 150 mg/L and
    # alkalinity 34 mg/L as CaCO3, 25 °C -> pHs = (9.3 + 0.15 + 2.09) - (1.78 + 1.53) = 8.2,
    # LSI = -0.7.
    balance = water_balance(WaterSample(7.5, 25, 150, 34, tds_mg_l=320))
    assert balance.saturation_ph == pytest.approx(8.2, abs=0.1)
    assert balance.lsi == pytest.approx(-0.7, abs=0.1)
    assert balance.verdict is Verdict.CORROSIVE


def test_lenntech_carrier_example_at_82_c_is_scaling() -> None:
    # Same water heated to 82 °C: B = 1.09, pHs = 7.2, LSI = +0.3 (published "+0.3, slightly
    # scale forming").
    balance = water_balance(WaterSample(7.5, 82, 150, 34, tds_mg_l=320))
    assert balance.saturation_ph == pytest.approx(7.2, abs=0.1)
    assert balance.lsi == pytest.approx(0.3, abs=0.1)


def test_cpo_sample_problem_one_is_corrosive() -> None:
    # Pool Operation Management, CPO sample problems "Saturation index", problem 1: TA 50 ppm,
    # pH 7.0, calcium hardness 200 ppm, 76 °F (24.4 °C) -> SI = -0.9 (corrosive). The chart
    # method's constant 12.1 stands for a TDS of about 500-1000 mg/L.
    balance = water_balance(WaterSample(7.0, (76 - 32) * 5 / 9, 200, 50, tds_mg_l=500))
    assert balance.lsi == pytest.approx(-0.9, abs=0.1)
    assert balance.verdict is Verdict.CORROSIVE


def test_cyanuric_acid_is_taken_off_the_alkalinity() -> None:
    # TA 100 with 60 mg/L of cyanuric acid: carbonate alkalinity 100 - 60/3 = 80, so the
    # index is lower by log10(100/80) = 0.097 than without stabiliser.
    plain = water_balance(WaterSample(7.5, 26, 250, 100, 0, 1000))
    stabilised = water_balance(WaterSample(7.5, 26, 250, 100, 60, 1000))
    assert stabilised.carbonate_alkalinity_mg_l == 80
    assert plain.lsi - stabilised.lsi == pytest.approx(0.097, abs=0.01)


def test_what_to_adjust_first() -> None:
    low_ph = water_balance(WaterSample(6.8, 24, 200, 100, tds_mg_l=1000))
    assert (low_ph.verdict, low_ph.adjust_first) == (Verdict.CORROSIVE, "ph")
    low_ta = water_balance(WaterSample(7.3, 24, 150, 40, tds_mg_l=1000))
    assert (low_ta.verdict, low_ta.adjust_first) == (Verdict.CORROSIVE, "total_alkalinity")
    high_ph = water_balance(WaterSample(8.2, 30, 400, 120, tds_mg_l=1500))
    assert (high_ph.verdict, high_ph.adjust_first) == (Verdict.SCALING, "ph")
    balanced = water_balance(WaterSample(7.4, 27, 250, 100, 30, 1000))
    assert (balanced.verdict, balanced.adjust_first) == (Verdict.BALANCED, "")


def test_alkalinity_fully_cyanurate_cannot_be_balanced() -> None:
    with pytest.raises(BalanceError) as error:
        water_balance(WaterSample(7.4, 27, 250, 20, 90))
    assert error.value.field == "total_alkalinity"
