"""/api/v1 invoicing routes through the real gateway, the real facture and contrat services."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness, service_account_settings
from facturx import get_facturx_xml_from_pdf
from lxml import etree

from .conftest import GatewayFactory, RunningGateway, auth_header


@dataclass
class Invoicing:
    gateway: RunningGateway
    auth: AuthFixture

    async def headers(self, role: str, customer_id: str = "") -> dict[str, str]:
        return auth_header(await self.auth.token(role, customer_id=customer_id))


@pytest_asyncio.fixture
async def invoicing(
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
    start_gateway: GatewayFactory,
) -> AsyncIterator[Invoicing]:
    contrat = await services.start(
        load_service("contrat"), database=rollback_database, targets={"auth": auth_service.target}
    )
    facture = await services.start(
        load_service("facture"),
        database=rollback_database,
        targets={"auth": auth_service.target, "contrat": contrat.target},
        render_processes=1,
        **service_account_settings("facture"),
    )
    gateway = await start_gateway(targets={"contrat": contrat.target, "facture": facture.target})
    yield Invoicing(gateway, auth_service)


async def customer(invoicing: Invoicing, name: str, siren: str, vat: str) -> str:
    response = await invoicing.gateway.client.post(
        "/api/v1/customers",
        json={
            "type": "business",
            "name": name,
            "legal_form": "SAS",
            "siren": siren,
            "vat_number": vat,
            "billing_address": {
                "lines": ["12 rue des Oliviers"],
                "postal_code": "34000",
                "city": "Montpellier",
            },
            "billing_contact_name": "Claire Fabre",
            "billing_email": "compta@example.fr",
        },
        headers=await invoicing.headers("bureau"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def draft_body(customer_id: str, **changes: object) -> dict[str, object]:
    return {
        "customer_id": customer_id,
        "lines": [
            {
                "description": "Entretien piscine",
                "quantity": "1",
                "unit_price": {"amount_cents": 15000},
                "vat_rate": "20",
            },
            {
                "description": "Chlore lent galets 5 kg",
                "quantity": "2",
                "unit_code": "C62",
                "unit_price": {"amount_cents": 4599},
                "vat_rate": "5.5",
            },
        ],
        "purchase_order": "BC-42",
        **changes,
    }


async def test_draft_issue_pdf_partial_payment_balance(invoicing: Invoicing) -> None:
    client = invoicing.gateway.client
    bureau = await invoicing.headers("bureau")
    compta = await invoicing.headers("compta")
    customer_id = await customer(
        invoicing, "Hôtel Les Flamants Roses", "732829320", "FR44732829320"
    )

    created = await client.post("/api/v1/invoices", json=draft_body(customer_id), headers=bureau)
    assert created.status_code == 201, created.text
    draft = created.json()
    # 150.00 + 30.00 VAT; 91.98 + 5.0589 -> 5.06 VAT: 277.04 incl. VAT
    assert (draft["status"], draft["number"]) == ("draft", "")
    assert (
        draft["total_excluding_vat_cents"],
        draft["total_vat_cents"],
        draft["total_including_vat_cents"],
    ) == (24198, 3506, 27704)

    refused = await client.post(f"/api/v1/invoices/{draft['id']}/issue", headers=bureau)
    assert refused.status_code == 403
    issued = await client.post(f"/api/v1/invoices/{draft['id']}/issue", headers=compta)
    assert issued.status_code == 200, issued.text
    invoice = issued.json()
    assert invoice["status"] == "issued" and invoice["number"].startswith("FA-")
    assert invoice["pdf_available"] and len(invoice["hash"]) == 64

    pdf = await client.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=bureau)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert f'filename="{invoice["number"]}.pdf"' in pdf.headers["content-disposition"]
    name, xml = get_facturx_xml_from_pdf(io.BytesIO(pdf.content), check_xsd=False)
    assert name == "factur-x.xml"
    assert etree.fromstring(xml).findtext("{*}ExchangedDocument/{*}ID") == invoice["number"]

    payment = await client.post(
        "/api/v1/payments",
        json={
            "customer_id": customer_id,
            "amount": {"amount_cents": 10000},
            "method": "transfer",
            "invoice_id": invoice["id"],
            "reference": "VIR 0042",
        },
        headers={**compta, "Idempotency-Key": "pay-0042"},
    )
    assert payment.status_code == 201, payment.text
    assert payment.json()["allocations"] == [
        {"invoice_id": invoice["id"], "invoice_number": invoice["number"], "amount_cents": 10000}
    ]
    after = (await client.get(f"/api/v1/invoices/{invoice['id']}", headers=bureau)).json()
    assert (after["status"], after["amount_due_cents"]) == ("partially_paid", 17704)

    balance = await client.get(f"/api/v1/customers/{customer_id}/balance", headers=compta)
    assert balance.status_code == 200
    state = balance.json()
    assert (state["invoiced_cents"], state["paid_cents"], state["balance_cents"]) == (
        27704,
        10000,
        17704,
    )
    assert [(o["number"], o["amount_due_cents"]) for o in state["open_invoices"]] == [
        (invoice["number"], 17704)
    ]
    assert state["aging"]["not_due_cents"] == 17704

    chain = await client.get("/api/v1/invoice-chain/verification", headers=compta)
    assert chain.json() == {
        "intact": True,
        "documents_checked": 1,
        "head_hash": invoice["hash"],
        "first_broken_link": None,
    }
    exported = await client.get(
        "/api/v1/exports/invoices.csv",
        params={"from_date": invoice["issue_date"], "to_date": invoice["issue_date"]},
        headers=compta,
    )
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert invoice["number"] in exported.content.decode("utf-8-sig")


async def test_invalid_input_is_422_with_the_field_and_editing_an_issued_invoice_is_409(
    invoicing: Invoicing,
) -> None:
    client = invoicing.gateway.client
    bureau = await invoicing.headers("bureau")
    customer_id = await customer(invoicing, "SCI Les Pins", "552100554", "FR96552100554")

    bad_rate = draft_body(customer_id)
    bad_rate["lines"][0]["vat_rate"] = "19.6"  # type: ignore[index]
    response = await client.post("/api/v1/invoices", json=bad_rate, headers=bureau)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "lines[0].vat_rate" in response.json()["errors"]

    unknown_field = draft_body(customer_id, total_cents=1)
    response = await client.post("/api/v1/invoices", json=unknown_field, headers=bureau)
    assert response.status_code == 422 and "total_cents" in response.json()["errors"]
    listed = await client.get("/api/v1/invoices", headers=bureau)
    assert listed.json()["items"] == []

    draft = (
        await client.post("/api/v1/invoices", json=draft_body(customer_id), headers=bureau)
    ).json()
    await client.post(
        f"/api/v1/invoices/{draft['id']}/issue", headers=await invoicing.headers("compta")
    )
    edited = await client.put(
        f"/api/v1/invoices/{draft['id']}", json=draft_body(customer_id), headers=bureau
    )
    assert edited.status_code == 409
    assert "issued" in edited.json()["detail"]
    deleted = await client.delete(f"/api/v1/invoices/{draft['id']}", headers=bureau)
    assert deleted.status_code == 409


async def test_a_client_reads_only_its_own_invoices(invoicing: Invoicing) -> None:
    client = invoicing.gateway.client
    bureau = await invoicing.headers("bureau")
    compta = await invoicing.headers("compta")
    mine = await customer(invoicing, "Mme Hélène Durand SAS", "443061841", "FR64443061841")
    theirs = await customer(invoicing, "Camping Les Dunes", "542065479", "FR82542065479")
    ids = {}
    for owner in (mine, theirs):
        draft = (
            await client.post("/api/v1/invoices", json=draft_body(owner), headers=bureau)
        ).json()
        ids[owner] = (
            await client.post(f"/api/v1/invoices/{draft['id']}/issue", headers=compta)
        ).json()["id"]
    me = await invoicing.headers("client", customer_id=mine)

    assert (await client.get(f"/api/v1/invoices/{ids[mine]}", headers=me)).status_code == 200
    assert (await client.get(f"/api/v1/invoices/{ids[mine]}/pdf", headers=me)).status_code == 200
    for path in (f"/api/v1/invoices/{ids[theirs]}", f"/api/v1/invoices/{ids[theirs]}/pdf"):
        response = await client.get(path, headers=me)
        assert response.status_code == 404, path
    assert (await client.get(f"/api/v1/customers/{theirs}/balance", headers=me)).status_code == 404
    listed = (await client.get("/api/v1/invoices", headers=me)).json()["items"]
    assert [i["id"] for i in listed] == [ids[mine]]
    assert (
        await client.post("/api/v1/invoices", json=draft_body(mine), headers=me)
    ).status_code == 403

    preview = await client.post(
        "/api/v1/billing-runs", json={"dry_run": True, "wait": True}, headers=compta
    )
    assert preview.status_code == 201, preview.text
    assert (preview.json()["status"], preview.json()["dry_run"]) == ("completed", True)


async def test_the_other_invoicing_routes_answer(invoicing: Invoicing) -> None:
    client = invoicing.gateway.client
    bureau = await invoicing.headers("bureau")
    compta = await invoicing.headers("compta")
    customer_id = await customer(invoicing, "Camping Les Dunes", "542065479", "FR82542065479")
    draft = (
        await client.post("/api/v1/invoices", json=draft_body(customer_id), headers=bureau)
    ).json()
    invoice = (await client.post(f"/api/v1/invoices/{draft['id']}/issue", headers=compta)).json()
    spare = (
        await client.post("/api/v1/invoices", json=draft_body(customer_id), headers=bureau)
    ).json()
    assert (
        await client.delete(f"/api/v1/invoices/{spare['id']}", headers=bureau)
    ).status_code == 204

    credit = await client.post(
        f"/api/v1/invoices/{invoice['id']}/credit-notes",
        json={"reason": "Erreur de facturation"},
        headers=bureau,
    )
    assert credit.status_code == 201, credit.text
    assert (credit.json()["type"], credit.json()["corrected_invoice_number"]) == (
        "credit_note",
        invoice["number"],
    )
    listed = await client.get(
        "/api/v1/invoices", params={"type": "credit_note", "status": ["draft"]}, headers=bureau
    )
    assert [i["id"] for i in listed.json()["items"]] == [credit.json()["id"]]

    by_intervention = await client.post(
        "/api/v1/interventions/7d4c4b4e-6a39-4d0b-9c1d-0a0b0c0d0e0f/invoice",
        json={
            "customer_id": customer_id,
            "items": [{"description": "Sonde pH", "quantity": "1", "unit_price_cents": 8900}],
        },
        headers=compta,
    )
    assert by_intervention.status_code == 200, by_intervention.text
    assert by_intervention.json()["invoice"]["source"] == "intervention"

    unconfirmed = await client.post("/api/v1/billing-runs", json={"wait": True}, headers=compta)
    assert unconfirmed.status_code == 422
    assert "confirmed_preview_id" in unconfirmed.text
    preview = (
        await client.post(
            "/api/v1/billing-runs", json={"wait": True, "dry_run": True}, headers=compta
        )
    ).json()
    assert preview["status"] == "completed"
    run = (
        await client.post(
            "/api/v1/billing-runs",
            json={"wait": True, "confirmed_preview_id": preview["id"]},
            headers=compta,
        )
    ).json()
    assert run["status"] == "completed"
    assert (await client.get(f"/api/v1/billing-runs/{run['id']}", headers=bureau)).json()[
        "id"
    ] == run["id"]
    assert (await client.get(f"/api/v1/billing-runs/{run['id']}/entries", headers=bureau)).json()[
        "items"
    ] == []
    assert {
        r["id"] for r in (await client.get("/api/v1/billing-runs", headers=bureau)).json()["items"]
    } == {run["id"], preview["id"]}
    resumed = await client.post(f"/api/v1/billing-runs/{run['id']}/resume", headers=compta)
    assert resumed.status_code == 409

    payment = await client.post(
        "/api/v1/payments",
        json={"customer_id": customer_id, "amount": {"amount_cents": 500}, "method": "cheque"},
        headers=compta,
    )
    assert payment.status_code == 201
    payments = (
        await client.get("/api/v1/payments", params={"customer_id": customer_id}, headers=bureau)
    ).json()
    assert [p["id"] for p in payments["items"]] == [payment.json()["id"]]
    aging = (await client.get("/api/v1/receivables/aging", headers=bureau)).json()
    assert aging["customers"][0]["customer_id"] == customer_id

    paused = await client.put(
        f"/api/v1/customers/{customer_id}/dunning-pause",
        json={"paused": True, "reason": "échéancier accordé"},
        headers=compta,
    )
    assert paused.json() == {
        "customer_id": customer_id,
        "paused": True,
        "until": None,
        "reason": "échéancier accordé",
    }
    dunning = await client.post("/api/v1/dunning/runs", json={}, headers=compta)
    assert dunning.json() == {"letters": [], "paused_customer_ids": []}
    letters = await client.get("/api/v1/dunning/letters", headers=bureau)
    assert letters.json()["items"] == []

    day = invoice["issue_date"]
    payments_csv = await client.get(
        "/api/v1/exports/payments.csv", params={"from_date": day, "to_date": day}, headers=compta
    )
    assert payments_csv.status_code == 200 and "chèque" in payments_csv.content.decode("utf-8-sig")
    fec = await client.get(
        "/api/v1/exports/fec", params={"from_date": day, "to_date": day}, headers=compta
    )
    assert fec.status_code == 200 and fec.text.startswith("JournalCode\tJournalLib")
    refused = await client.get(
        "/api/v1/exports/fec", params={"from_date": day, "to_date": day}, headers=bureau
    )
    assert refused.status_code == 403
