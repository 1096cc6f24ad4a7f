"""How the platform runs the facture service."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from aquaerp.facture.v1 import facture_pb2, facture_pb2_grpc
from aquaerp_runtime.auth_audit import audit_recorder
from aquaerp_runtime.authz import SERVICE
from aquaerp_runtime.context import Principal, principal_var
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import ServiceContext, ServiceSpec
from aquaerp_runtime.settings import ServiceSettings

from .billing_runs import BillingRuns
from .clients import GrpcContratDirectory, GrpcInterventionDirectory
from .config import FactureSettings
from .issuing import Issuer
from .models import outbox
from .privacy import FactureApi, FacturePersonalData
from .receivables import PaymentInput, Receivables
from .rendering import acquire_render_pool, release_render_pool
from .service import FactureService
from .verification import verify_chain

log = logging.getLogger(__name__)

SERVICE_NAME = facture_pb2.DESCRIPTOR.services_by_name["FactureService"].full_name


async def setup(ctx: ServiceContext) -> None:
    settings = ctx.settings
    assert isinstance(settings, FactureSettings)
    # Font subsetting reports every table it prunes at INFO: not news for an operator.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    pool = acquire_render_pool(settings.render_processes, settings.font_dir)
    clock = ctx.clock
    issuer = Issuer(settings.seller, pool, clock, render_processes=settings.render_processes)
    contrat = GrpcContratDirectory(ctx.channel("contrat"))
    documents = FactureService(
        ctx.database,
        settings,
        contrat=contrat,
        interventions=GrpcInterventionDirectory(ctx.channel("intervention")),
        issuer=issuer,
        clock=clock,
    )
    runs = BillingRuns(ctx.database, settings, contrat=contrat, issuer=issuer, clock=clock)
    receivables = Receivables(ctx.database, settings, contrat=contrat, clock=clock)
    if settings.service_client_id:  # auth records only what a service account tells it
        receivables.audit_hook = audit_recorder(
            ctx.channel("auth"), prefix="facture.", target="payment_id"
        )
    relay = ctx.publish_outbox(outbox)
    if relay is not None:
        documents.on_events = runs.on_events = receivables.on_events = relay.notify
    ctx.add_servicer(
        facture_pb2_grpc.add_FactureServiceServicer_to_server,
        FactureApi(documents, runs, receivables, FacturePersonalData(ctx.database, clock)),
        SERVICE_NAME,
    )

    async def warm_up_renderers() -> None:
        # Workers start now rather than on the first issue (seconds of imports and fonts).
        await pool.start()

    async def resume_billing_runs() -> None:
        # Runs left by a stopped or crashed replica continue here; at stop, ours are handed on.
        try:
            while True:
                try:
                    await runs.resume_stale_runs()
                except Exception:
                    log.exception("looking for billing runs to resume failed")
                await asyncio.sleep(settings.billing_stale_after_seconds / 2)
        finally:
            await runs.stop_runs()

    async def join_billing_runs() -> None:
        # One run uses every replica's renderers: each joins the runs the others are working.
        while True:
            try:
                await runs.join_live_runs()
            except Exception:
                log.exception("looking for billing runs to join failed")
            await asyncio.sleep(settings.billing_join_interval_seconds)

    async def release_renderers() -> None:
        await release_render_pool(pool)

    ctx.add_background(warm_up_renderers)
    ctx.add_background(resume_billing_runs)
    if settings.billing_join_interval_seconds > 0:
        ctx.add_background(join_billing_runs)
    ctx.on_shutdown(release_renderers)


async def verify_chain_command(settings: ServiceSettings, argv: list[str]) -> int:
    """`python -m aquaerp_facture verify-chain`: checks the hash chain of every issued invoice
    and credit note in FACTURE_DATABASE_URL; exit code 0 when intact, 1 at the first broken
    link (printed)."""
    database = Database.from_url(
        settings.database_url, pool_size=1, application_name="facture-verify"
    )
    try:
        report = await verify_chain(database)
    finally:
        await database.dispose()
    if report.broken is None:
        print(
            f"invoice hash chain intact: {report.documents_checked} documents,"
            f" head {report.head_hash or '(empty)'}"
        )
        return 0
    broken = report.broken
    print(
        f"invoice hash chain BROKEN at position {broken.chain_position}"
        f" ({broken.invoice_number or 'unknown document'}): {broken.reason};"
        f" {report.documents_checked} documents verified before it"
    )
    return 1


async def seed_demo(settings: ServiceSettings, argv: list[str]) -> int:
    """`python -m aquaerp_facture seed-demo`: bills the demo contracts (periods from the first day
    of last month) and records payments for some of the invoices, so that balances, aging and
    dunning have something to show. Does nothing new when run again."""
    assert isinstance(settings, FactureSettings)
    database = Database.from_url(
        settings.database_url, pool_size=4, application_name="facture-seed"
    )
    ctx = ServiceContext(SPEC, settings, database)
    pool = acquire_render_pool(settings.render_processes, settings.font_dir)
    principal_var.set(Principal(subject="facture-demo", roles=frozenset({SERVICE})))
    try:
        await pool.start()
        contrat = GrpcContratDirectory(ctx.channel("contrat"))
        runs = BillingRuns(
            database,
            settings,
            contrat=contrat,
            issuer=Issuer(
                settings.seller, pool, ctx.clock, render_processes=settings.render_processes
            ),
            clock=ctx.clock,
        )
        receivables = Receivables(database, settings, contrat=contrat, clock=ctx.clock)
        today = ctx.clock.today()
        last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        run = await runs.start_billing_run(
            up_to=today,
            from_date=last_month,
            contract_id="",
            dry_run=False,
            wait=True,
            idempotency_key="demo-billing",
        )
        entries = await runs.list_run_entries(str(run.row.id), "issued", 2000, "")
        paid = 0
        for index, entry in enumerate(entries.items):
            if index % 3 == 2 or entry.invoice_number is None:
                continue  # a third stays unpaid
            amount = entry.total_including_vat_cents
            await receivables.record_payment(
                PaymentInput(
                    customer_id=entry.customer_id,
                    amount_cents=amount if index % 3 == 0 else amount // 2,
                    currency="EUR",
                    method="transfer" if index % 2 else "sepa_direct_debit",
                    received_on=today,
                    reference=f"Règlement {entry.invoice_number}",
                    invoice_id=str(entry.invoice_id),
                    note="",
                    idempotency_key=f"demo-payment-{entry.invoice_number}",
                )
            )
            paid += 1
    finally:
        await ctx.close()
        await database.dispose()
        await release_render_pool(pool)
    print(
        f"facture demo data: billing run {run.counts.issued} invoices issued"
        f" ({run.counts.skipped} already there), {paid} payments recorded"
    )
    return 0


SPEC = ServiceSpec(
    name="facture",
    settings_class=FactureSettings,
    setup=setup,
    migrations=Path(__file__).parent / "migrations",
    commands={"verify-chain": verify_chain_command, "seed-demo": seed_demo},
    calls=("contrat", "intervention"),
)
