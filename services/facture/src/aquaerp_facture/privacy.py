"""Personal data held by facture (GDPR): export and erasure of one customer's records.

Issued invoices and credit notes are accounting documents kept ten years (Code de commerce
L123-22, LPF L102 B); their legal content (`document`, the PDF and the hash chain) keeps the
buyer as issued: erasure does not apply to data a legal obligation requires to keep
(GDPR art. 17(3)(b)). Everything else loses the person: the name and e-mail columns used for
lists and e-mails (outside the hash), drafts, billing-run entries, dunning letters, payment
notes and the texts of events. Payments and allocations keep amounts, dates and references
(accounting), and the FEC is built from the issued documents, so it still verifies.
"""

from __future__ import annotations

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp_runtime.authz import require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.personal_data import Scrubber, changed_rows, records_json, rows_of, scrub_table
from sqlalchemy import select, text, update

from .billing_runs import BillingRuns
from .models import (
    DRAFT,
    allocations,
    billing_run_entries,
    dunning_letters,
    dunning_pauses,
    invoices,
    outbox,
    payments,
)
from .receivables import Receivables
from .service import FactureService
from .servicer import FactureServicer

# Columns of an invoice in the export's JSON; the PDF is a file of its own.
_INVOICE_COLUMNS = [c for c in invoices.c if c.name != "pdf"]


class FacturePersonalData:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def export(self, customer_id: str) -> common_pb2.PersonalDataExport:
        require_roles()
        async with self.database.unit_of_work() as session:
            records = {
                "invoices": await rows_of(
                    session, select(*_INVOICE_COLUMNS).where(invoices.c.customer_id == customer_id)
                ),
                "payments": await rows_of(
                    session, select(payments).where(payments.c.customer_id == customer_id)
                ),
                "allocations": await rows_of(
                    session, select(allocations).where(allocations.c.customer_id == customer_id)
                ),
                "dunning_letters": await rows_of(
                    session,
                    select(dunning_letters).where(dunning_letters.c.customer_id == customer_id),
                ),
            }
            pdfs = (
                await session.execute(
                    select(invoices.c.number, invoices.c.pdf).where(
                        invoices.c.customer_id == customer_id, invoices.c.pdf.is_not(None)
                    )
                )
            ).all()
        return common_pb2.PersonalDataExport(
            service="facture",
            records_json=records_json(records),
            documents=[
                common_pb2.PersonalDocument(
                    file_name=f"factures/{number}.pdf", content_type="application/pdf", content=pdf
                )
                for number, pdf in pdfs
            ],
        )

    async def erase(
        self, request: common_pb2.ErasePersonalDataRequest
    ) -> common_pb2.ErasePersonalDataResponse:
        require_roles()
        customer_id, pseudonym = request.customer_id, request.pseudonym
        scrubber = Scrubber(list(request.personal_values), pseudonym)
        changed = 0
        async with self.database.unit_of_work() as session:
            # The guard of issued documents lets this transaction rewrite their display copies
            # of the buyer, nothing else (migration 0003).
            await session.execute(text("SET LOCAL facture.personal_data_erasure = 'on'"))
            # Outside the hash: the issued document keeps the buyer, these columns do not.
            for table in (invoices, dunning_letters):
                result = await session.execute(
                    update(table)
                    .where(
                        table.c.customer_id == customer_id,
                        (table.c.customer_name != pseudonym) | (table.c.customer_email != ""),
                    )
                    .values(customer_name=pseudonym, customer_email="")
                )
                changed += changed_rows(result)
            result = await session.execute(
                update(billing_run_entries)
                .where(
                    billing_run_entries.c.customer_id == customer_id,
                    billing_run_entries.c.customer_name != pseudonym,
                )
                .values(customer_name=pseudonym)
            )
            changed += changed_rows(result)
            for table, columns, where in (
                (invoices, ("content",), invoices.c.customer_id == customer_id),
                (
                    invoices,
                    ("document",),
                    (invoices.c.customer_id == customer_id) & (invoices.c.status == DRAFT),
                ),
                (billing_run_entries, ("billables", "reason"), None),
                (dunning_letters, ("items",), dunning_letters.c.customer_id == customer_id),
                (payments, ("note",), payments.c.customer_id == customer_id),
                (dunning_pauses, ("reason",), dunning_pauses.c.customer_id == customer_id),
                (outbox, ("payload",), None),
            ):
                changed += await scrub_table(session, table, columns, scrubber, where)
        return common_pb2.ErasePersonalDataResponse(rows_changed=changed)


class FactureApi(FactureServicer):
    """The facture API: invoices, billing runs and receivables, plus the personal-data RPCs."""

    def __init__(
        self,
        documents: FactureService,
        runs: BillingRuns,
        receivables: Receivables,
        personal_data: FacturePersonalData,
    ) -> None:
        super().__init__(documents, runs, receivables)
        self.personal_data = personal_data

    async def ExportPersonalData(
        self, request: common_pb2.ExportPersonalDataRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.PersonalDataExport:
        return await self.personal_data.export(request.customer_id)

    async def ErasePersonalData(
        self, request: common_pb2.ErasePersonalDataRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.ErasePersonalDataResponse:
        return await self.personal_data.erase(request)
