"""Dose advice: for each parameter out of its target, the catalogue product with that dosing role,
the quantity for this pool in the product's unit, in the order professionals apply them, within
a per-visit cap and the safety rules. Pure: no I/O.

Quantity = volume (m³) * change (in the parameter's unit) * grams of the role's usual active
substance per m³ and unit of change / the product's strength (fraction of active substance),
expressed in the product's unit (kg or L: 1000 g; a liquid's strength is read as grams of
active substance per 100 mL, as suppliers label them; g: 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .water_targets import Parameter, Target


class Role(StrEnum):
    PH_UP = "ph_up"
    PH_DOWN = "ph_down"
    ALKALINITY_UP = "alkalinity_up"
    HARDNESS_UP = "hardness_up"
    SANITISER = "sanitiser"
    STABILISER = "stabiliser"
    SHOCK = "shock"


# Grams of the usual active substance per m³ for one unit of change.
# - pH ±0.1 (sodium bisulfate / sodium carbonate): 10 g/m³ at a TA of 100 mg/L, scaled by TA/100
#   (the water's buffer); the coefficient below is per pH unit.
# - TA +1 mg/L CaCO3: 1.68 g of sodium bicarbonate (84 g/mol per 50 g/eq of CaCO3).
# - calcium hardness +1 mg/L CaCO3: 1.11 g of calcium chloride (111 g/mol per 100 g/mol).
# - chlorine +1 mg/L: 1 g of available chlorine; cyanuric acid +1 mg/L: 1 g.
GRAMS_PER_M3_AND_UNIT: dict[Role, float] = {
    Role.PH_UP: 100.0,
    Role.PH_DOWN: 100.0,
    Role.ALKALINITY_UP: 1.68,
    Role.HARDNESS_UP: 1.11,
    Role.SANITISER: 1.0,
    Role.STABILISER: 1.0,
    Role.SHOCK: 1.0,
}

# Most change one visit may bring, in the parameter's unit (beyond, the water needs mixing and
# a new reading first; the rest is left for the next visit).
CAP_PER_VISIT: dict[Role, float] = {
    Role.PH_UP: 0.4,
    Role.PH_DOWN: 0.4,
    Role.ALKALINITY_UP: 40.0,
    Role.HARDNESS_UP: 100.0,
    Role.SANITISER: 5.0,
    Role.STABILISER: 30.0,
    Role.SHOCK: 15.0,
}

# Professional order: alkalinity buffers the pH, the pH sets chlorine's efficiency, hardness and
# stabiliser next, chlorine last.
ORDER: tuple[Role, ...] = (
    Role.ALKALINITY_UP,
    Role.PH_DOWN,
    Role.PH_UP,
    Role.HARDNESS_UP,
    Role.STABILISER,
    Role.SHOCK,
    Role.SANITISER,
)
ACIDS = frozenset({Role.PH_DOWN})
CHLORINES = frozenset({Role.SANITISER, Role.SHOCK})
# Breakpoint chlorination: 10 * the combined chlorine.
BREAKPOINT_FACTOR = 10.0


@dataclass(frozen=True)
class Product:
    id: str
    code: str
    label: str
    role: Role
    strength_percent: Decimal
    unit: str


@dataclass(frozen=True)
class PoolState:
    volume_m3: float
    readings: dict[Parameter, float]
    targets: dict[Parameter, Target]
    cover_on: bool = False
    sanitiser: str = "chlorine"


@dataclass(frozen=True)
class Dose:
    parameter: Parameter
    role: Role
    # Change brought by this dose (in the parameter's unit), after the cap.
    change: float
    product: Product | None
    quantity: Decimal | None
    unit: str
    # 1, 2...: doses of step 2 wait for a filtration cycle after step 1.
    step: int
    capped: bool = False
    # Why there is no quantity, or a warning, in French.
    note: str = ""


@dataclass
class Advice:
    doses: list[Dose] = field(default_factory=list)
    # Out of target with nothing to add (lowering TA, CYA, hardness...): what to do, in French.
    notes: list[str] = field(default_factory=list)


def quantity(
    volume_m3: float, change: float, role: Role, product: Product, buffer: float = 1.0
) -> Decimal:
    """The product's quantity, in its unit, rounded to 0.01 (up from half); `buffer` scales
    a pH dose by the water's alkalinity (TA / 100)."""
    strength = float(product.strength_percent) / 100
    grams = volume_m3 * change * GRAMS_PER_M3_AND_UNIT[role] * buffer / strength
    per_unit = 1.0 if product.unit.strip().lower() == "g" else 1000.0
    return Decimal(str(grams / per_unit)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _pick(products: list[Product], role: Role) -> Product | None:
    """The strongest product of the role (least to carry and pour); the code breaks ties."""
    candidates = [p for p in products if p.role == role and p.strength_percent > 0]
    if not candidates:
        return None
    return sorted(candidates, key=lambda p: (-p.strength_percent, p.code))[0]


def _needs(state: PoolState) -> list[tuple[Parameter, Role, float]]:
    """(parameter, role, wanted change) for each parameter out of target that a product fixes;
    the change aims at the middle of the range."""
    needs: list[tuple[Parameter, Role, float]] = []
    r, t = state.readings, state.targets

    def below(p: Parameter) -> float | None:
        low = t[p].low if p in t else None
        if p in r and low is not None and r[p] < low:
            return (t[p].middle or 0) - r[p]
        return None

    def above(p: Parameter) -> float | None:
        high = t[p].high if p in t else None
        if p in r and high is not None and r[p] > high:
            return r[p] - (t[p].middle or 0)
        return None

    if (change := below(Parameter.TOTAL_ALKALINITY)) is not None:
        needs.append((Parameter.TOTAL_ALKALINITY, Role.ALKALINITY_UP, change))
    if (change := above(Parameter.PH)) is not None:
        needs.append((Parameter.PH, Role.PH_DOWN, change))
    if (change := below(Parameter.PH)) is not None:
        needs.append((Parameter.PH, Role.PH_UP, change))
    if (change := below(Parameter.CALCIUM_HARDNESS)) is not None:
        needs.append((Parameter.CALCIUM_HARDNESS, Role.HARDNESS_UP, change))
    if (change := below(Parameter.CYANURIC_ACID)) is not None:
        needs.append((Parameter.CYANURIC_ACID, Role.STABILISER, change))
    combined = r.get(Parameter.COMBINED_CHLORINE)
    if combined is None and Parameter.TOTAL_CHLORINE in r and Parameter.FREE_CHLORINE in r:
        combined = max(0.0, r[Parameter.TOTAL_CHLORINE] - r[Parameter.FREE_CHLORINE])
    limit = t.get(Parameter.COMBINED_CHLORINE)
    if combined is not None and limit and limit.high is not None and combined > limit.high:
        needs.append((Parameter.COMBINED_CHLORINE, Role.SHOCK, BREAKPOINT_FACTOR * combined))
    elif (change := below(Parameter.FREE_CHLORINE)) is not None:
        needs.append((Parameter.FREE_CHLORINE, Role.SANITISER, change))
    return needs


def _without_product_notes(state: PoolState) -> list[str]:
    notes = []
    r, t = state.readings, state.targets
    for p, text in (
        (Parameter.TOTAL_ALKALINITY, "TAC trop haut : baisser le pH à 7,0 puis aérer"),
        (Parameter.CALCIUM_HARDNESS, "dureté trop haute : renouveler une partie de l'eau"),
        (Parameter.CYANURIC_ACID, "stabilisant trop haut : renouveler une partie de l'eau"),
        (Parameter.FREE_CHLORINE, "chlore trop haut : arrêter le chlore, laisser baisser"),
        (Parameter.TDS, "TDS trop haut : renouveler une partie de l'eau"),
    ):
        high = t[p].high if p in t else None
        if p in r and high is not None and r[p] > high:
            notes.append(text)
    return notes


def advise(state: PoolState, products: list[Product]) -> Advice:
    """The doses in application order. Safety: acid and chlorine never in the same step (the
    chlorine waits for the next step); no shock while the cover is on (the dose is given
    without a quantity and says why)."""
    advice = Advice(notes=_without_product_notes(state))
    wanted = sorted(_needs(state), key=lambda need: ORDER.index(need[1]))
    acid_given = False
    for parameter, role, change in wanted:
        cap = CAP_PER_VISIT[role]
        capped = change > cap + 1e-9
        change = min(change, cap)
        step = 2 if role in CHLORINES and acid_given else 1
        product = _pick(products, role)
        if role is Role.SHOCK and state.cover_on:
            advice.doses.append(
                Dose(
                    parameter,
                    role,
                    change,
                    product,
                    None,
                    product.unit if product else "",
                    step,
                    capped,
                    "retirer la couverture avant la chloration choc",
                )
            )
            continue
        if product is None:
            advice.doses.append(
                Dose(
                    parameter,
                    role,
                    change,
                    None,
                    None,
                    "",
                    step,
                    capped,
                    "aucun produit du catalogue pour ce rôle",
                )
            )
            continue
        buffer = 1.0
        if role in (Role.PH_UP, Role.PH_DOWN):
            buffer = state.readings.get(Parameter.TOTAL_ALKALINITY, 100.0) / 100.0
        amount = quantity(state.volume_m3, change, role, product, buffer)
        advice.doses.append(
            Dose(
                parameter,
                role,
                change,
                product,
                amount,
                product.unit,
                step,
                capped,
                "dose plafonnée pour cette visite" if capped else "",
            )
        )
        acid_given = acid_given or role in ACIDS
    return advice
