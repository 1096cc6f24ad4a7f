"""The stock domain: catalogue items, units and their conversion, movement rules, and the
Certibiocide rule for biocides of product type TP2."""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument


class Family(enum.StrEnum):
    CHEMICAL = "chemical"
    PART = "part"
    EQUIPMENT = "equipment"
    LABOUR = "labour"
    SERVICE = "service"


class DosingRole(enum.StrEnum):
    PH_UP = "ph_up"
    PH_DOWN = "ph_down"
    ALKALINITY_UP = "alkalinity_up"
    HARDNESS_UP = "hardness_up"
    SANITISER = "sanitiser"
    STABILISER = "stabiliser"
    SHOCK = "shock"
    FLOCCULANT = "flocculant"
    ALGAECIDE = "algaecide"


class LocationKind(enum.StrEnum):
    WAREHOUSE = "warehouse"
    VAN = "van"


class MovementKind(enum.StrEnum):
    RECEIPT = "receipt"
    TRANSFER = "transfer"
    CONSUMPTION = "consumption"
    RETURN = "return"
    ADJUSTMENT = "adjustment"
    LOSS = "loss"


# Units a customer can be charged in.
UNITS_OF_SALE = frozenset(
    {"kg", "g", "L", "mL", "pièce", "m", "m²", "h", "forfait", "lot", "sac", "seau", "bidon"}
)
VAT_RATES = frozenset({"20", "10", "5.5", "2.1", "0"})
# The product type of pool-water disinfectants under the EU biocidal products regulation.
CERTIBIOCIDE_PRODUCT_TYPE = "TP2"
REDUCED_VAT_WARNING = (
    "TVA à 10 % : l'entretien et les travaux de piscine relèvent du taux normal de 20 % ; "
    "le taux réduit ne vaut que pour des travaux sur un local d'habitation de plus de deux ans "
    "hors piscine. Vérifiez avant de facturer."
)
_QUANTITY = re.compile(r"^\d{1,9}(\.\d{1,3})?$")
QUANTITY_PLACES = Decimal("0.000001")


def parse_quantity(value: str, path: str, *, allow_zero: bool = False) -> Decimal:
    """A positive decimal quantity with at most 3 decimals; 422 naming `path` otherwise."""
    text = value.strip().replace(",", ".")
    if text.startswith("-"):
        raise InvalidArgument(
            f"{path} : la quantité ne peut pas être négative",
            fields={path: "la quantité ne peut pas être négative"},
        )
    if not _QUANTITY.match(text):
        raise InvalidArgument(
            f"{path} : quantité invalide (ex. 2.5)", fields={path: "quantité invalide (ex. 2.5)"}
        )
    quantity = Decimal(text)
    if quantity == 0 and not allow_zero:
        raise InvalidArgument(
            f"{path} : la quantité doit être positive",
            fields={path: "la quantité doit être positive"},
        )
    return quantity


