"""Stock metrics for its dashboard: ledger movements written, and movements refused by the
stock or biocide rules."""

from __future__ import annotations

from prometheus_client import Counter

MOVEMENTS = Counter(
    "aquaerp_stock_movements_total",
    "Ledger movements written, by kind and whether they left a balance below zero",
    ["kind", "negative"],
)
REFUSED = Counter(
    "aquaerp_stock_refused_movements_total",
    "Movements refused: insufficient stock or a TP2 biocide without a valid Certibiocide",
    ["reason"],
)
