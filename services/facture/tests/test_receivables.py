"""Payments (partial, overpayment kept as credit), balances and aging, dunning levels with the
recovery indemnity and late interest, and the accountant's exports."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.facture.v1 import facture_pb2 as pb
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import Facture, as_date, d, eur, line


async def pay(facture: Facture, customer_id: str, cents: int, **fields: object) -> pb.Payment:
    return await facture.stub.RecordPayment(
        pb.RecordPaymentRequest(
            customer_id=customer_id,
            amount=eur(cents),
            method=fields.pop("method", pb.PAYMENT_METHOD_TRANSFER),  # type: ignore[arg-type]
            **fields,
        ),
        metadata=await facture.as_role("compta"),
    )


async def balance(facture: Facture, customer_id: str, **fields: object) -> pb.CustomerBalance:
    return await facture.stub.GetCustomerBalance(
        pb.GetCustomerBalanceRequest(customer_id=customer_id, **fields),
        metadata=await facture.as_role("compta"),
    )


async def get(facture: Facture, invoice_id: str) -> pb.Invoice:
    return await facture.stub.GetInvoice(
        pb.GetInvoiceRequest(id=invoice_id), metadata=await facture.as_role("compta")
    )


async def test_partial_payment_overpayment_and_credit_kept_on_the_customer(
    facture: Facture,
) -> None:
    customer = await facture.customer()
    invoice = await facture.issued_invoice(customer.id)  # 120.00 incl. VAT
    partial = await pay(facture, customer.id, 5000, invoice_id=invoice.id, reference="VIR 1")
    assert [(a.invoice_number, a.amount.amount_cents) for a in partial.allocations] == [
        (invoice.number, 5000)
    ]
    after = await get(facture, invoice.id)
    assert after.status == pb.INVOICE_STATUS_PARTIALLY_PAID
    assert (after.amount_settled.amount_cents, after.amount_due.amount_cents) == (5000, 7000)

    # Same idempotency key twice: one payment.
    over = await pay(
        facture, customer.id, 10000, method=pb.PAYMENT_METHOD_CHEQUE, idempotency_key="chq-77"
    )
    again = await pay(
        facture, customer.id, 10000, method=pb.PAYMENT_METHOD_CHEQUE, idempotency_key="chq-77"
    )
    assert again.id == over.id
    assert [a.amount.amount_cents for a in over.allocations] == [7000]
    assert over.unallocated.amount_cents == 3000
    assert (await get(facture, invoice.id)).status == pb.INVOICE_STATUS_PAID
    state = await balance(facture, customer.id)
    assert (state.invoiced.amount_cents, state.paid.amount_cents, state.balance.amount_cents) == (
        12000,
        15000,
        -3000,
    )
    assert (state.unapplied_credit.amount_cents, state.outstanding.amount_cents) == (3000, 0)

    # The credit settles the next invoice at issue.
    following = await facture.issued_invoice(customer.id)
    assert (following.amount_settled.amount_cents, following.amount_due.amount_cents) == (
        3000,
        9000,
    )
    state = await balance(facture, customer.id)
    assert (state.balance.amount_cents, state.unapplied_credit.amount_cents) == (9000, 0)
    events = await facture.events("facture.payment.recorded")
    assert [
        (e["amount_cents"], e["unallocated_cents"], e["customer_balance_cents"]) for e in events
    ] == [
        (5000, 0, 7000),
        (10000, 3000, -3000),
    ]
    listed = await facture.stub.ListPayments(
        pb.ListPaymentsRequest(invoice_id=invoice.id), metadata=await facture.as_role("compta")
    )
    assert {p.id for p in listed.payments} == {partial.id, over.id}


async def test_invalid_payments_are_refused_with_the_field(facture: Facture) -> None:
    customer = await facture.customer()
    other = await facture.customer()
    theirs = await facture.issued_invoice(other.id)
    future = facture.clock.today() + timedelta(days=1)
    cases = {
        "amount.amount_cents": {"amount": eur(0), "method": pb.PAYMENT_METHOD_CARD},
        "method": {"amount": eur(100)},
        "received_on": {
            "amount": eur(100),
            "method": pb.PAYMENT_METHOD_CARD,
            "received_on": d(future),
        },
        "invoice_id": {
            "amount": eur(100),
            "method": pb.PAYMENT_METHOD_CARD,
            "invoice_id": theirs.id,
        },
    }
    for field, values in cases.items():
        error = await rpc_error(
            facture.stub.RecordPayment(
                pb.RecordPaymentRequest(customer_id=customer.id, **values),  # type: ignore[arg-type]
                metadata=await facture.as_role("compta"),
            )
        )
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in field_violations(error.trailing_metadata()), field
    state = await balance(facture, customer.id)
    assert state.paid.amount_cents == 0


async def test_balance_and_aging_buckets(facture: Facture) -> None:
    customer = await facture.customer()
    start = facture.clock.today()
    # Issued on days 0, 40, 70, 100: due 30 days later each.
    for offset in (0, 40, 30, 30):
        facture.clock.advance(days=offset)
        await facture.issued_invoice(customer.id, lines=[line(unit_price_cents=10000)])
    as_of = start + timedelta(days=135)
    # Due on days 30, 70, 100, 130 -> 105, 65, 35, 5 days past due on day 135.
    state = await balance(facture, customer.id, as_of=d(as_of))
    aging = state.aging
    assert [
        aging.not_due.amount_cents,
        aging.days_0_30.amount_cents,
        aging.days_31_60.amount_cents,
        aging.days_61_90.amount_cents,
        aging.days_over_90.amount_cents,
        aging.total.amount_cents,
    ] == [0, 12000, 12000, 12000, 12000, 48000]
    assert [o.days_past_due for o in state.open_invoices] == [105, 65, 35, 5]
    report = await facture.stub.GetAgingReport(
        pb.GetAgingReportRequest(as_of=d(as_of)), metadata=await facture.as_role("compta")
    )
    assert [(c.customer_id, c.aging.total.amount_cents) for c in report.customers] == [
        (customer.id, 48000)
    ]
    assert report.totals.days_over_90.amount_cents == 12000

    # Page by page, the largest amount due first; a token not made by the service is refused.
    smaller = await facture.customer()
    await facture.issued_invoice(smaller.id, lines=[line(unit_price_cents=1000)])
    compta = await facture.as_role("compta")
    pages, token = [], ""
    while True:
        page = await facture.stub.GetAgingReport(
            pb.GetAgingReportRequest(
                as_of=d(as_of), page=common_pb2.PageRequest(page_size=1, page_token=token)
            ),
            metadata=compta,
        )
        pages.append([(c.customer_id, c.aging.total.amount_cents) for c in page.customers])
        token = page.page.next_page_token
        if not token:
            break
    assert pages == [[(customer.id, 48000)], [(smaller.id, 1200)]]
    forged = await rpc_error(
        facture.stub.GetAgingReport(
            pb.GetAgingReportRequest(page=common_pb2.PageRequest(page_token="MTA")),
            metadata=compta,
        )
    )
    assert forged.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(forged.trailing_metadata()) == {"page.page_token": "invalid page token"}

    client = await facture.as_role("client", customer_id=customer.id)
    own = await facture.stub.GetCustomerBalance(
        pb.GetCustomerBalanceRequest(customer_id=customer.id), metadata=client
    )
    assert own.balance.amount_cents == 48000
    other = await facture.customer()
    hidden = await rpc_error(
        facture.stub.GetCustomerBalance(
            pb.GetCustomerBalanceRequest(customer_id=other.id), metadata=client
        )
    )
    assert hidden.code() == grpc.StatusCode.NOT_FOUND


async def dunning(facture: Facture, key: str = "") -> pb.RunDunningResponse:
    return await facture.stub.RunDunning(
        pb.RunDunningRequest(idempotency_key=key), metadata=await facture.as_role("compta")
    )


async def test_dunning_levels_one_letter_per_customer_indemnity_interest_and_pause(
    facture: Facture,
) -> None:
    business = await facture.customer()
    private = await facture.customer(business=False)
    first = await facture.issued_invoice(business.id)  # due day 30
    facture.clock.advance(days=10)
    second = await facture.issued_invoice(business.id)  # due day 40
    own = await facture.issued_invoice(private.id)  # due day 40
    await pay(facture, business.id, 2000, invoice_id=first.id)  # 100.00 left on the first

    facture.clock.advance(days=26)  # day 36: the first is 6 days late, nothing yet
    assert list((await dunning(facture)).letters) == []

    facture.clock.advance(days=1)  # day 37: first 7 days late -> reminder
    result = await dunning(facture, "dun-37")
    (letter,) = result.letters
    assert (letter.customer_id, letter.level) == (business.id, pb.DUNNING_LEVEL_REMINDER)
    assert [
        (i.invoice_number, i.days_past_due, i.amount_due.amount_cents) for i in letter.items
    ] == [(first.number, 7, 10000)]
    assert (letter.indemnity.amount_cents, letter.interest.amount_cents) == (0, 0)
    # Repeated with the same key: the same answer; with another key the same day: nothing new.
    assert [item.id for item in (await dunning(facture, "dun-37")).letters] == [letter.id]
    assert list((await dunning(facture, "dun-37-bis")).letters) == []

    facture.clock.advance(days=23)  # day 60: first 30 days late (formal notice), second 20 days
    (notice,) = [x for x in (await dunning(facture)).letters if x.customer_id == business.id]
    assert notice.level == pb.DUNNING_LEVEL_FORMAL_NOTICE
    by_number = {i.invoice_number: i for i in notice.items}
    assert (by_number[first.number].level, by_number[second.number].level) == (
        pb.DUNNING_LEVEL_FORMAL_NOTICE,
        pb.DUNNING_LEVEL_REMINDER,
    )
    # 40 EUR per invoice at formal notice; interest 100.00 x 12.5 % x 30 / 365 = 1.027 -> 1.03.
    assert by_number[first.number].indemnity.amount_cents == 4000
    assert by_number[first.number].interest.amount_cents == 103
    assert (
        by_number[second.number].indemnity.amount_cents,
        by_number[second.number].interest.amount_cents,
    ) == (0, 0)
    assert (
        notice.total_due.amount_cents,
        notice.indemnity.amount_cents,
        notice.interest.amount_cents,
    ) == (
        22000,
        4000,
        103,
    )
    assert notice.total_claimed.amount_cents == 22000 + 4000 + 103
    event = [
        e
        for e in await facture.events("facture.dunning.level_reached")
        if e["customer_id"] == business.id
    ][-1]
    assert {k: event[k] for k in ("customer_id", "level", "indemnity_cents", "interest_cents")} == {
        "customer_id": business.id,
        "level": 2,
        "indemnity_cents": 4000,
        "interest_cents": 103,
    }
    assert [i["number"] for i in event["invoices"]] == [first.number, second.number]

    # A private customer gets the reminder (day 60: 20 days late), never the 40 EUR indemnity.
    private_letters = await facture.stub.ListDunningLetters(
        pb.ListDunningLettersRequest(customer_id=private.id),
        metadata=await facture.as_role("compta"),
    )
    assert [item.level for item in private_letters.letters] == [pb.DUNNING_LEVEL_REMINDER]

    # Paused: the second invoice reaches formal notice on day 70, but no letter is sent.
    await facture.stub.SetDunningPause(
        pb.SetDunningPauseRequest(customer_id=business.id, paused=True, reason="litige en cours"),
        metadata=await facture.as_role("compta"),
    )
    facture.clock.advance(days=10)
    result = await dunning(facture)
    assert business.id in result.paused_customer_ids
    assert [item.customer_id for item in result.letters] == [private.id]
    private_notice = result.letters[0]
    assert private_notice.level == pb.DUNNING_LEVEL_FORMAL_NOTICE
    assert private_notice.indemnity.amount_cents == 0 and private_notice.interest.amount_cents > 0
    await facture.stub.SetDunningPause(
        pb.SetDunningPauseRequest(customer_id=business.id, paused=False),
        metadata=await facture.as_role("compta"),
    )
    (resumed,) = (await dunning(facture)).letters
    assert resumed.customer_id == business.id
    assert {i.invoice_number: i.indemnity.amount_cents for i in resumed.items} == {
        first.number: 4000,
        second.number: 4000,
    }
    assert own.customer_id == private.id


def read_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


async def test_exports_for_the_accountant(facture: Facture) -> None:
    customer = await facture.customer()
    invoice = await facture.issued_invoice(
        customer.id, lines=[line("Entretien", "1", 10000, "20"), line("Chlore", "2", 2500, "5.5")]
    )
    compta = await facture.as_role("compta")
    credit = await facture.issue(
        (
            await facture.stub.CreateCreditNote(
                pb.CreateCreditNoteRequest(
                    invoice_id=invoice.id, lines=[line("Remise", "1", 1000, "20")]
                ),
                metadata=compta,
            )
        ).id
    )
    await pay(facture, customer.id, 5000, reference="VIR 2026-11")
    today = facture.clock.today()
    span = pb.ExportRequest(from_date=d(today), to_date=d(today))

    exported = await facture.stub.ExportInvoices(span, metadata=compta)
    rows = read_csv(exported.content)
    assert exported.rows == 2 and exported.content_type.startswith("text/csv")
    assert [(r["numero"], r["type"], r["total_ttc"]) for r in rows] == [
        (invoice.number, "facture", "172,75"),
        (credit.number, "avoir", "12,00"),
    ]
    assert (
        rows[0]["base_ht_20"],
        rows[0]["tva_20"],
        rows[0]["base_ht_5_5"],
        rows[0]["tva_5_5"],
    ) == (
        "100,00",
        "20,00",
        "50,00",
        "2,75",
    )
    assert rows[1]["facture_corrigee"] == invoice.number
    assert rows[0]["empreinte"] == invoice.hash

    payments = read_csv((await facture.stub.ExportPayments(span, metadata=compta)).content)
    assert [(p["montant"], p["mode"], p["reference"]) for p in payments] == [
        ("50,00", "virement", "VIR 2026-11")
    ]

    fec = await facture.stub.ExportFec(span, metadata=compta)
    lines = fec.content.decode().splitlines()
    header = lines[0].split("\t")
    assert header[:3] == ["JournalCode", "JournalLib", "EcritureNum"] and len(header) == 18
    entries = [dict(zip(header, row.split("\t"), strict=True)) for row in lines[1:]]
    assert fec.rows == len(entries) and fec.file_name.endswith(f"FEC{today:%Y%m%d}.txt")

    def cents(text: str) -> int:
        return int(text.replace(",", ""))

    for number in (invoice.number, credit.number):
        own = [e for e in entries if e["EcritureNum"] == number]
        assert sum(cents(e["Debit"]) for e in own) == sum(cents(e["Credit"]) for e in own) > 0
    customer_line = next(
        e for e in entries if e["EcritureNum"] == invoice.number and e["CompteNum"] == "411000"
    )
    assert (customer_line["Debit"], customer_line["EcritureDate"]) == ("172,75", f"{today:%Y%m%d}")
    bank = [e for e in entries if e["JournalCode"] == "BQ"]
    assert [(e["CompteNum"], e["Debit"], e["Credit"]) for e in bank] == [
        ("512000", "50,00", "0,00"),
        ("411000", "0,00", "50,00"),
    ]

    invalid = await rpc_error(
        facture.stub.ExportInvoices(pb.ExportRequest(from_date=d(today)), metadata=compta)
    )
    assert field_violations(invalid.trailing_metadata()) == {"to_date": "is required"}
    assert as_date(span.to_date) == today


async def test_a_reversed_payment_reopens_its_invoices_and_stays_listed(facture: Facture) -> None:
    customer = await facture.customer()
    invoice = await facture.issued_invoice(customer.id)  # 120.00 incl. VAT
    payment = await pay(facture, customer.id, 12000, invoice_id=invoice.id, reference="CHQ 12")
    assert (await get(facture, invoice.id)).status == pb.INVOICE_STATUS_PAID

    office = await facture.as_role("bureau")
    refused = await rpc_error(
        facture.stub.ReversePayment(
            pb.ReversePaymentRequest(id=payment.id, reason="chèque impayé"), metadata=office
        )
    )
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    compta = await facture.as_role("compta")
    no_reason = await rpc_error(
        facture.stub.ReversePayment(pb.ReversePaymentRequest(id=payment.id), metadata=compta)
    )
    assert field_violations(no_reason.trailing_metadata()) == {
        "reason": "is required (3 characters or more)"
    }
    assert (await get(facture, invoice.id)).status == pb.INVOICE_STATUS_PAID

    reversed_payment = await facture.stub.ReversePayment(
        pb.ReversePaymentRequest(id=payment.id, reason="chèque impayé"), metadata=compta
    )
    assert reversed_payment.reversal_reason == "chèque impayé"
    assert reversed_payment.HasField("reverse_time") and not reversed_payment.allocations
    reopened = await get(facture, invoice.id)
    assert reopened.status == pb.INVOICE_STATUS_ISSUED
    assert reopened.amount_due.amount_cents == 12000
    state = await balance(facture, customer.id)
    assert (state.paid.amount_cents, state.balance.amount_cents) == (0, 12000)
    listed = await facture.stub.ListPayments(
        pb.ListPaymentsRequest(customer_id=customer.id), metadata=compta
    )
    assert [(p.id, p.reversal_reason) for p in listed.payments] == [(payment.id, "chèque impayé")]
    [event] = await facture.events("facture.payment.reversed")
    assert event["reason"] == "chèque impayé" and event["allocations_undone"] == [
        {"invoice_id": invoice.id, "number": invoice.number, "amount_cents": 12000}
    ]
    again = await rpc_error(
        facture.stub.ReversePayment(
            pb.ReversePaymentRequest(id=payment.id, reason="deux fois"), metadata=compta
        )
    )
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    unknown = await rpc_error(
        facture.stub.ReversePayment(
            pb.ReversePaymentRequest(id=str(uuid.uuid4()), reason="inconnu"), metadata=compta
        )
    )
    assert unknown.code() == grpc.StatusCode.NOT_FOUND


async def test_absurd_or_ancient_payments_are_refused(facture: Facture) -> None:
    customer = await facture.customer()
    for field, values in {
        "amount.amount_cents": {"amount": eur(10**18)},
        "received_on": {"amount": eur(100), "received_on": d("0001-01-01")},
    }.items():
        error = await rpc_error(
            facture.stub.RecordPayment(
                pb.RecordPaymentRequest(
                    customer_id=customer.id, method=pb.PAYMENT_METHOD_CARD, **values
                ),  # type: ignore[arg-type]
                metadata=await facture.as_role("compta"),
            )
        )
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in field_violations(error.trailing_metadata()), field
    state = await balance(facture, customer.id)
    assert state.paid.amount_cents == 0
