"""Between the stock protos and the domain: requests in, views out."""

from __future__ import annotations

from decimal import Decimal

from aquaerp.stock.v1 import stock_pb2 as pb
from aquaerp_runtime.convert import date_message, enum_map, money, timestamp, to_cents
from aquaerp_runtime.errors import InvalidArgument

from .domain import (
    Biocide,
    Certificate,
    DosingRole,
    Family,
    Location,
    LocationKind,
    Movement,
    MovementDraft,
    MovementKind,
    Product,
    ProductDraft,
    StockLevel,
    format_quantity,
    parse_decimal,
    parse_id,
    parse_quantity,
)
from .service import Quote

FAMILIES = enum_map(pb.Family, Family)
DOSING_ROLES = enum_map(pb.DosingRole, DosingRole)
LOCATION_KINDS = enum_map(pb.LocationKind, LocationKind)
MOVEMENT_KINDS = enum_map(pb.MovementKind, MovementKind)


def _cents(value: Decimal) -> int:
    return int(value.to_integral_value())


def product_draft(message: pb.ProductInput) -> ProductDraft:
    conversion = parse_decimal(message.sale_units_per_stock_unit, "sale_units_per_stock_unit")
    strength = parse_decimal(message.strength_percent, "strength_percent")
    minimum = (
        parse_quantity(message.van_minimum, "van_minimum", allow_zero=True)
        if message.van_minimum
        else Decimal(0)
    )
    return ProductDraft(
        code=message.code.strip().upper(),
        label=message.label.strip(),
        family=FAMILIES.to_python(message.family, "family"),
        unit_of_sale=message.unit_of_sale.strip(),
        unit_of_stock=message.unit_of_stock.strip() or message.unit_of_sale.strip(),
        sale_units_per_stock_unit=conversion if conversion is not None else Decimal(1),
        vat_rate=message.vat_rate or "20",
        ean=message.ean,
        supplier=message.supplier.strip(),
        purchase_price_cents=(
            to_cents(message.purchase_price, "purchase_price")
            if message.HasField("purchase_price")
            else 0
        ),
        billable=message.billable,
        dosing_role=DOSING_ROLES.optional(message.dosing_role),
        strength_percent=strength,
        biocide=Biocide(
            message.biocide.product_type,
            message.biocide.authorisation_number.strip(),
            message.biocide.safety_data_sheet_url.strip(),
            tuple(message.biocide.pictograms),
        ),
        van_minimum=minimum,
        archived=message.archived,
        warehouse_minimum=(
            parse_quantity(message.warehouse_minimum, "warehouse_minimum", allow_zero=True)
            if message.warehouse_minimum
            else Decimal(0)
        ),
        standard_price_cents=(
            to_cents(message.standard_price, "standard_price")
            if message.HasField("standard_price")
            else None
        ),
    )


def product_message(product: Product) -> pb.Product:
    draft = product.draft
    message = pb.Product(
        id=str(product.id),
        product=pb.ProductInput(
            code=draft.code,
            label=draft.label,
            family=FAMILIES.to_proto(draft.family),
            unit_of_sale=draft.unit_of_sale,
            unit_of_stock=draft.unit_of_stock,
            sale_units_per_stock_unit=format_quantity(draft.sale_units_per_stock_unit),
            vat_rate=draft.vat_rate,
            ean=draft.ean,
            supplier=draft.supplier,
            purchase_price=money(draft.purchase_price_cents),
            billable=draft.billable,
            dosing_role=(
                DOSING_ROLES.to_proto(draft.dosing_role)
                if draft.dosing_role
                else pb.DOSING_ROLE_UNSPECIFIED
            ),
            strength_percent=(
                format_quantity(draft.strength_percent)
                if draft.strength_percent is not None
                else ""
            ),
            van_minimum=format_quantity(draft.van_minimum),
            archived=draft.archived,
            warehouse_minimum=format_quantity(draft.warehouse_minimum),
        ),
        prices=[
            pb.Price(
                contract_id=price.contract_id,
                valid_from=date_message(price.valid_from),
                unit_price=money(price.unit_price_cents),
            )
            for price in product.prices
        ],
        average_cost=money(_cents(product.average_cost_cents)),
        warnings=draft.warnings(),
        needs_certibiocide=draft.needs_certibiocide,
    )
    if draft.biocide.product_type:
        message.product.biocide.CopyFrom(
            pb.Biocide(
                product_type=draft.biocide.product_type,
                authorisation_number=draft.biocide.authorisation_number,
                safety_data_sheet_url=draft.biocide.safety_data_sheet_url,
                pictograms=list(draft.biocide.pictograms),
            )
        )
    if product.current_price_cents is not None:
        message.current_price.CopyFrom(money(product.current_price_cents))
    return message


