"""A real billing run against its raw-rendering baseline, in one run on this machine.

- Billing run: N active contracts in a real contrat service (one monthly period due each, three
  lines at two VAT rates), then facture.StartBillingRun: plan from contrat, number, render the
  Factur-X PDFs in the process pool, chain the hashes, store documents and PDFs in PostgreSQL,
  write the events. auth, contrat and facture run as their own processes, as in production.
- Baseline: the very documents that run issued, rendered by the document engine in a
  `RenderPool` with the same number of processes, all submitted at once, nothing stored.

Prints invoices per second for both, their ratio, and milliseconds per invoice; the serial
part (time the chain lock is held per invoice, read from facture's own metric
`aquaerp_facture_chain_lock_seconds_per_invoice`) and the ceiling it implies; documents
rendered again after a wrong number forecast (renders counted by facture's
`aquaerp_facture_pdf_render_seconds` minus the invoices issued); the facture process tree's
peak memory (sum of each process's high-water mark). `--json FILE` writes the figures.
Targets: >= 12 invoices/s on the 2-core development machine, and >= 0.8 of the baseline.
`--replicas K --processes P` runs K facture replicas of P rendering processes each: the run is
started on the first, the others join it; the baseline then uses K * P processes.

    uv run python bench/billing_run.py [--contracts 2000] [--replicas 1] [--processes 2]
        [--batch 24] [--json figures.json]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import time
import urllib.request
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp.facture.v1 import facture_pb2 as fpb
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp_facture.billing import entry_draft, plan_entries
from aquaerp_facture.clients import GrpcContratDirectory
from aquaerp_facture.config import FactureSettings
from aquaerp_facture.documents import Document, DocumentType, RenderPool, from_data
from aquaerp_facture.drafts import build_document, buyer_of
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.ports import free_port
from common import (
    ROOT,
    SERVICE_SECRET,
    admin_token,
    bench_database,
    service_env,
    start_process,
    wait_grpc,
)
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

SIRENS = ["552100554", "732829320", "443061841", "542065479", "652014051", "775670417"]
PARIS = ZoneInfo("Europe/Paris")


def money(cents: int) -> common_pb2.Money:
    return common_pb2.Money(amount_cents=cents, currency="EUR")


def proto_date(value: date) -> common_pb2.Date:
    return common_pb2.Date(year=value.year, month=value.month, day=value.day)


def vat_number(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


async def create_contracts(
    stub: contrat_pb2_grpc.ContratServiceStub, metadata: tuple[tuple[str, str], ...], count: int
) -> None:
    """`count` business customers, each with a site and an active monthly contract started on
    the first day of this month (so exactly one period is due)."""
    start = datetime.now(PARIS).date().replace(day=1)
    address = common_pb2.Address(
        lines=["12 rue des Oliviers"], postal_code="34000", city="Montpellier", country="FR"
    )
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(count):
        queue.put_nowait(number)

    async def worker() -> None:
        while not queue.empty():
            number = queue.get_nowait()
            siren = SIRENS[number % len(SIRENS)]
            customer = await stub.CreateCustomer(
                cpb.CreateCustomerRequest(
                    customer=cpb.CustomerInput(
                        type=cpb.CUSTOMER_TYPE_BUSINESS,
                        name=f"Résidence Les Pins {number}",
                        legal_form="SCI",
                        siren=siren,
                        vat_number=vat_number(siren),
                        billing_address=address,
                        billing_contact_name="Claire Fabre",
                        billing_email=f"syndic{number}@example.fr",
                    )
                ),
                metadata=metadata,
            )
            site = await stub.CreateSite(
                cpb.CreateSiteRequest(
                    customer_id=customer.id,
                    site=cpb.SiteInput(name="Piscine", address=address),
                ),
                metadata=metadata,
            )
            draft = await stub.CreateContract(
                cpb.CreateContractRequest(
                    contract=cpb.ContractInput(
                        customer_id=customer.id,
                        site_ids=[site.id],
                        lines=[
                            cpb.ContractLineInput(
                                product_code="ENT-PISC",
                                label="Entretien mensuel piscine",
                                quantity="1",
                                unit_price=money(18500),
                                vat_rate="20",
                            ),
                            cpb.ContractLineInput(
                                product_code="ANA-EAU",
                                label="Analyse d'eau complète",
                                quantity="2",
                                unit_price=money(3500),
                                vat_rate="20",
                            ),
                            cpb.ContractLineInput(
                                product_code="CHL-LENT",
                                label="Chlore lent galets 5 kg",
                                quantity="3",
                                unit_price=money(4599),
                                vat_rate="5.5",
                            ),
                        ],
                        billing_frequency=cpb.BILLING_FREQUENCY_MONTHLY,
                        billing_timing=cpb.BILLING_TIMING_IN_ADVANCE,
                        payment_terms=cpb.PaymentTerms(days=30),
                        start_date=proto_date(start),
                    )
                ),
                metadata=metadata,
            )
            await stub.ActivateContract(cpb.ActivateContractRequest(id=draft.id), metadata=metadata)

    await asyncio.gather(*(worker() for _ in range(16)))


async def expected_documents(
    contrat_target: str, token: str, settings: FactureSettings
) -> list[Document]:
    """The documents the run will issue, built ahead by facture's own planning code (numbers
    from FA-<year>-000001, issued today), for the baseline measured before the run."""

    async def credentials() -> str:
        return token

    channel = create_channel(contrat_target, default_timeout=120, credentials=credentials)
    try:
        today = datetime.now(PARIS).date()
        contracts, token_ = [], ""
        directory = GrpcContratDirectory(channel)
        while True:
            page, token_ = await directory.billables(
                up_to=today, from_date=None, contract_id="", page_size=500, page_token=token_
            )
            contracts += page
            if not token_:
                break
    finally:
        await channel.close()
    entries = sorted(plan_entries(contracts), key=lambda e: e.contract_id)
    return [
        build_document(
            entry_draft(entry, settings.zero_rate_exemption_reason),
            type=DocumentType.INVOICE,
            number=f"FA-{today.year}-{index:06d}",
            issue_date=today,
            seller=settings.seller,
            buyer=buyer_of(entry.customer),
        )
        for index, entry in enumerate(entries, start=1)
    ]


async def issued_documents(url: str, seller_logo: object) -> list[Document]:
    """The documents the billing run issued, as the engine renders them (with the logo)."""
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT document FROM facture.invoices WHERE status = 'issued'"
                    " ORDER BY chain_position"
                )
            )
            documents = [from_data(row[0]) for row in rows]
    finally:
        await engine.dispose()
    return [
        dataclasses.replace(d, seller=dataclasses.replace(d.seller, logo=seller_logo))  # type: ignore[arg-type]
        for d in documents
    ]


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_and_parent(pid: int) -> tuple[float, int]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of proc(5); fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / TICKS, int(fields[1])


def process_tree_cpu(pid: int) -> tuple[float, float]:
    """CPU seconds used so far by a process, and by its live children (the rendering workers)."""
    children = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != pid:
            try:
                cpu, parent = _cpu_and_parent(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                children += cpu
    return _cpu_and_parent(pid)[0], children


def peak_rss_mb(pid: int) -> float:
    """The high-water marks of a process and of its live children (the rendering workers)."""
    pids = [pid] + [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and int(entry.name) != pid and _parent(int(entry.name)) == pid
    ]
    total_kb = 0
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def _parent(pid: int) -> int:
    try:
        return _cpu_and_parent(pid)[1]
    except (OSError, IndexError, ValueError):
        return -1


def scrape(port: int) -> dict[str, float]:
    """Facture's metrics, by sample name (labels ignored: the ones read here have none)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text_ = response.read().decode()
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text_)
        for sample in family.samples
    }


