"""A document that breaks a rule cannot be built; the error names each field."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import grpc
import pytest

from aquaerp_facture.documents import (
    Allowance,
    Buyer,
    Document,
    DocumentType,
    InvalidDocument,
    InvoiceReference,
    Line,
    Unit,
    VatCategory,
    VatExemption,
)


def _violations(build: Callable[[], Document]) -> dict[str, str]:
    with pytest.raises(InvalidDocument) as caught:
        build()
    assert caught.value.code is grpc.StatusCode.INVALID_ARGUMENT
    return caught.value.fields


def test_valid_documents_build(
    make_invoice: Callable[..., Document], make_credit_note: Callable[..., Document]
) -> None:
    assert make_invoice().number == "FA-2026-000001"
    assert make_credit_note().is_credit_note


def test_each_bad_line_field_is_named_with_its_path(
    make_invoice: Callable[..., Document],
) -> None:
    lines = (
        Line("ok", Decimal("1"), Unit.PIECE, 100, Decimal("20")),
        Line(" ", Decimal("0"), Unit.PIECE, -1, Decimal("19.6"), discount_percent=Decimal("100")),
        Line("trop précis", Decimal("1.00001"), Unit.PIECE, 100, Decimal("20")),
    )
    fields = _violations(lambda: make_invoice(lines=lines, allowances=()))

    assert set(fields) == {
        "lines[1].description",
        "lines[1].quantity",
        "lines[1].unit_price_cents",
        "lines[1].discount_percent",
        "lines[1].vat_rate",
        "lines[2].quantity",
    }
    assert "20, 10, 5.5 or 2.1" in fields["lines[1].vat_rate"]


def test_wrong_types_are_reported_not_crashed_on(make_invoice: Callable[..., Document]) -> None:
    line = Line("Entretien", 1.5, "HUR", 12.5, 20)  # type: ignore[arg-type]
    fields = _violations(lambda: make_invoice(lines=(line,), allowances=()))
    assert fields == {
        "lines[0].quantity": "must be a Decimal",
        "lines[0].vat_rate": "must be a Decimal",
        "lines[0].unit_price_cents": "must be an integer",
        "lines[0].unit": "must be a Unit",
    }


def test_a_line_without_vat_needs_its_exemption_wording(
    make_invoice: Callable[..., Document],
) -> None:
    exempt = Line("Analyse", Decimal("1"), Unit.PIECE, 100, Decimal("0"), VatCategory.EXEMPT)
    fields = _violations(lambda: make_invoice(lines=(exempt,), allowances=()))
    assert fields == {"lines[0].exemption": "a line without VAT needs its exemption wording"}

    zero_standard = Line("Analyse", Decimal("1"), Unit.PIECE, 100, Decimal("0"))
    fields = _violations(lambda: make_invoice(lines=(zero_standard,), allowances=()))
    assert set(fields) == {"lines[0].vat_rate"}


def test_exempt_lines_share_one_exemption_reason(
    make_invoice: Callable[..., Document], exemption: VatExemption
) -> None:
    def exempt(reason: VatExemption) -> Line:
        return Line(
            "Analyse",
            Decimal("1"),
            Unit.PIECE,
            100,
            Decimal("0"),
            VatCategory.EXEMPT,
            exemption=reason,
        )

    other = VatExemption("Exonération, article 261 C du CGI", "VATEX-FR-CGI261C-1")
    fields = _violations(
        lambda: make_invoice(lines=(exempt(exemption), exempt(other)), allowances=())
    )
    assert set(fields) == {"lines[1].exemption"}


def test_seller_identity_is_checked(make_invoice: Callable[..., Document]) -> None:
    seller = dataclasses.replace(
        make_invoice().seller,
        siren="732829321",
        siret="73282932000075",
        vat_number="FR44123456789",
        iban="FR7630006000011234567890180",
        bic="agri",
        legal_form="",
    )
    fields = _violations(lambda: make_invoice(seller=seller))
    assert set(fields) == {
        "seller.siren",
        "seller.siret",
        "seller.vat_number",
        "seller.iban",
        "seller.bic",
        "seller.legal_form",
    }
    assert fields["seller.siren"] == "check digit is wrong"


def test_a_french_business_customer_needs_a_siren(make_invoice: Callable[..., Document]) -> None:
    buyer = dataclasses.replace(make_invoice().buyer, siren=None)
    assert set(_violations(lambda: make_invoice(buyer=buyer))) == {"buyer.siren"}


def test_a_private_customer_needs_no_siren(
    make_invoice: Callable[..., Document], private_buyer: Buyer
) -> None:
    assert make_invoice(buyer=private_buyer).buyer.siren is None


def test_invoice_and_credit_note_rules(
    make_invoice: Callable[..., Document], make_credit_note: Callable[..., Document]
) -> None:
    assert set(_violations(lambda: make_invoice(due_date=None))) == {"due_date"}
    assert set(_violations(lambda: make_invoice(due_date=date(2026, 3, 1)))) == {"due_date"}
    reference = InvoiceReference("FA-2026-000001", date(2026, 3, 31))
    assert set(_violations(lambda: make_invoice(corrected_invoice=reference))) == {
        "corrected_invoice"
    }
    assert set(_violations(lambda: make_credit_note(corrected_invoice=None))) == {
        "corrected_invoice"
    }
    late = InvoiceReference("FA-2026-000009", date(2026, 5, 1))
    assert set(_violations(lambda: make_credit_note(corrected_invoice=late))) == {
        "corrected_invoice.issue_date"
    }
    assert make_credit_note().type is DocumentType.CREDIT_NOTE


def test_allowances_must_match_a_line_rate_and_not_exceed_it(
    make_invoice: Callable[..., Document],
) -> None:
    on_missing_rate = Allowance(100, "Remise", Decimal("2.1"))
    assert set(_violations(lambda: make_invoice(allowances=(on_missing_rate,)))) == {
        "allowances[0].vat_rate"
    }
    too_big = Allowance(18501, "Remise", Decimal("20"))  # the 20 % line is 185.00
    assert _violations(lambda: make_invoice(allowances=(too_big,))) == {
        "allowances": "the allowances exceed the lines at 20 % VAT"
    }


def test_lines_must_be_a_tuple(make_invoice: Callable[..., Document]) -> None:
    lines = list(make_invoice().lines)
    assert set(_violations(lambda: make_invoice(lines=lines))) == {"lines"}


def test_documents_are_immutable(make_invoice: Callable[..., Document]) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_invoice().number = "FA-2026-000002"  # type: ignore[misc]
