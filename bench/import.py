"""Bulk import at scale: N customers, each with a site, a pool and a draft contract (one line,
one weekly plan), in one XLSX file, through the contrat service's import job over gRPC: the
dry run (every row checked) and the import (all or nothing for the file), in rows/s, with the
contrat process's peak memory. Baseline, same run: the same rows, already checked, inserted
one by one with the repositories directly (ContratRepository.insert_customer, insert_site,
insert_installation, insert_contract, replace_terms) in one transaction from this process.

    uv run python bench/import.py [--rows 20000] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp_contrat.domain import ContractStatus
from aquaerp_contrat.import_files import read_table, xlsx_bytes
from aquaerp_contrat.import_mappings import GENERIC, preset_columns
from aquaerp_contrat.imports import check_rows
from aquaerp_contrat.repository import ContratRepository, customer_columns, site_columns
from aquaerp_runtime.db import Database
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.service import discover_services
from aquaerp_runtime.testing.ports import free_port
from common import LOGS, admin_token, bench_database, rss_mb, service_env, start_process, wait_grpc

HEADER = [
    "Référence client",
    "Nom",
    "Adresse",
    "Code postal",
    "Ville",
    "E-mail",
    "Téléphone",
    "Site",
    "Type d'installation",
    "Volume (m³)",
    "Référence contrat",
    "Début",
    "Périodicité",
    "Code article",
    "Libellé",
    "Prix unitaire HT",
    "TVA (%)",
    "Passages (RRULE)",
]
CITIES = [("34000", "Montpellier"), ("34200", "Sète"), ("30000", "Nîmes"), ("34300", "Agde")]


def rows(count: int, prefix: str) -> list[list[Any]]:
    out = []
    for n in range(count):
        postal_code, city = CITIES[n % len(CITIES)]
        out.append(
            [
                f"{prefix}{n:06d}",
                f"Client {prefix} {n}",
                f"{n % 90 + 1} avenue des Pins",
                postal_code,
                city,
                f"client{n}@{prefix.lower()}.example.fr",
                "0467000000",
                "Villa",
                "piscine",
                40 + n % 30,
                f"K{prefix}{n:06d}",
                "01/03/2026",
                "mensuel",
                "ENT-PISC",
                "Entretien piscine",
                "120,00",
                20,
                "FREQ=WEEKLY;BYDAY=MO",
            ]
        )
    return out


class PeakRss:
    """Samples a process's resident memory every 50 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_mb(self.pid))

    def __enter__(self) -> PeakRss:
        self.peak = rss_mb(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def direct_insert(url: str, content: bytes) -> float:
    """Seconds to write the file's rows (checked beforehand) one by one with the repositories."""
    table = read_table("direct.xlsx", content)
    position = {h: i for i, h in enumerate(table.headers)}
    columns = [(position[c], f) for c, f in preset_columns(GENERIC, table.headers)]
    valid, errors = check_rows(table.rows, columns, table.headers)
    assert not errors, errors[:3]
    database = Database.from_url(url, pool_size=1, application_name="bench-import-direct")
    started = time.perf_counter()
    try:
        async with database.unit_of_work() as session:
            repo = ContratRepository(session)
            for number, row in enumerate(valid):
                customer = await repo.insert_customer(
                    {
                        **customer_columns(row.customer),
                        "code": f"D{number:07d}",
                        "external_ref": row.customer_ref,
                    }
                )
                assert row.site is not None and row.installation is not None
                site = await repo.insert_site(
                    {**site_columns(row.site), "customer_id": customer.id}
                )
                await repo.insert_installation({**row.installation, "site_id": site.id})
                terms = row.contract
                assert terms is not None
                contract_id = await repo.insert_contract(
                    {
                        **terms.values,
                        "customer_id": customer.id,
                        "status": ContractStatus.DRAFT.value,
                        "external_ref": row.contract_ref,
                    }
                )
                await repo.replace_terms(
                    contract_id,
                    [site.id],
                    [replace(line, site_id=site.id) for line in terms.lines],
                    [replace(plan, site_id=site.id) for plan in terms.plans],
                )
        return time.perf_counter() - started
    finally:
        await database.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    options = parser.parse_args()
    url = await bench_database("aquaerp_bench_import")
    specs = {n: s for n, s in discover_services().items() if n in ("auth", "contrat")}
    for spec in specs.values():
        assert spec.migrations is not None
        await upgrade_async(spec.migrations, url, spec.schema)
    ports = {name: free_port() for name in specs}
    targets = {name: f"ipv4:127.0.0.1:{port}" for name, port in ports.items()}
    processes = {}
    built = time.perf_counter()
    content = xlsx_bytes(HEADER, rows(options.rows, "IMP"))
    direct_content = xlsx_bytes(HEADER, rows(options.rows, "DIR"))
    build_s = time.perf_counter() - built
    try:
        for name, spec in specs.items():
            env = service_env(spec, url, ports[name], targets, DATABASE_POOL_SIZE="4")
            processes[name] = start_process(["-m", spec.module], env, LOGS / f"{name}.log")
        for port in ports.values():
            await wait_grpc(port)
        metadata = (("authorization", f"Bearer {await admin_token(targets['auth'])}"),)
        channel = grpc.aio.insecure_channel(
            targets["contrat"],
            options=[("grpc.max_send_message_length", 64 << 20)],
        )
        stub = contrat_pb2_grpc.ContratServiceStub(channel)
        contrat_pid = processes["contrat"].pid
        idle_mb = rss_mb(contrat_pid)
        with PeakRss(contrat_pid) as memory:
            started = time.perf_counter()
            job = await stub.CreateImportJob(
                pb.CreateImportJobRequest(file_name="bench.xlsx", content=content),
                metadata=metadata,
                timeout=600,
            )
            dry_s = time.perf_counter() - started
            assert job.status == pb.IMPORT_STATUS_CHECKED, job.errors[:3]
            started = time.perf_counter()
            await stub.StartImport(pb.StartImportRequest(id=job.id), metadata=metadata)
            async with asyncio.timeout(3600):
                while True:
                    job = await stub.GetImportJob(
                        pb.GetImportJobRequest(id=job.id), metadata=metadata, timeout=30
                    )
                    if job.status != pb.IMPORT_STATUS_RUNNING:
                        break
                    await asyncio.sleep(0.1)
            import_s = time.perf_counter() - started
        assert job.status == pb.IMPORT_STATUS_DONE, job.message
        assert job.customers_created == options.rows and job.contracts_created == options.rows
        # Importing the same file again: updates only, nothing duplicated.
        started = time.perf_counter()
        again = await stub.CreateImportJob(
            pb.CreateImportJobRequest(file_name="bench.xlsx", content=content),
            metadata=metadata,
            timeout=600,
        )
        await stub.StartImport(pb.StartImportRequest(id=again.id), metadata=metadata)
        async with asyncio.timeout(3600):
            while again.status in (pb.IMPORT_STATUS_RUNNING, pb.IMPORT_STATUS_CHECKED):
                await asyncio.sleep(0.1)
                again = await stub.GetImportJob(
                    pb.GetImportJobRequest(id=again.id), metadata=metadata, timeout=30
                )
        reimport_s = time.perf_counter() - started
        assert again.customers_created == 0 and again.contracts_created == 0, again
        await channel.close()
        direct_s = await direct_insert(url, direct_content)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(15)
            except Exception:
                process.kill()
    n = options.rows
    figures = {
        "rows": n,
        "file_bytes": len(content),
        "dry_run_per_s": n / dry_s,
        "import_per_s": n / import_s,
        "reimport_per_s": n / reimport_s,
        "direct_repository_per_s": n / direct_s,
        "ratio_import_to_direct": direct_s / import_s,
        "ratio_dry_run_to_direct": direct_s / dry_s,
        "contrat_idle_rss_mb": idle_mb,
        "contrat_peak_rss_mb": memory.peak,
        "cores": os.cpu_count(),
    }
    print(
        f"{n:,} rows (customer + site + pool + draft contract with a line and a plan), "
        f"XLSX {len(content) / 1e6:.1f} MB built in {build_s:.1f} s, {os.cpu_count()} cores"
    )
    print(f"  dry run (gRPC, every row checked)     {n / dry_s:8.0f} rows/s  {dry_s:6.1f} s")
    print(f"  import (gRPC job, one transaction)    {n / import_s:8.0f} rows/s  {import_s:6.1f} s")
    print(f"  import again (updates, no duplicate)  {n / reimport_s:8.0f} rows/s")
    print(f"  repositories directly, row by row     {n / direct_s:8.0f} rows/s  {direct_s:6.1f} s")
    print(
        f"  ratio import / direct {direct_s / import_s:.2f}, dry run / direct "
        f"{direct_s / dry_s:.2f}; contrat RSS {idle_mb:.0f} MB idle, {memory.peak:.0f} MB peak"
    )
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
