"""Cost of the water test's domain work per pool stop: the Langelier index and the dose advice
(`water_balance`, `advise` over a 40-product catalogue), against the report's existing
measurement check (`check_measurements`) on the same readings, in the same run. Pure CPU, no
I/O: it tells whether the advice can run on every save of a water test.

Usage: uv run python bench/water_advice.py [--stops 20000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import time
from decimal import Decimal

from aquaerp_intervention.dosing import PoolState, Product, Role, advise
from aquaerp_intervention.measurements import Measurements, check_measurements
from aquaerp_intervention.water_balance import WaterSample, water_balance
from aquaerp_intervention.water_targets import DEFAULT_TARGETS, Parameter


def catalogue(rng: random.Random) -> list[Product]:
    roles = list(Role)
    return [
        Product(
            f"p{i}",
            f"CHEM-{i:02d}",
            f"Produit {i}",
            roles[i % len(roles)],
            Decimal(rng.choice(["14", "56", "65", "90", "95", "100"])),
            rng.choice(["kg", "L"]),
        )
        for i in range(40)
    ]


def stops(rng: random.Random, count: int) -> list[dict[Parameter, float]]:
    return [
        {
            Parameter.PH: round(rng.uniform(6.6, 8.2), 1),
            Parameter.FREE_CHLORINE: round(rng.uniform(0, 4), 1),
            Parameter.TOTAL_CHLORINE: round(rng.uniform(4, 5), 1),
            Parameter.TOTAL_ALKALINITY: rng.randrange(40, 200),
            Parameter.CALCIUM_HARDNESS: rng.randrange(80, 500),
            Parameter.CYANURIC_ACID: rng.randrange(0, 90),
            Parameter.TEMPERATURE: rng.randrange(12, 32),
        }
        for _ in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stops", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    products, readings = catalogue(rng), stops(rng, options.stops)

    started = time.perf_counter()
    for r in readings:
        check_measurements(
            Measurements(
                ph=r[Parameter.PH],
                free_chlorine_mg_l=r[Parameter.FREE_CHLORINE],
                total_chlorine_mg_l=r[Parameter.TOTAL_CHLORINE],
                tac_mg_l=r[Parameter.TOTAL_ALKALINITY],
                cyanuric_acid_mg_l=r[Parameter.CYANURIC_ACID],
                temperature_c=r[Parameter.TEMPERATURE],
            )
        )
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    doses = 0
    for r in readings:
        water_balance(
            WaterSample(
                r[Parameter.PH],
                r[Parameter.TEMPERATURE],
                r[Parameter.CALCIUM_HARDNESS],
                r[Parameter.TOTAL_ALKALINITY],
                r[Parameter.CYANURIC_ACID],
            )
        )
        doses += len(advise(PoolState(50.0, r, dict(DEFAULT_TARGETS)), products).doses)
    advice = time.perf_counter() - started

    n = options.stops
    print(f"{n} stops, {doses} doses advised")
    print(f"measurement check (baseline): {baseline / n * 1e6:8.1f} µs/stop")
    print(f"LSI + dose advice:            {advice / n * 1e6:8.1f} µs/stop")
    print(f"ratio advice / baseline:      {advice / baseline:8.1f}x")


if __name__ == "__main__":
    main()