def quote_message(quote: Quote) -> pb.Quote:
    draft = quote.product.draft
    return pb.Quote(
        product_id=str(quote.product.id),
        code=draft.code,
        label=draft.label,
        unit=draft.unit_of_sale,
        unit_price=money(quote.unit_price_cents),
        vat_rate=draft.vat_rate,
        billable=draft.billable,
        price_list=quote.price_list,
    )


def location_draft(message: pb.LocationInput) -> Location:
    technician_id = message.technician_id.strip()
    if technician_id:
        parse_id(technician_id, "technician_id")
    return Location(
        code=message.code.strip().upper(),
        name=message.name.strip(),
        kind=LOCATION_KINDS.to_python(message.kind, "kind"),
        technician_id=technician_id or None,
        technician_user_id=message.technician_user_id.strip() or None,
    )


def location_message(location: Location) -> pb.Location:
    return pb.Location(
        id=str(location.id or ""),
        location=pb.LocationInput(
            code=location.code,
            name=location.name,
            kind=LOCATION_KINDS.to_proto(location.kind),
            technician_id=location.technician_id or "",
            technician_user_id=location.technician_user_id or "",
        ),
    )


def movement_draft(message: pb.MovementInput) -> MovementDraft:
    kind = MOVEMENT_KINDS.to_python(message.kind, "kind")
    if not message.unit.strip():
        raise InvalidArgument("unit : unité requise", fields={"unit": "unité requise"})
    return MovementDraft(
        kind=kind,
        product_id=parse_id(message.product_id, "product_id"),
        quantity=parse_quantity(message.quantity, "quantity"),
        unit=message.unit.strip(),
        from_location_id=(
            parse_id(message.from_location_id, "from_location_id")
            if message.from_location_id
            else None
        ),
        to_location_id=(
            parse_id(message.to_location_id, "to_location_id") if message.to_location_id else None
        ),
        lot_number=message.lot_number,
        reason=message.reason,
        unit_cost_cents=(
            to_cents(message.unit_cost, "unit_cost") if message.HasField("unit_cost") else None
        ),
        intervention_id=message.intervention_id or None,
    )


def movement_message(movement: Movement) -> pb.Movement:
    draft = movement.draft
    return pb.Movement(
        id=str(movement.id),
        movement=pb.MovementInput(
            kind=MOVEMENT_KINDS.to_proto(draft.kind),
            product_id=str(draft.product_id),
            quantity=format_quantity(draft.quantity),
            unit=movement.unit_of_stock,
            from_location_id=str(draft.from_location_id) if draft.from_location_id else "",
            to_location_id=str(draft.to_location_id) if draft.to_location_id else "",
            lot_number=draft.lot_number,
            reason=draft.reason,
            intervention_id=draft.intervention_id or "",
        ),
        unit_cost=money(_cents(movement.unit_cost_cents)),
        recorded_at=timestamp(movement.recorded_at),
        recorded_by=movement.recorded_by,
        negative_stock=movement.negative_stock,
        customer_id=draft.customer_id or "",
        contract_id=draft.contract_id or "",
    )


def stock_level_message(level: StockLevel) -> pb.StockLevel:
    return pb.StockLevel(
        product_id=str(level.product_id),
        product_code=level.product_code,
        product_label=level.product_label,
        location_id=str(level.location_id),
        location_code=level.location_code,
        quantity=format_quantity(level.quantity),
        unit=level.unit,
        negative=level.quantity < 0,
        below_minimum=level.below_minimum,
    )


def certificate_message(certificate: Certificate, days_left: int) -> pb.Certificate:
    return pb.Certificate(
        technician_id=certificate.technician_id,
        number=certificate.number,
        expires_on=date_message(certificate.expires_on),
        days_left=days_left,
    )
