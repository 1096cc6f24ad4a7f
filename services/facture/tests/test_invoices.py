"""Drafts, issue, totals and rounding, credit notes, the stored Factur-X PDF, who sees what.

Rounding rule (documented in documents/totals.py): a line's net amount is quantity x unit
price rounded half up to the cent, minus its discount rounded half up to the cent; VAT is
computed once per rate on the sum of the net amounts, rounded half up to the cent.
"""

from __future__ import annotations

import io

import grpc
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.facture.v1 import facture_pb2 as pb
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error
from facturx import get_facturx_xml_from_pdf, xml_check_xsd
from lxml import etree

from .conftest import Facture, as_date, eur, line

EXEMPTION = "Exonération de TVA, article 261-4 du CGI"


def totals(invoice: pb.Invoice) -> tuple[int, int, int]:
    return (
        invoice.total_excluding_vat.amount_cents,
        invoice.total_vat.amount_cents,
        invoice.total_including_vat.amount_cents,
    )


def breakdown(invoice: pb.Invoice) -> list[tuple[str, int, int]]:
    return [
        (v.rate, v.taxable_amount.amount_cents, v.vat_amount.amount_cents)
        for v in invoice.vat_breakdown
    ]


async def test_multi_rate_totals_match_the_hand_computed_example(facture: Facture) -> None:
    customer = await facture.customer()
    lines = [
        line("Entretien mensuel piscine", "1", 18500, "20"),
        # 2.5 x 33.33 = 83.325 -> 83.33 (half up)
        line("Produit hivernage", "2.5", 3333, "20"),
        # 1.5 x 62.50 = 93.75; 10 % discount 9.375 -> 9.38; net 84.37
        line("Main d'œuvre dépannage", "1.5", 6250, "10", unit_code="HUR", discount_percent="10"),
        # 3 x 45.99 = 137.97
        line("Chlore lent galets 5 kg", "3", 4599, "5.5"),
        line("Analyse d'eau (ARS)", "1", 3000, "0", exemption_reason=EXEMPTION),
    ]
    draft = await facture.draft(customer.id, lines)

    # 20 %: 185.00 + 83.33 = 268.33 -> VAT 53.666 -> 53.67
    # 10 %: 84.37 -> 8.437 -> 8.44;  5.5 %: 137.97 -> 7.58835 -> 7.59;  0 %: 30.00
    expected_breakdown = [
        ("20", 26833, 5367),
        ("10", 8437, 844),
        ("5.5", 13797, 759),
        ("0", 3000, 0),
    ]
    assert [item.net_amount.amount_cents for item in draft.lines] == [
        18500,
        8333,
        8437,
        13797,
        3000,
    ]
    assert breakdown(draft) == expected_breakdown
    assert totals(draft) == (52067, 6970, 59037)
    assert draft.vat_breakdown[3].exemption_reason == EXEMPTION

    issued = await facture.issue(draft.id)
    assert breakdown(issued) == expected_breakdown
    assert totals(issued) == (52067, 6970, 59037)
    assert issued.amount_due.amount_cents == 59037


async def test_vat_is_rounded_once_per_rate_not_per_line(facture: Facture) -> None:
    customer = await facture.customer()
    # Three lines of 0.33 EUR at 20 %: per line 0.066 -> 0.07 each would make 0.21;
    # on the sum, 0.99 x 20 % = 0.198 -> 0.20.
    draft = await facture.draft(
        customer.id, [line(f"Joint torique {n}", "1", 33, "20") for n in range(3)]
    )
    issued = await facture.issue(draft.id)
    assert totals(issued) == (99, 20, 119)


