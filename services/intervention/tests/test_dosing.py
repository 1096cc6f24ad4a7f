"""Dose advice computed by hand: volume * change * grams per m³ / strength, in the product's
unit; professional order; per-visit caps; acid and chlorine never in one step; no shock under a
cover."""

from __future__ import annotations

from decimal import Decimal

from aquaerp_intervention.dosing import Advice, PoolState, Product, Role, advise
from aquaerp_intervention.water_targets import DEFAULT_TARGETS, Parameter

P = Parameter

CATALOGUE = [
    Product("p-ta", "TAC-PLUS", "TAC plus", Role.ALKALINITY_UP, Decimal("100"), "kg"),
    Product("p-phm", "PH-MOINS", "pH moins granulés", Role.PH_DOWN, Decimal("95"), "kg"),
    Product("p-php", "PH-PLUS", "pH plus", Role.PH_UP, Decimal("98"), "kg"),
    Product("p-ca", "CALCIUM", "Chlorure de calcium", Role.HARDNESS_UP, Decimal("77"), "kg"),
    Product("p-cya", "STAB", "Stabilisant", Role.STABILISER, Decimal("99"), "kg"),
    Product("p-chl", "CHL-LIQ", "Chlore liquide 14 %", Role.SANITISER, Decimal("14"), "L"),
    Product("p-chl2", "CHL-LIQ-9", "Chlore liquide 9,6 %", Role.SANITISER, Decimal("9.6"), "L"),
    Product("p-choc", "CHOC", "Chlore choc 65 %", Role.SHOCK, Decimal("65"), "kg"),
]


def pool(volume: float, cover_on: bool = False, **readings: float) -> PoolState:
    return PoolState(
        volume_m3=volume,
        readings={P(k): v for k, v in readings.items()},
        targets=dict(DEFAULT_TARGETS),
        cover_on=cover_on,
    )


def doses(advice: Advice) -> list[tuple[str, str | None, Decimal | None, int]]:
    return [
        (d.role.value, d.product.code if d.product else None, d.quantity, d.step)
        for d in advice.doses
    ]


def test_low_alkalinity_high_ph_low_chlorine_in_professional_order() -> None:
    # 50 m³; TA 60 -> middle 115: 55 mg/L but capped at 40: 50 * 40 * 1.68 / 1.00 = 3360 g.
    # pH 7.8 -> 7.4: 0.4 at TA 60: 50 * 0.4 * 100 * 0.60 / 0.95 = 1263.16 g.
    # free chlorine 0.5 -> 2.0: 1.5 mg/L: 50 * 1.5 * 1 / 0.14 = 535.71 g -> 0.54 L, in step 2
    # (after the acid).
    advice = advise(
        pool(50, total_alkalinity=60, ph=7.8, free_chlorine=0.5, total_chlorine=0.7), CATALOGUE
    )
    assert doses(advice) == [
        ("alkalinity_up", "TAC-PLUS", Decimal("3.36"), 1),
        ("ph_down", "PH-MOINS", Decimal("1.26"), 1),
        ("sanitiser", "CHL-LIQ", Decimal("0.54"), 2),
    ]
    assert advice.doses[0].capped and advice.doses[0].change == 40
    assert not advice.doses[1].capped


def test_ph_dose_is_capped_per_visit_and_chlorine_alone_stays_in_step_one() -> None:
    # pH 6.6 -> 7.4 wants 0.8, capped at 0.4; TA 100: 32 * 0.4 * 100 * 1.0 / 0.98 = 1306.12 g.
    # chlorine 0.2 -> 2.0: 32 * 1.8 / 0.14 = 411.43 g -> 0.41 L; no acid, so same step.
    advice = advise(
        pool(32, ph=6.6, total_alkalinity=100, free_chlorine=0.2, total_chlorine=0.2), CATALOGUE
    )
    assert doses(advice) == [
        ("ph_up", "PH-PLUS", Decimal("1.31"), 1),
        ("sanitiser", "CHL-LIQ", Decimal("0.41"), 1),
    ]
    assert advice.doses[0].capped and advice.doses[0].change == 0.4


def test_combined_chlorine_calls_for_a_breakpoint_shock_but_not_under_the_cover() -> None:
    # Combined chlorine 1.8 - 1.0 = 0.8 > 0.6: shock at 10 * 0.8 = 8 mg/L:
    # 40 * 8 / 0.65 = 492.31 g -> 0.49 kg.
    readings = {"free_chlorine": 1.0, "total_chlorine": 1.8, "ph": 7.4, "total_alkalinity": 100}
    open_pool = advise(pool(40, **readings), CATALOGUE)
    assert doses(open_pool) == [("shock", "CHOC", Decimal("0.49"), 1)]
    covered = advise(pool(40, cover_on=True, **readings), CATALOGUE)
    (shock,) = covered.doses
    assert shock.quantity is None
    assert "couverture" in shock.note


def test_hardness_and_stabiliser_and_a_role_missing_from_the_catalogue() -> None:
    # Calcium 100 -> 275: 175 capped at 100: 60 * 100 * 1.11 / 0.77 = 8649.35 g.
    # CYA 0 -> 35: 35 (under the 30 cap? no: capped at 30): 60 * 30 * 1 / 0.99 = 1818.18 g.
    advice = advise(pool(60, calcium_hardness=100, cyanuric_acid=0), CATALOGUE)
    assert doses(advice) == [
        ("hardness_up", "CALCIUM", Decimal("8.65"), 1),
        ("stabiliser", "STAB", Decimal("1.82"), 1),
    ]
    without = advise(pool(60, calcium_hardness=100), CATALOGUE[:3])
    (missing,) = without.doses
    assert missing.product is None and missing.quantity is None
    assert missing.note == "aucun produit du catalogue pour ce rôle"


def test_the_strongest_product_is_proposed_and_high_values_get_a_note() -> None:
    advice = advise(pool(10, free_chlorine=0.0, total_chlorine=0.0), CATALOGUE)
    assert advice.doses[0].product is not None and advice.doses[0].product.code == "CHL-LIQ"
    high = advise(pool(10, total_alkalinity=220, cyanuric_acid=90), CATALOGUE)
    assert high.doses == []
    assert high.notes == [
        "TAC trop haut : baisser le pH à 7,0 puis aérer",
        "stabilisant trop haut : renouveler une partie de l'eau",
    ]
