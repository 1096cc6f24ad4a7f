"""GDPR erasure and export across every service.

A private customer with a site, a contract, a corrective intervention, an issued invoice (which
the `invoice-issued` workflow e-mails through the mailer) and a payment is erased. Afterwards
none of their values (name, e-mail, phone, address, site notes) is in any text, array or JSON
column of any service's schema, except the issued invoice's legal content (`document`, kept
ten years, GDPR art. 17(3)(b)); nor in the log records the services wrote during the whole
test. The hash chain still verifies and the FEC still builds; another customer's export is
the same before and after.

Real services (auth, contrat, intervention, facture, mailer, workflow with its shipped
definitions) run in this process over real gRPC channels, with real PostgreSQL and an aiosmtpd
SMTP peer, every one on one fixed clock.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp.facture.v1 import facture_pb2 as fpb
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp.intervention.v1 import intervention_pb2 as ipb
from aquaerp.intervention.v1 import intervention_pb2_grpc
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import (
    AuthFixture,
    ServiceHarness,
    bearer,
    rpc_error,
    service_account_settings,
    truncate_schema,
)
from aquaerp_runtime.testing.polling import eventually
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SCHEMAS = ("contrat", "facture", "intervention", "mailer", "workflow", "auth", "gateway")
# The legal content of an issued invoice keeps the buyer as issued (10-year retention).
LEGAL_RETENTION = {("facture", "invoices", "document")}
TEXT_TYPES = ("text", "character varying", "jsonb", "json", "ARRAY")


class Mailbox:
    def __init__(self) -> None:
        self.recipients: list[str] = []
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest_asyncio.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    box = Mailbox()
    box.controller.start()
    yield box
    box.controller.stop()


def d(value: str) -> common_pb2.Date:
    year, month, day = (int(p) for p in value.split("-"))
    return common_pb2.Date(year=year, month=month, day=day)


def person(name: str, email: str, phone: str, street: str) -> dict[str, Any]:
    return {
        "name": name,
        "email": email,
        "phone": phone,
        "street": street,
        "site_street": f"{street} bis",
        "access_notes": f"Clé chez la voisine de {name}",
    }


ERASED = person(
    "Ondine Verrier", "ondine.verrier@exemple.fr", "06 71 82 93 04", "17 impasse des Nénuphars"
)
KEPT = person(
    "Basile Fontanel", "basile.fontanel@exemple.fr", "06 11 22 33 44", "3 chemin du Lavoir"
)


async def text_hits(engine: AsyncEngine, values: list[str]) -> set[tuple[str, str, str]]:
    """(schema, table, column) of every text, array or JSON column holding one of `values`."""
    patterns = [f"%{v}%" for v in values]
    hits: set[tuple[str, str, str]] = set()
    async with engine.connect() as connection:
        columns = (
            await connection.execute(
                text(
                    "SELECT c.table_schema, c.table_name, c.column_name FROM"
                    " information_schema.columns c JOIN information_schema.tables t"
                    " ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
                    " WHERE c.table_schema = ANY(:schemas) AND c.data_type = ANY(:types)"
                    " AND t.table_type = 'BASE TABLE'"
                ),
                {"schemas": list(SCHEMAS), "types": list(TEXT_TYPES)},
            )
        ).all()
        assert len(columns) > 100, "the scan must see every service's schema"
        for schema, table, column in columns:
            found = await connection.scalar(
                text(
                    f'SELECT EXISTS (SELECT 1 FROM "{schema}"."{table}"'
                    f' WHERE "{column}"::text ILIKE ANY(:patterns))'
                ),
                {"patterns": patterns},
            )
            if found:
                hits.add((schema, table, column))
    return hits


def values_of(who: dict[str, Any]) -> list[str]:
    return [who["name"], who["email"], who["phone"], who["street"], who["access_notes"]]


async def test_erased_customer_is_gone_everywhere_but_the_issued_invoice(
    services: ServiceHarness,
    auth_service: AuthFixture,
    mailbox: Mailbox,
    engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    for name in ("workflow", "facture", "mailer", "intervention", "contrat"):
        await services.migrate(load_service(name))
    await truncate_schema(engine, "workflow")
    clock = FixedClock(paris(2026, 7, 15, 15, 0))
    auth = {"auth": auth_service.target}
    workflow = await services.start(
        load_service("workflow"),
        clock=clock,
        targets=dict(auth),
        scheduler_enabled=False,
        worker_poll_interval=0.1,
        **service_account_settings("workflow"),
    )
    contrat = await services.start(
        load_service("contrat"),
        clock=clock,
        targets={**auth, "workflow": workflow.target},
        publish_events=True,
        **service_account_settings("contrat"),
    )
    intervention = await services.start(
        load_service("intervention"),
        clock=clock,
        targets={**auth, "contrat": contrat.target, "workflow": workflow.target},
        publish_events=True,
        **service_account_settings("intervention"),
    )
    facture = await services.start(
        load_service("facture"),
        clock=clock,
        targets={
            **auth,
            "contrat": contrat.target,
            "intervention": intervention.target,
            "workflow": workflow.target,
        },
        publish_events=True,
        render_processes=1,
        **service_account_settings("facture"),
    )
    mailer = await services.start(
        load_service("mailer"),
        clock=clock,
        targets={
            **auth,
            "facture": facture.target,
            "intervention": intervention.target,
            "workflow": workflow.target,
        },
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_starttls=False,
        **service_account_settings("mailer"),
    )
    # Channels open on first use, after these.
    peers = {
        "facture": facture.target,
        "intervention": intervention.target,
        "mailer": mailer.target,
        "workflow": workflow.target,
    }
    workflow.ctx.settings.targets.update({"contrat": contrat.target, **peers})
    contrat.ctx.settings.targets.update(peers)

    office = bearer(await auth_service.token("bureau"))
    accounting = bearer(await auth_service.token("compta"))
    channels = [
        create_channel(s.target, default_timeout=60) for s in (contrat, facture, intervention)
    ]
    contrats = contrat_pb2_grpc.ContratServiceStub(channels[0])
    invoices = facture_pb2_grpc.FactureServiceStub(channels[1])
    interventions = intervention_pb2_grpc.InterventionServiceStub(channels[2])

    async def customer_with_history(who: dict[str, Any]) -> tuple[cpb.Customer, cpb.Contract]:
        customer = await contrats.CreateCustomer(
            cpb.CreateCustomerRequest(
                customer=cpb.CustomerInput(
                    type=cpb.CUSTOMER_TYPE_PRIVATE,
                    name=who["name"],
                    billing_address=common_pb2.Address(
                        lines=[who["street"]], postal_code="34970", city="Lattes", country="FR"
                    ),
                    billing_contact_name=who["name"],
                    billing_email=who["email"],
                    phone=who["phone"],
                    notes=f"Préfère être appelé au {who['phone']}",
                )
            ),
            metadata=office,
        )
        site = await contrats.CreateSite(
            cpb.CreateSiteRequest(
                customer_id=customer.id,
                site=cpb.SiteInput(
                    name=f"Piscine de {who['name']}",
                    address=common_pb2.Address(
                        lines=[who["site_street"]], postal_code="34970", city="Lattes", country="FR"
                    ),
                    geo=common_pb2.GeoPoint(latitude=43.5675, longitude=3.9009),
                    access_notes=who["access_notes"],
                    gate_code="4821B",
                ),
            ),
            metadata=office,
        )
        contract = await contrats.CreateContract(
            cpb.CreateContractRequest(
                contract=cpb.ContractInput(
                    customer_id=customer.id,
                    site_ids=[site.id],
                    lines=[
                        cpb.ContractLineInput(
                            product_code="ENT-PISC",
                            label="Entretien piscine",
                            quantity="1",
                            unit_price=common_pb2.Money(amount_cents=9000, currency="EUR"),
                            vat_rate="20",
                        )
                    ],
                    billing_frequency=cpb.BILLING_FREQUENCY_MONTHLY,
                    billing_timing=cpb.BILLING_TIMING_IN_ADVANCE,
                    payment_terms=cpb.PaymentTerms(days=30),
                    start_date=d("2026-07-01"),
                    sla_hours=24,
                )
            ),
            metadata=office,
        )
        contract = await contrats.ActivateContract(
            cpb.ActivateContractRequest(id=contract.id), metadata=office
        )
        await interventions.CreateIntervention(
            ipb.CreateInterventionRequest(
                contract_id=contract.id,
                site_id=site.id,
                priority=ipb.PRIORITY_HIGH,
                problem_description=f"Eau verte, {who['name']} rappelle au {who['phone']}",
            ),
            metadata=office,
        )
        draft = await invoices.CreateInvoice(
            fpb.CreateInvoiceRequest(
                invoice=fpb.InvoiceInput(
                    customer_id=customer.id,
                    lines=[
                        fpb.InvoiceLineInput(
                            description="Traitement choc",
                            quantity="1",
                            unit_code="C62",
                            unit_price=common_pb2.Money(amount_cents=12000, currency="EUR"),
                            vat_rate="20",
                        )
                    ],
                )
            ),
            metadata=office,
        )
        issued = await invoices.IssueInvoice(
            fpb.IssueInvoiceRequest(id=draft.id), metadata=accounting
        )
        await invoices.RecordPayment(
            fpb.RecordPaymentRequest(
                customer_id=customer.id,
                amount=common_pb2.Money(amount_cents=14400, currency="EUR"),
                method=fpb.PAYMENT_METHOD_TRANSFER,
                received_on=d("2026-07-15"),
                reference=f"VIR {issued.number}",
                invoice_id=issued.id,
                note=f"Virement de {who['name']}",
            ),
            metadata=accounting,
        )
        return customer, contract

    async def export(customer_id: str) -> cpb.CustomerPersonalData:
        data: cpb.CustomerPersonalData = await contrats.ExportCustomerPersonalData(
            cpb.ExportCustomerPersonalDataRequest(id=customer_id), metadata=office
        )
        return data

    def parts(data: cpb.CustomerPersonalData) -> dict[str, Any]:
        """The export per service, without the audit events of the exports themselves (each
        export adds one to the customer's history)."""
        found = {
            p.service: (
                json.loads(p.records_json),
                sorted((d.file_name, d.content) for d in p.documents),
            )
            for p in data.parts
        }
        records = found["workflow"][0]
        records["events"] = [
            e for e in records["events"] if e["type"] != "contrat.customer.personal_data_exported"
        ]
        return found

    try:
        erased, contract = await customer_with_history(ERASED)
        kept, _ = await customer_with_history(KEPT)

        async def both_mailed() -> bool:
            return {ERASED["email"], KEPT["email"]} <= set(mailbox.recipients)

        await eventually(both_mailed, timeout=90, what="the two invoice e-mails")

        # The export holds everything, and settles once the e-mails are recorded as sent.
        previous: list[dict[str, Any]] = []

        async def settled_export() -> bool:
            current = parts(await export(kept.id))
            stable = bool(previous) and previous[-1] == current
            previous.append(current)
            return stable and '"sent"' in json.dumps(current["mailer"][0])

        await eventually(settled_export, timeout=60, what="a settled export of the kept customer")
        before = previous[-1]
        assert set(before) == {"contrat", "facture", "intervention", "mailer", "workflow"}
        assert KEPT["email"] in json.dumps(before["contrat"][0], ensure_ascii=False)
        assert all(name.endswith(".pdf") for name, _ in before["facture"][1])
        assert before["facture"][1]
        assert KEPT["name"] in json.dumps(before["workflow"][0], ensure_ascii=False)

        hits = await text_hits(engine, values_of(ERASED))
        assert {("contrat", "customers", "name"), ("mailer", "messages", "recipients")} <= hits

        # A live contract blocks the erasure; once it ends, the customer can be erased.
        refused = await rpc_error(
            contrats.EraseCustomer(
                cpb.EraseCustomerRequest(id=erased.id, reason="demande du client"),
                metadata=office,
            )
        )
        assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
        await contrats.TerminateContract(
            cpb.TerminateContractRequest(
                id=contract.id, effective_date=d("2026-07-15"), reason="demande du client"
            ),
            metadata=office,
        )
        result = await contrats.EraseCustomer(
            cpb.EraseCustomerRequest(id=erased.id, reason="demande du client du 15 juillet"),
            metadata=office,
        )
        assert result.name == f"Client effacé #{erased.code}"
        assert result.billing_email == result.phone == "" and result.HasField("erase_time")
        again = await contrats.EraseCustomer(
            cpb.EraseCustomerRequest(id=erased.id, reason="deuxième demande"), metadata=office
        )
        assert again.erase_time == result.erase_time

        left = await text_hits(engine, values_of(ERASED))
        assert left == LEGAL_RETENTION, f"personal data left in {sorted(left - LEGAL_RETENTION)}"
        # What the product logs (the SMTP peer of the test logs its envelopes).
        records = [
            (r.getMessage(), json.dumps(getattr(r, "audit", ""), ensure_ascii=False))
            for r in caplog.records
            if r.name.startswith("aquaerp")
        ]
        for value in values_of(ERASED):
            assert not [r for r in records if value.lower() in str(r).lower()], value

        chain = await invoices.VerifyChain(fpb.VerifyChainRequest(), metadata=accounting)
        assert chain.intact and chain.documents_checked >= 2
        fec = await invoices.ExportFec(
            fpb.ExportRequest(from_date=d("2026-01-01"), to_date=d("2026-12-31")),
            metadata=accounting,
        )
        assert fec.rows > 0

        after = parts(await export(kept.id))
        assert after == before
        erased_export = parts(await export(erased.id))
        assert ERASED["email"] not in json.dumps(erased_export["contrat"][0], ensure_ascii=False)
        assert erased_export["intervention"][1] == []
    finally:
        for channel in channels:
            await channel.close()