async def test_issue_numbers_freezes_the_customer_and_stores_a_factur_x_pdf(
    facture: Facture,
) -> None:
    customer = await facture.customer()
    first = await facture.issued_invoice(customer.id)
    second = await facture.issued_invoice(customer.id, purchase_order="BC-778")
    year = facture.clock.today().year
    assert (first.number, second.number) == (f"FA-{year}-000001", f"FA-{year}-000002")
    assert as_date(second.issue_date) == facture.clock.today()
    assert (as_date(second.due_date) - facture.clock.today()).days == 30
    assert second.status == pb.INVOICE_STATUS_ISSUED and second.chain_position == 2
    assert second.previous_hash == first.hash and len(second.hash) == 64
    assert second.buyer.siren == customer.siren and second.buyer.name == customer.name

    # The customer changes afterwards: the issued invoice keeps the snapshot.
    await facture.contrat.UpdateCustomer(
        cpb.UpdateCustomerRequest(
            id=customer.id,
            customer=cpb.CustomerInput(
                type=customer.type,
                name="Nouveau nom SAS",
                legal_form="SAS",
                siren=customer.siren,
                vat_number=customer.vat_number,
                billing_address=customer.billing_address,
                billing_contact_name=customer.billing_contact_name,
                billing_email=customer.billing_email,
            ),
        ),
        metadata=await facture.as_role("bureau"),
    )
    again = await facture.stub.GetInvoice(
        pb.GetInvoiceRequest(id=second.id), metadata=await facture.as_role("compta")
    )
    assert again.buyer.name == customer.name

    pdf = await facture.stub.GetInvoicePdf(
        pb.GetInvoicePdfRequest(invoice_id=second.id), metadata=await facture.as_role("compta")
    )
    assert (pdf.file_name, pdf.invoice_number) == (f"{second.number}.pdf", second.number)
    name, xml = get_facturx_xml_from_pdf(io.BytesIO(pdf.content), check_xsd=False)
    assert name == "factur-x.xml"
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    root = etree.fromstring(xml)
    assert root.findtext("{*}ExchangedDocument/{*}ID") == second.number
    assert root.findtext(".//{*}BuyerOrderReferencedDocument/{*}IssuerAssignedID") == "BC-778"
    assert root.findtext(".//{*}GrandTotalAmount") == "120.00"

    events = await facture.events("facture.invoice.issued")
    assert events[-1] == {
        **events[-1],
        "invoice_id": second.id,
        "number": second.number,
        "customer_id": customer.id,
        "customer_email": customer.billing_email,
        "total_cents": 12000,
        "currency": "EUR",
        "issue_date": facture.clock.today().isoformat(),
        "due_date": as_date(second.due_date).isoformat(),
    }