def format_quantity(value: Decimal) -> str:
    """Quantities as text without trailing zeros ("2.5", "0.333333", "-1")."""
    text = format(value.quantize(QUANTITY_PLACES), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_id(value: str, path: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument(
            f"{path} : identifiant inconnu", fields={path: "identifiant inconnu"}
        ) from None


@dataclass(frozen=True)
class Biocide:
    product_type: str = ""
    authorisation_number: str = ""
    safety_data_sheet_url: str = ""
    pictograms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductDraft:
    code: str
    label: str
    family: Family
    unit_of_sale: str
    unit_of_stock: str
    sale_units_per_stock_unit: Decimal
    vat_rate: str = "20"
    ean: str = ""
    supplier: str = ""
    purchase_price_cents: int = 0
    billable: bool = True
    dosing_role: DosingRole | None = None
    strength_percent: Decimal | None = None
    biocide: Biocide = Biocide()
    van_minimum: Decimal = Decimal(0)
    archived: bool = False
    warehouse_minimum: Decimal = Decimal(0)
    standard_price_cents: int | None = None

    def checked(self) -> ProductDraft:
        problems: dict[str, str] = {}
        if self.unit_of_sale not in UNITS_OF_SALE:
            problems["unit_of_sale"] = "unité inconnue (" + ", ".join(sorted(UNITS_OF_SALE)) + ")"
        if self.vat_rate not in VAT_RATES:
            problems["vat_rate"] = "taux de TVA inconnu (20, 10, 5.5, 2.1 ou 0)"
        if self.sale_units_per_stock_unit <= 0:
            problems["sale_units_per_stock_unit"] = "la conversion doit être positive"
        if self.unit_of_stock == self.unit_of_sale and self.sale_units_per_stock_unit != 1:
            problems["sale_units_per_stock_unit"] = "même unité : la conversion vaut 1"
        if self.family != Family.CHEMICAL and (self.dosing_role or self.strength_percent):
            problems["dosing_role"] = "réservé aux produits chimiques"
        if self.strength_percent is not None and not 0 < self.strength_percent <= 100:
            problems["strength_percent"] = "entre 0 et 100 %"
        if self.biocide.product_type and not self.biocide.authorisation_number:
            problems["biocide.authorisation_number"] = "numéro d'AMM requis pour un biocide"
        if problems:
            raise InvalidArgument(
                "; ".join(f"{k} : {v}" for k, v in problems.items()), fields=problems
            )
        return self

    @property
    def needs_certibiocide(self) -> bool:
        return self.biocide.product_type == CERTIBIOCIDE_PRODUCT_TYPE

    def warnings(self) -> list[str]:
        return [REDUCED_VAT_WARNING] if self.vat_rate == "10" else []


@dataclass(frozen=True)
class Product:
    id: uuid.UUID
    draft: ProductDraft
    average_cost_cents: Decimal
    current_price_cents: int | None
    prices: tuple[Price, ...] = ()

    def to_stock_units(self, quantity: Decimal, unit: str, path: str) -> Decimal:
        """A quantity in `unit` (the unit of sale or of stock) in units of stock."""
        if unit == self.draft.unit_of_stock:
            return quantity
        if unit == self.draft.unit_of_sale:
            return (quantity / self.draft.sale_units_per_stock_unit).quantize(
                QUANTITY_PLACES, rounding=ROUND_HALF_UP
            )
        units = sorted({self.draft.unit_of_sale, self.draft.unit_of_stock})
        raise InvalidArgument(
            f"{path} : unité inconnue pour {self.draft.code} ({' ou '.join(units)})",
            fields={path: f"unité inconnue ({' ou '.join(units)})"},
        )


@dataclass(frozen=True)
class Price:
    contract_id: str
    valid_from: date
    unit_price_cents: int


@dataclass(frozen=True)
class Location:
    code: str
    name: str
    kind: LocationKind
    technician_id: str | None = None
    technician_user_id: str | None = None
    # None until stored.
    id: uuid.UUID | None = None


@dataclass(frozen=True)
class MovementDraft:
    kind: MovementKind
    product_id: uuid.UUID
    quantity: Decimal
    unit: str
    from_location_id: uuid.UUID | None = None
    to_location_id: uuid.UUID | None = None
    lot_number: str = ""
    reason: str = ""
    unit_cost_cents: int | None = None
    intervention_id: str | None = None
    customer_id: str | None = None
    contract_id: str | None = None

    def check_locations(self) -> None:
        """Which side(s) each kind of movement needs."""
        need_from = self.kind in (
            MovementKind.TRANSFER,
            MovementKind.CONSUMPTION,
            MovementKind.LOSS,
        )
        need_to = self.kind in (MovementKind.RECEIPT, MovementKind.TRANSFER, MovementKind.RETURN)
        problems: dict[str, str] = {}
        if need_from and self.from_location_id is None:
            problems["from_location_id"] = "emplacement de départ requis"
        if need_to and self.to_location_id is None:
            problems["to_location_id"] = "emplacement d'arrivée requis"
        if self.kind == MovementKind.ADJUSTMENT and (self.from_location_id is None) == (
            self.to_location_id is None
        ):
            problems["to_location_id"] = "un seul emplacement : départ (baisse) ou arrivée (hausse)"
        if not need_from and self.kind != MovementKind.ADJUSTMENT and self.from_location_id:
            problems["from_location_id"] = "pas d'emplacement de départ pour ce mouvement"
        if not need_to and self.kind != MovementKind.ADJUSTMENT and self.to_location_id:
            problems["to_location_id"] = "pas d'emplacement d'arrivée pour ce mouvement"
        if self.from_location_id and self.from_location_id == self.to_location_id:
            problems["to_location_id"] = "identique à l'emplacement de départ"
        if self.kind in (MovementKind.ADJUSTMENT, MovementKind.LOSS) and not self.reason.strip():
            problems["reason"] = "motif requis"
        if problems:
            raise InvalidArgument(
                "; ".join(f"{k} : {v}" for k, v in problems.items()), fields=problems
            )


@dataclass(frozen=True)
class Movement:
    id: uuid.UUID
    draft: MovementDraft
    unit_cost_cents: Decimal
    recorded_at: datetime
    recorded_by: str
    negative_stock: bool
    unit_of_stock: str = ""


@dataclass(frozen=True)
class StockLevel:
    product_id: uuid.UUID
    product_code: str
    product_label: str
    location_id: uuid.UUID
    location_code: str
    quantity: Decimal
    unit: str
    below_minimum: bool


@dataclass(frozen=True)
class Certificate:
    technician_id: str
    number: str
    expires_on: date


def check_certibiocide(
    product: Product, technician_id: str | None, certificate: Certificate | None, today: date
) -> None:
    """A TP2 biocide goes into, or is used from, the van of a certified technician only."""
    if not product.draft.needs_certibiocide or technician_id is None:
        return
    if certificate is None:
        raise FailedPrecondition(
            f"{product.draft.label} est un biocide {CERTIBIOCIDE_PRODUCT_TYPE} : le technicien "
            "n'a pas de Certibiocide enregistré, mouvement refusé.",
            fields={"product_id": "Certibiocide requis"},
        )
    if certificate.expires_on < today:
        raise FailedPrecondition(
            f"{product.draft.label} est un biocide {CERTIBIOCIDE_PRODUCT_TYPE} : le Certibiocide "
            f"n° {certificate.number} du technicien a expiré le "
            f"{certificate.expires_on.strftime('%d/%m/%Y')}, mouvement refusé.",
            fields={"product_id": "Certibiocide expiré"},
        )


@dataclass
class VisitConsumption:
    intervention_id: str
    event_id: str
    technician_id: str
    customer_id: str | None
    contract_id: str | None
    items: list[tuple[uuid.UUID, Decimal]] = field(default_factory=list)


def weighted_average(
    on_hand: Decimal, average_cents: Decimal, received: Decimal, unit_cost_cents: int
) -> Decimal:
    """The average cost after a receipt (stock below zero counts as none)."""
    held = max(on_hand, Decimal(0))
    total = held + received
    if total <= 0:
        return Decimal(unit_cost_cents)
    value = held * average_cents + received * unit_cost_cents
    return (value / total).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def parse_decimal(value: str, path: str) -> Decimal | None:
    if not value.strip():
        return None
    try:
        return Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise InvalidArgument(
            f"{path} : nombre invalide", fields={path: "nombre invalide"}
        ) from None