def trees_cpu(pids: list[int]) -> tuple[float, float]:
    """CPU seconds of the replicas' main processes and of their rendering workers, summed."""
    trees = [process_tree_cpu(pid) for pid in pids]
    return sum(main for main, _ in trees), sum(workers for _, workers in trees)


def scrape_all(ports: list[int]) -> dict[str, float]:
    """Every replica's metrics, summed by sample name."""
    total: dict[str, float] = {}
    for port in ports:
        for name, value in scrape(port).items():
            total[name] = total.get(name, 0.0) + value
    return total


def _content(document: Document) -> str:
    return repr(dataclasses.replace(document, number="-"))


async def raw_baseline(documents: list[Document], processes: int) -> tuple[float, float]:
    """Seconds to render `documents` with a warm pool of `processes` workers, and the CPU
    seconds the workers used for it."""
    async with RenderPool(processes=processes) as pool:
        _, workers_before = process_tree_cpu(os.getpid())
        started = time.perf_counter()
        await asyncio.gather(*(pool.render(document) for document in documents))
        elapsed = time.perf_counter() - started
        return elapsed, process_tree_cpu(os.getpid())[1] - workers_before


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=2000)
    parser.add_argument(
        "--processes", type=int, default=2, help="rendering processes of each facture replica"
    )
    parser.add_argument(
        "--replicas", type=int, default=1, help="facture replicas working the one run"
    )
    parser.add_argument("--batch", type=int, default=24, help="invoices issued per transaction")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    options = parser.parse_args()
    logs = ROOT / ".aquaerp" / "bench-logs"

    url = await bench_database("aquaerp_bench_billing")
    names = ("auth", "contrat", "facture")
    specs = {name: load_service(name) for name in names}
    for spec in specs.values():
        assert spec.migrations is not None
        await upgrade_async(spec.migrations, url, spec.schema)
    ports = {name: free_port() for name in names}
    # Replica 0 is facture's own port; the others work the same run (they join it).
    facture_ports = [ports["facture"]] + [free_port() for _ in range(options.replicas - 1)]
    metrics_ports = [free_port() for _ in facture_ports]
    targets = {name: f"ipv4:127.0.0.1:{port}" for name, port in ports.items()}
    renderers = options.replicas * options.processes
    processes = {}
    try:
        for name, spec in specs.items():
            env = service_env(
                spec,
                url,
                ports[name],
                targets,
                SERVICE_CLIENT_ID=name,
                SERVICE_CLIENT_SECRET=SERVICE_SECRET,
                CALL_TIMEOUT="60",
            )
            if name == "auth":
                env |= {
                    "AUTH_SERVICE_ACCOUNTS": json.dumps(
                        {"contrat": SERVICE_SECRET, "facture": SERVICE_SECRET}
                    ),
                    "AUTH_ACCESS_TOKEN_TTL": "7200",
                }
            if name != "facture":
                processes[name] = start_process(
                    ["-m", spec.module], env, logs / f"billing-{name}.log"
                )
                continue
            for replica, (port, metrics_port) in enumerate(
                zip(facture_ports, metrics_ports, strict=True)
            ):
                env |= {
                    "FACTURE_GRPC_PORT": str(port),
                    "FACTURE_RENDER_PROCESSES": str(options.processes),
                    "FACTURE_BILLING_BATCH_SIZE": str(options.batch),
                    "FACTURE_METRICS_PORT": str(metrics_port),
                    "FACTURE_BILLING_JOIN_INTERVAL_SECONDS": "0.5",
                }
                processes[f"facture-{replica}"] = start_process(
                    ["-m", spec.module], env, logs / f"billing-facture-{replica}.log"
                )
        for port in [*ports.values(), *facture_ports[1:]]:
            await wait_grpc(port)

        token = await admin_token(targets["auth"])
        metadata = (("authorization", f"Bearer {token}"),)
        contrat_channel = create_channel(targets["contrat"], default_timeout=60)
        facture_channel = create_channel(targets["facture"], default_timeout=3600)
        contrat = contrat_pb2_grpc.ContratServiceStub(contrat_channel)
        facture = facture_pb2_grpc.FactureServiceStub(facture_channel)

        started = time.perf_counter()
        await create_contracts(contrat, metadata, options.contracts)
        print(
            f"{options.contracts} contracts created in contrat in {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        preview = await facture.StartBillingRun(
            fpb.StartBillingRunRequest(dry_run=True, wait=True), metadata=metadata
        )
        print(
            f"dry run (plan from contrat + totals, no PDF) in {time.perf_counter() - started:.1f} s:"
            f" {preview.previewed} invoices, total incl. VAT"
            f" {preview.total_including_vat.amount_cents / 100:,.2f} EUR"
        )
        settings = FactureSettings()
        expected = await expected_documents(targets["contrat"], token, settings)
        before_seconds, before_cpu = await raw_baseline(expected, renderers)

        load_before = os.getloadavg()
        facture_pids = [processes[f"facture-{r}"].pid for r in range(options.replicas)]
        metrics_before = scrape_all(metrics_ports)
        main_before, workers_before = trees_cpu(facture_pids)
        started = time.perf_counter()
        run = await facture.StartBillingRun(
            fpb.StartBillingRunRequest(
                wait=True, idempotency_key="bench", confirmed_preview_id=preview.id
            ),
            metadata=metadata,
        )
        run_seconds = time.perf_counter() - started
        main_after, workers_after = trees_cpu(facture_pids)
        service_cpu, renderers_cpu = main_after - main_before, workers_after - workers_before
        metrics_after = scrape_all(metrics_ports)
        peak_rss = sum(peak_rss_mb(pid) for pid in facture_pids)
        assert run.status == fpb.BILLING_RUN_STATUS_COMPLETED, run
        assert (run.issued, run.failed) == (options.contracts, 0), run
        chain = await facture.VerifyChain(fpb.VerifyChainRequest(), metadata=metadata)
        assert chain.intact and chain.documents_checked == options.contracts
        await contrat_channel.close()
        await facture_channel.close()

        # Free the cores before the baseline: only the baseline pool works from here on.
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=30)

        documents = await issued_documents(url, settings.seller.logo)
        # The run issued the very documents rendered before it (numbers aside).
        assert sorted(map(_content, documents)) == sorted(map(_content, expected))
        after_seconds, after_cpu = await raw_baseline(documents, renderers)
        baseline_seconds = (before_seconds + after_seconds) / 2
        baseline_cpu = (before_cpu + after_cpu) / 2
        load_after = os.getloadavg()
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()

    ours = run.issued / run_seconds
    raw = len(documents) / baseline_seconds
    print(
        f"\n{os.cpu_count()} cores, {options.replicas} facture replica(s) of"
        f" {options.processes} rendering process(es),"
        f" batches of {options.batch}; load average {load_before[0]:.2f} before the run,"
        f" {load_after[0]:.2f} after the baseline"
    )
    print(
        f"billing run (plan + number + Factur-X PDF + hash chain + storage): {run.issued} invoices"
        f" in {run_seconds:.1f} s = {ours:.1f} invoices/s, {1000 / ours:.1f} ms per invoice"
    )
    print(
        f"raw rendering baseline (same documents, same template, {renderers} processes):"
        f" {len(documents)} in {baseline_seconds:.1f} s = {raw:.1f} invoices/s,"
        f" {1000 / raw:.1f} ms per invoice (mean of before the run"
        f" {len(documents) / before_seconds:.1f}/s and after it {len(documents) / after_seconds:.1f}/s)"
    )
    print(
        f"ratio billing run / raw rendering: {ours / raw:.2f}   (targets: >= 12 invoices/s,"
        " ratio >= 0.8)"
    )
    per_invoice = (service_cpu + renderers_cpu) / run.issued
    raw_per_invoice = baseline_cpu / len(documents)
    print(
        f"CPU per invoice (robust to other load): billing run {per_invoice * 1000:.1f} ms"
        f" (facture service {service_cpu / run.issued * 1000:.1f} + renderers"
        f" {renderers_cpu / run.issued * 1000:.1f}), raw rendering {raw_per_invoice * 1000:.1f} ms;"
        f" ratio {raw_per_invoice / per_invoice:.2f}"
    )
    print(
        "renderers' share of the cores they could use:"
        f" billing run {renderers_cpu / (run_seconds * renderers):.0%},"
        f" raw baseline {baseline_cpu / (baseline_seconds * renderers):.0%}"
        " (below 100 % = waiting for work or for a core taken by other processes)"
    )
    print(f"chain verified: {chain.documents_checked} documents intact")

    def grown(name: str) -> float:
        return metrics_after.get(name, 0.0) - metrics_before.get(name, 0.0)

    lock_name = "aquaerp_facture_chain_lock_seconds_per_invoice"
    locked_invoices = grown(f"{lock_name}_count")
    serial_ms = grown(f"{lock_name}_sum") / locked_invoices * 1000 if locked_invoices else 0.0
    rerendered = int(grown("aquaerp_facture_pdf_render_seconds_count")) - run.issued
    print(
        f"serial part (chain lock held, lock to commit): {serial_ms:.2f} ms per invoice"
        f" = a ceiling of {1000 / serial_ms if serial_ms else float('inf'):.0f} invoices/s"
        " however many renderers (target >= 300/s)"
    )
    print(
        f"rendered again after a wrong number forecast: {rerendered}"
        f" ({rerendered / run.issued:.1%}); facture peak memory (process trees): {peak_rss:.0f} MB"
    )
    if options.json:
        figures = {
            "contracts": options.contracts,
            "replicas": options.replicas,
            "processes": options.processes,
            "batch": options.batch,
            "run_per_s": round(ours, 2),
            "raw_per_s": round(raw, 2),
            "ratio_to_raw": round(ours / raw, 3),
            "cpu_ms_per_invoice": round(per_invoice * 1000, 1),
            "raw_cpu_ms_per_invoice": round(raw_per_invoice * 1000, 1),
            "serial_ms_per_invoice": round(serial_ms, 3),
            "rerendered": rerendered,
            "peak_rss_mb": round(peak_rss, 1),
            "load_average_before": round(load_before[0], 2),
            "load_average_after": round(load_after[0], 2),
        }
        options.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"figures written to {options.json}")


if __name__ == "__main__":
    asyncio.run(main())
