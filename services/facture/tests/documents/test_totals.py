"""VAT breakdown and rounding, against amounts computed by hand.

Rule under test (totals.py): line net = round_half_up(qty × price) − round_half_up(gross ×
discount %); VAT per (category, rate) = round_half_up(sum of nets − allowances) × rate.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from aquaerp_facture.documents import (
    AUTOLIQUIDATION,
    Document,
    Line,
    Unit,
    VatCategory,
    compute_totals,
)
from aquaerp_facture.documents.totals import round_cents


def _rows(document: Document) -> list[tuple[str, str, int, int]]:
    return [
        (row.category.value, str(row.rate), row.taxable_cents, row.vat_cents)
        for row in compute_totals(document).vat_breakdown
    ]


def test_multi_rate_invoice_matches_the_hand_computation(
    make_invoice: Callable[..., Document],
) -> None:
    totals = compute_totals(make_invoice())

    # 1 × 185.00 = 185.00
    # 1.5 × 62.50 = 93.75; discount 10 % = 9.375 -> 9.38; net 84.37
    # 3 × 45.99 = 137.97
    # 1 × 30.00 = 30.00 (exempt)
    assert [(a.gross_cents, a.discount_cents, a.net_cents) for a in totals.lines] == [
        (18500, 0, 18500),
        (9375, 938, 8437),
        (13797, 0, 13797),
        (3000, 0, 3000),
    ]
    # 20 %: 185.00 - 10.00 allowance = 175.00 -> 35.00
    # 10 %: 84.37 × 10 % = 8.437 -> 8.44
    # 5.5 %: 137.97 × 5.5 % = 7.58835 -> 7.59
    # E 0 %: 30.00 -> 0.00
    assert _rows(make_invoice()) == [
        ("S", "20", 17500, 3500),
        ("S", "10", 8437, 844),
        ("S", "5.5", 13797, 759),
        ("E", "0", 3000, 0),
    ]
    assert totals.vat_breakdown[-1].exemption is not None
    assert totals.line_total_cents == 43734  # 185.00 + 84.37 + 137.97 + 30.00
    assert totals.allowance_total_cents == 1000
    assert totals.tax_basis_cents == 42734
    assert totals.vat_total_cents == 5103  # 35.00 + 8.44 + 7.59
    assert totals.grand_total_cents == 47837
    assert totals.amount_due_cents == 47837


def test_vat_is_rounded_once_per_rate_not_per_line(
    make_invoice: Callable[..., Document],
) -> None:
    # Three lines of 0.13 € at 5.5 %: per line 0.00715 would round to 0.01 each (0.03);
    # on the sum, 0.39 × 5.5 % = 0.02145 -> 0.02.
    cheap = Line("Pastille test pH", Decimal("1"), Unit.PIECE, 13, Decimal("5.5"))
    document = make_invoice(lines=(cheap, cheap, cheap), allowances=())

    assert _rows(document) == [("S", "5.5", 39, 2)]
    assert compute_totals(document).grand_total_cents == 41


def test_all_french_rates_on_one_invoice(make_invoice: Callable[..., Document]) -> None:
    lines = (
        Line("Contrat annuel", Decimal("1"), Unit.YEAR, 123456, Decimal("20")),
        Line("Travaux de rénovation", Decimal("2.25"), Unit.DAY, 41111, Decimal("10")),
        Line("Produit de traitement", Decimal("7"), Unit.KILOGRAM, 1299, Decimal("5.5")),
        Line("Revue spécialisée", Decimal("1"), Unit.PIECE, 850, Decimal("2.1")),
    )
    document = make_invoice(lines=lines, allowances=())

    # 2.25 × 411.11 = 924.9975 -> 925.00; 7 × 12.99 = 90.93
    # 1234.56 × 20 % = 246.912 -> 246.91; 925.00 × 10 % = 92.50
    # 90.93 × 5.5 % = 5.00115 -> 5.00; 8.50 × 2.1 % = 0.1785 -> 0.18
    assert _rows(document) == [
        ("S", "20", 123456, 24691),
        ("S", "10", 92500, 9250),
        ("S", "5.5", 9093, 500),
        ("S", "2.1", 850, 18),
    ]
    totals = compute_totals(document)
    assert totals.tax_basis_cents == 225899
    assert totals.vat_total_cents == 34459
    assert totals.grand_total_cents == 260358


def test_half_cents_round_up(make_invoice: Callable[..., Document]) -> None:
    # 0.5 × 0.01 = 0.005 -> 0.01 (banker's rounding would give 0.00); VAT 5.5 % -> 0.00
    # 1 × 1.00, discount 12.5 % = 0.125 -> 0.13, net 0.87; VAT 20 % = 0.174 -> 0.17
    # 1 × 0.05 at 10 %: VAT 0.005 -> 0.01
    lines = (
        Line("Joint", Decimal("0.5"), Unit.PIECE, 1, Decimal("5.5")),
        Line(
            "Bouchon",
            Decimal("1"),
            Unit.PIECE,
            100,
            Decimal("20"),
            discount_percent=Decimal("12.5"),
        ),
        Line("Vis", Decimal("1"), Unit.PIECE, 5, Decimal("10")),
    )
    totals = compute_totals(make_invoice(lines=lines, allowances=()))

    assert [a.net_cents for a in totals.lines] == [1, 87, 5]
    assert totals.lines[1].discount_cents == 13
    assert [(str(row.rate), row.vat_cents) for row in totals.vat_breakdown] == [
        ("20", 17),
        ("10", 1),
        ("5.5", 0),
    ]


def test_round_cents_is_half_up() -> None:
    assert round_cents(Decimal("0.5")) == 1
    assert round_cents(Decimal("1.5")) == 2
    assert round_cents(Decimal("2.5")) == 3
    assert round_cents(Decimal("2.4999")) == 2


def test_rates_written_differently_are_one_group(make_invoice: Callable[..., Document]) -> None:
    lines = (
        Line("A", Decimal("1"), Unit.PIECE, 1005, Decimal("5.5")),
        Line("B", Decimal("1"), Unit.PIECE, 1005, Decimal("5.50")),
    )
    # 20.10 × 5.5 % = 1.1055 -> 1.11 (per line it would be 0.55 + 0.55 = 1.10)
    assert _rows(make_invoice(lines=lines, allowances=())) == [("S", "5.5", 2010, 111)]


def test_credit_note_amounts_are_positive(make_credit_note: Callable[..., Document]) -> None:
    totals = compute_totals(make_credit_note())

    # 62.50 × 10 % = 6.25
    assert (totals.tax_basis_cents, totals.vat_total_cents, totals.grand_total_cents) == (
        6250,
        625,
        6875,
    )


def test_reverse_charge_line_has_no_vat(make_invoice: Callable[..., Document]) -> None:
    line = Line(
        "Sous-traitance travaux",
        Decimal("1"),
        Unit.LUMP_SUM,
        250000,
        Decimal("0"),
        vat_category=VatCategory.REVERSE_CHARGE,
        exemption=AUTOLIQUIDATION,
    )
    document = make_invoice(lines=(line,), allowances=())
    assert _rows(document) == [("AE", "0", 250000, 0)]
    assert compute_totals(document).grand_total_cents == 250000
