"""The traffic-light level of a reading in the customer's service report (service_report.py):
green within the target, amber outside by at most 10 % of the bound passed, red beyond that or
beyond a regulatory limit, nothing without a target."""

from __future__ import annotations

import pytest
from aquaerp_intervention.service_report import AMBER, GREEN, RED, level


@pytest.mark.parametrize(
    ("value", "low", "high", "flags", "expected"),
    [
        (7.2, 7.0, 7.4, [], GREEN),
        (7.0, 7.0, 7.4, [], GREEN),  # the bounds are in the target
        (7.9, 7.0, 7.4, [], AMBER),  # 7.4 * 1.1 = 8.14
        (8.2, 7.0, 7.4, [], RED),
        (0.9, 1.0, 3.0, [], AMBER),  # 1.0 * 0.9 = 0.9
        (0.85, 1.0, 3.0, [], RED),
        (2.0, None, 3.0, [], GREEN),
        (3.2, None, 3.0, [], AMBER),
        (2.0, 1.0, 3.0, ["above_regulatory_limit"], RED),
        (5.0, None, None, [], ""),
    ],
)
def test_reading_levels(
    value: float, low: float | None, high: float | None, flags: list[str], expected: str
) -> None:
    assert level(value, low, high, flags) == expected