async def test_drafts_are_edited_issued_documents_are_not(facture: Facture) -> None:
    customer = await facture.customer()
    draft = await facture.draft(customer.id)
    office = await facture.as_role("bureau")
    edited = await facture.stub.UpdateInvoice(
        pb.UpdateInvoiceRequest(
            id=draft.id,
            invoice=pb.InvoiceInput(customer_id=customer.id, lines=[line(unit_price_cents=15000)]),
        ),
        metadata=office,
    )
    assert edited.total_excluding_vat.amount_cents == 15000 and edited.number == ""
    issued = await facture.issue(draft.id)

    error = await rpc_error(
        facture.stub.UpdateInvoice(
            pb.UpdateInvoiceRequest(
                id=issued.id,
                invoice=pb.InvoiceInput(customer_id=customer.id, lines=[line(unit_price_cents=1)]),
            ),
            metadata=office,
        )
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert issued.number in (error.details() or "")
    error = await rpc_error(
        facture.stub.DeleteInvoice(pb.DeleteInvoiceRequest(id=issued.id), metadata=office)
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    # Issuing twice is harmless: same document.
    assert (await facture.issue(issued.id)).hash == issued.hash


async def test_invalid_input_names_the_field_and_changes_nothing(facture: Facture) -> None:
    customer = await facture.customer()
    office = await facture.as_role("bureau")
    cases = {
        "lines[0].vat_rate": line(vat_rate="19.6"),
        "lines[0].quantity": line(quantity="deux"),
        "lines[0].exemption": line(vat_rate="0"),
        "lines[0].unit_price_cents": line(unit_price_cents=-5),
        "lines[0].discount_percent": line(discount_percent="100"),
    }
    for field, bad in cases.items():
        error = await rpc_error(
            facture.stub.CreateInvoice(
                pb.CreateInvoiceRequest(
                    invoice=pb.InvoiceInput(customer_id=customer.id, lines=[bad])
                ),
                metadata=office,
            )
        )
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in field_violations(error.trailing_metadata()), field
    error = await rpc_error(
        facture.stub.CreateInvoice(
            pb.CreateInvoiceRequest(
                invoice=pb.InvoiceInput(
                    customer_id=customer.id, lines=[line()], payment_terms=pb.PaymentTerms(days=90)
                )
            ),
            metadata=office,
        )
    )
    assert "payment_terms.days" in field_violations(error.trailing_metadata())
    unknown = await rpc_error(
        facture.stub.CreateInvoice(
            pb.CreateInvoiceRequest(
                invoice=pb.InvoiceInput(
                    customer_id="7d4c4b4e-6a39-4d0b-9c1d-0a0b0c0d0e0f", lines=[line()]
                )
            ),
            metadata=office,
        )
    )
    assert field_violations(unknown.trailing_metadata()) == {"customer_id": "unknown customer"}
    listed = await facture.stub.ListInvoices(pb.ListInvoicesRequest(), metadata=office)
    assert list(listed.invoices) == []


async def test_credit_notes_reference_the_invoice_in_full_or_in_part(facture: Facture) -> None:
    customer = await facture.customer()
    compta = await facture.as_role("compta")
    invoice = await facture.issued_invoice(
        customer.id, lines=[line("Entretien", "1", 10000, "20"), line("Chlore", "2", 2500, "5.5")]
    )
    # 100.00 + 20.00 VAT + 50.00 + 2.75 VAT = 172.75
    assert invoice.total_including_vat.amount_cents == 17275

    partial = await facture.stub.CreateCreditNote(
        pb.CreateCreditNoteRequest(
            invoice_id=invoice.id,
            lines=[line("Remise chlore", "1", 2500, "5.5")],
            reason="Geste commercial",
        ),
        metadata=compta,
    )
    assert (
        partial.type == pb.DOCUMENT_TYPE_CREDIT_NOTE and partial.corrected_invoice_id == invoice.id
    )
    partial = await facture.issue(partial.id)
    year = facture.clock.today().year
    assert partial.number == f"AV-{year}-000001"
    assert partial.corrected_invoice_number == invoice.number
    assert partial.total_including_vat.amount_cents == 2638  # 25.00 + 1.375 -> 1.38
    _, xml = get_facturx_xml_from_pdf(
        io.BytesIO(
            (
                await facture.stub.GetInvoicePdf(
                    pb.GetInvoicePdfRequest(invoice_id=partial.id), metadata=compta
                )
            ).content
        ),
        check_xsd=False,
    )
    root = etree.fromstring(xml)
    assert root.findtext("{*}ExchangedDocument/{*}TypeCode") == "381"
    assert root.findtext(".//{*}InvoiceReferencedDocument/{*}IssuerAssignedID") == invoice.number

    # What is left to credit: 172.75 - 26.38 = 146.37; the full invoice no longer fits.
    too_much = await rpc_error(
        facture.stub.CreateCreditNote(
            pb.CreateCreditNoteRequest(invoice_id=invoice.id), metadata=compta
        )
    )
    assert too_much.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "lines" in field_violations(too_much.trailing_metadata())

    original = await facture.stub.GetInvoice(pb.GetInvoiceRequest(id=invoice.id), metadata=compta)
    assert list(original.credit_note_ids) == [partial.id]
    # The credit note settles the invoice it corrects.
    assert original.amount_settled.amount_cents == 2638
    assert original.amount_due.amount_cents == 17275 - 2638
    assert original.status == pb.INVOICE_STATUS_PARTIALLY_PAID

    other = await facture.issued_invoice(customer.id)
    full = await facture.issue(
        (
            await facture.stub.CreateCreditNote(
                pb.CreateCreditNoteRequest(invoice_id=other.id), metadata=compta
            )
        ).id
    )
    assert full.number == f"AV-{year}-000002"
    assert totals(full) == totals(other)
    assert [item.description for item in full.lines] == [item.description for item in other.lines]
    settled = await facture.stub.GetInvoice(pb.GetInvoiceRequest(id=other.id), metadata=compta)
    assert settled.status == pb.INVOICE_STATUS_PAID and settled.amount_due.amount_cents == 0


async def test_roles_and_customers_see_only_what_they_may(facture: Facture) -> None:
    mine = await facture.customer()
    theirs = await facture.customer()
    my_invoice = await facture.issued_invoice(mine.id)
    their_invoice = await facture.issued_invoice(theirs.id)
    my_draft = await facture.draft(mine.id)
    client = await facture.as_role("client", customer_id=mine.id)

    assert (
        await facture.stub.GetInvoice(pb.GetInvoiceRequest(id=my_invoice.id), metadata=client)
    ).id == my_invoice.id
    for hidden in (their_invoice.id, my_draft.id):
        error = await rpc_error(
            facture.stub.GetInvoice(pb.GetInvoiceRequest(id=hidden), metadata=client)
        )
        assert error.code() == grpc.StatusCode.NOT_FOUND
    error = await rpc_error(
        facture.stub.GetInvoicePdf(
            pb.GetInvoicePdfRequest(invoice_id=their_invoice.id), metadata=client
        )
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    listed = await facture.stub.ListInvoices(pb.ListInvoicesRequest(), metadata=client)
    assert [i.id for i in listed.invoices] == [my_invoice.id]

    bureau = await facture.as_role("bureau")
    refused = await rpc_error(
        facture.stub.IssueInvoice(pb.IssueInvoiceRequest(id=my_draft.id), metadata=bureau)
    )
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    technician = await facture.as_role("technicien")
    refused = await rpc_error(
        facture.stub.ListInvoices(pb.ListInvoicesRequest(), metadata=technician)
    )
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    refused = await rpc_error(
        facture.stub.RecordPayment(
            pb.RecordPaymentRequest(
                customer_id=mine.id, amount=eur(100), method=pb.PAYMENT_METHOD_TRANSFER
            ),
            metadata=bureau,
        )
    )
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_draft_refuses_the_contract_of_another_customer(facture: Facture) -> None:
    mine = await facture.customer()
    theirs = await facture.customer()
    their_contract = await facture.contract(theirs.id, start=facture.clock.today())
    office = await facture.as_role("bureau")
    for changes in ({}, {"contract_reference": "CT-MINE"}):
        refused = await rpc_error(facture.draft(mine.id, contract_id=their_contract.id, **changes))
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field_violations(refused.trailing_metadata()) == {
            "contract_id": "not a contract of this customer"
        }
    draft = await facture.draft(mine.id)
    refused = await rpc_error(
        facture.stub.UpdateInvoice(
            pb.UpdateInvoiceRequest(
                id=draft.id,
                invoice=pb.InvoiceInput(
                    customer_id=mine.id, lines=[line()], contract_id=their_contract.id
                ),
            ),
            metadata=office,
        )
    )
    assert field_violations(refused.trailing_metadata()) == {
        "contract_id": "not a contract of this customer"
    }
    unchanged = await facture.stub.GetInvoice(pb.GetInvoiceRequest(id=draft.id), metadata=office)
    assert unchanged.contract_id == "" and their_contract.number not in unchanged.contract_reference
    own = await facture.draft(theirs.id, contract_id=their_contract.id)
    assert own.contract_reference == their_contract.number


async def test_absurd_quantities_prices_and_totals_are_refused(facture: Facture) -> None:
    customer = await facture.customer()
    office = await facture.as_role("bureau")
    for lines, field in (
        ([line(quantity="1e20")], "lines[0].quantity"),
        ([line(discount_percent="250")], "lines[0].discount_percent"),
        ([line(unit_price_cents=10**15)], "lines[0].unit_price.amount_cents"),
        ([line(quantity="1000000", unit_price_cents=10**11)] * 200, "lines"),
    ):
        refused = await rpc_error(
            facture.stub.CreateInvoice(
                pb.CreateInvoiceRequest(
                    invoice=pb.InvoiceInput(customer_id=customer.id, lines=lines)
                ),
                metadata=office,
            )
        )
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in field_violations(refused.trailing_metadata()), (field, refused.details())
