"""Bulk import of customers, sites, installations and draft contracts from a CSV or XLSX file.

CreateImportJob stores the file and checks every row (dry run: nothing else is written);
StartImport writes the rows in the background, all or nothing for the file (one transaction) or
per customer (one savepoint per customer), by batches of BATCH rows with a few statements each.
A row's customer is found by its external reference (and updated), else created; its site by
the customer and the site's name, its installation by the site and the installation's name, its
contract by the contract's external reference (a draft is updated; a contract already in force
is left as it is). Importing the same file again therefore changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from aquaerp_runtime.authz import require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound
from sqlalchemy.exc import DBAPIError

from .. import import_files, import_mappings
from ..domain import ContractStatus
from ..imports import FileError, ImportRow, check_rows
from ..repository import ContratRepository, customer_columns, site_columns
from ..repository.imports import record_progress
from .access import MANAGERS, parse_id

log = logging.getLogger(__name__)

BATCH = 500
MAX_ERRORS_SHOWN = 500
FILE_MODE = "file"
CUSTOMER_MODE = "customer"


@dataclass(frozen=True)
class MappingView:
    name: str
    label: str
    columns: list[tuple[str, str]]
    preset: bool


@dataclass
class Counts:
    customers_created: int = 0
    customers_updated: int = 0
    contracts_created: int = 0
    contracts_updated: int = 0


class RowFailure(DomainError):
    """A row the database refuses (e.g. a customer code already taken)."""

    def __init__(self, row: int, field: str, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.field = field


class Imports:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self._running: set[asyncio.Task[None]] = set()

    # -- mappings ---------------------------------------------------------------------------
    async def mappings(self) -> list[MappingView]:
        require_roles(*MANAGERS)
        views = [
            MappingView(p.name, p.label, import_mappings.preset_columns(p), True)
            for p in import_mappings.PRESETS.values()
        ]
        async with self.database.unit_of_work() as session:
            saved = await ContratRepository(session).saved_import_mappings()
        views += [
            MappingView(
                row["name"], row["name"], [(c["column"], c["field"]) for c in row["mapping"]], False
            )
            for row in saved
        ]
        return views

    async def save_mapping(self, name: str, columns: list[tuple[str, str]]) -> MappingView:
        require_roles(*MANAGERS)
        name = name.strip()
        errors = import_mappings.mapping_errors(columns)
        if not name:
            errors["name"] = "required"
        elif name.startswith("preset:"):
            errors["name"] = "the presets cannot be changed"
        if errors:
            raise InvalidArgument("invalid mapping", fields=errors)
        async with self.database.unit_of_work() as session:
            await ContratRepository(session).put_import_mapping(
                name, [{"column": c.strip(), "field": f} for c, f in columns]
            )
        return MappingView(name, name, columns, False)

    async def _columns(
        self, mapping_name: str, columns: list[tuple[str, str]], headers: list[str]
    ) -> list[tuple[str, str]]:
        if columns:
            if errors := import_mappings.mapping_errors(columns):
                raise InvalidArgument("invalid mapping", fields=errors)
            chosen = [(c, f) for c, f in columns if f]
        elif mapping_name in import_mappings.PRESETS:
            chosen = import_mappings.preset_columns(import_mappings.PRESETS[mapping_name], headers)
        elif mapping_name:
            async with self.database.unit_of_work() as session:
                saved = await ContratRepository(session).import_mapping(mapping_name)
            if saved is None:
                raise InvalidArgument(
                    "unknown mapping", fields={"mapping_name": "aucun modèle de ce nom"}
                )
            chosen = [(c["column"], c["field"]) for c in saved if c["field"]]
        else:
            chosen = import_mappings.preset_columns(import_mappings.GENERIC, headers)
        return import_mappings.with_field_keys(chosen, headers)

    # -- jobs -------------------------------------------------------------------------------
    async def create_job(
        self,
        file_name: str,
        content: bytes,
        mapping_name: str,
        columns: list[tuple[str, str]],
        mode: str,
    ) -> dict[str, Any]:
        """Stores the file and checks every row (the dry run)."""
        principal = require_roles(*MANAGERS)
        table = import_files.read_table(file_name, content)
        mapping = await self._columns(mapping_name, columns, table.headers)
        _, errors = check_rows(table.rows, _indexed(mapping, table.headers), table.headers)
        async with self.database.unit_of_work() as session:
            return dict(
                await ContratRepository(session).insert_import_job(
                    {
                        "file_name": file_name.strip()[:200],
                        "file_format": table.file_format,
                        "content": content,
                        "mapping": [{"column": c, "field": f} for c, f in mapping],
                        "mode": mode or FILE_MODE,
                        "status": "invalid" if errors else "checked",
                        "rows_total": len(table.rows),
                        "rows_failed": len({e.row for e in errors}),
                        "errors": [_error_json(e) for e in errors],
                        "created_by": principal.subject[:200],
                    }
                )
            )

    async def get_job(self, job_id: str) -> dict[str, Any]:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            job = await ContratRepository(session).import_job(parse_id(job_id, "import job"))
        if job is None:
            raise NotFound("import job not found")
        return dict(job)

    async def annotated_file(self, job_id: str) -> tuple[bytes, str]:
        """The uploaded file with its errors in one more column."""
        job = await self.get_job(job_id)
        async with self.database.unit_of_work() as session:
            content = await ContratRepository(session).import_job_content(job["id"])
        table = import_files.read_table(job["file_name"], content)
        by_row: dict[int, list[str]] = {}
        for error in job["errors"]:
            by_row.setdefault(error["row"], []).append(_error_of(error).text())
        return import_files.annotated(table, by_row)

    async def start_import(self, job_id: str) -> dict[str, Any]:
        """Marks the job running and imports it in the background."""
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            job = await repo.import_job(parse_id(job_id, "import job"), for_update=True)
            if job is None:
                raise NotFound("import job not found")
            startable = {"checked", "failed"} | (
                {"invalid"} if job["mode"] == CUSTOMER_MODE else set()
            )
            if job["status"] not in startable:
                raise FailedPrecondition(
                    "this import cannot start: fix the file (or import per customer)"
                    if job["status"] == "invalid"
                    else "this import has already run"
                )
            job = await repo.update_import_job(
                job["id"], {"status": "running", "rows_done": 0, "message": ""}
            )
        task = asyncio.create_task(self.run(job["id"]))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return dict(job)

    async def run(self, job_id: uuid.UUID) -> None:
        """Imports a running job; its outcome is written on the job."""
        try:
            async with self.database.unit_of_work() as session:
                repo = ContratRepository(session)
                job = await repo.import_job(job_id)
                content = await repo.import_job_content(job_id)
            assert job is not None
            table = import_files.read_table(job["file_name"], content)
            mapping = [(c["column"], c["field"]) for c in job["mapping"]]
            indexed = _indexed(mapping, table.headers)
            rows, errors = check_rows(table.rows, indexed, table.headers)
            if job["mode"] == CUSTOMER_MODE:
                await self._per_customer(job_id, rows, errors, table.rows, indexed)
            elif errors:
                raise FailedPrecondition("the file has errors")
            else:
                await self._whole_file(job_id, rows)
        except (DomainError, DBAPIError) as error:
            await self._failed(job_id, error)
        except Exception as error:  # the job must not stay "running"
            log.exception("import %s failed", job_id)
            await self._failed(job_id, error)

    async def _whole_file(self, job_id: uuid.UUID, rows: list[ImportRow]) -> None:
        counts = Counts()
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            for start in range(0, len(rows), BATCH):
                await self._write(repo, rows[start : start + BATCH], counts)
                await self._progress(job_id, start + len(rows[start : start + BATCH]))
            await repo.update_import_job(job_id, _finished(self.clock, len(rows), 0, counts, []))

    async def _per_customer(
        self,
        job_id: uuid.UUID,
        rows: list[ImportRow],
        errors: list[FileError],
        cells: list[list[str]],
        indexed: list[tuple[int, str]],
    ) -> None:
        ref_column = next((i for i, f in indexed if f == "customer.external_ref"), None)
        refused = {cells[e.row - 2][ref_column].strip() for e in errors if ref_column is not None}
        groups: dict[str, list[ImportRow]] = {}
        for row in rows:
            groups.setdefault(row.customer_ref, []).append(row)
        failed_rows = {e.row for e in errors}
        all_errors = list(errors)
        counts = Counts()
        done = 0
        pending = [(ref, group) for ref, group in groups.items() if ref not in refused]
        failed_rows |= {r.number for ref, g in groups.items() if ref in refused for r in g}
        for start in range(0, len(pending), BATCH):
            async with self.database.unit_of_work() as session:
                repo = ContratRepository(session)
                for _, group in pending[start : start + BATCH]:
                    try:
                        async with session.begin_nested():
                            await self._write(repo, group, counts)
                    except (RowFailure, DBAPIError) as failure:
                        failed_rows |= {r.number for r in group}
                        all_errors.append(
                            FileError(failure.row, "", failure.field, failure.message)
                            if isinstance(failure, RowFailure)
                            else FileError(
                                group[0].number,
                                "",
                                "customer.external_ref",
                                _failure_message(failure),
                            )
                        )
                    done += len(group)
            await self._progress(job_id, done)
        async with self.database.unit_of_work() as session:
            await ContratRepository(session).update_import_job(
                job_id, _finished(self.clock, done, len(failed_rows), counts, all_errors)
            )

    async def _progress(self, job_id: uuid.UUID, rows_done: int) -> None:
        # Beside the open transaction, on a connection of its own. Tests run every unit of
        # work on one connection: there, the progress is written when the import ends.
        engine = self.database.engine
        if engine is None:
            return
        async with engine.begin() as connection:
            await record_progress(connection, job_id, rows_done)

    async def _failed(self, job_id: uuid.UUID, error: BaseException) -> None:
        message = _failure_message(error)
        extra = (
            [_error_json(FileError(error.row, "", error.field, error.message))]
            if isinstance(error, RowFailure)
            else []
        )
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            job = await repo.import_job(job_id)
            await repo.update_import_job(
                job_id,
                {
                    "status": "failed",
                    "rows_done": 0,
                    "message": message[:500],
                    "errors": (list(job["errors"]) if job else []) + extra,
                    "finished_at": self.clock.now(),
                },
            )

    # -- writing ------------------------------------------------------------------------------
    async def _write(
        self, repo: ContratRepository, rows: Sequence[ImportRow], counts: Counts
    ) -> None:
        customer_ids = await self._customers(repo, rows, counts)
        site_ids = await self._sites(repo, rows, customer_ids)
        await self._installations(repo, rows, site_ids)
        await self._contracts(repo, rows, customer_ids, site_ids, counts)

    async def _customers(
        self, repo: ContratRepository, rows: Sequence[ImportRow], counts: Counts
    ) -> dict[str, uuid.UUID]:
        latest: dict[str, ImportRow] = {}
        for row in rows:
            latest[row.customer_ref] = row
        existing = await repo.customers_by_external_refs(latest)
        updates = []
        for ref, row in latest.items():
            if ref in existing:
                values = customer_columns(row.customer)
                for kept in ("type", "code"):
                    values.pop(kept)
                updates.append((existing[ref], {**values, "updated_at": self.clock.now()}))
        await repo.update_many("customers", updates)
        counts.customers_updated += len(updates)
        new = [row for ref, row in latest.items() if ref not in existing]
        codes = await self._codes(repo, new)
        inserted = await repo.insert_many(
            "customers",
            [
                {**customer_columns(row.customer), "code": code, "external_ref": row.customer_ref}
                for row, code in zip(new, codes, strict=True)
            ],
        )
        counts.customers_created += len(inserted)
        await repo.add_events(
            [
                {
                    "id": uuid.uuid4(),
                    "event_type": "contrat.customer.created",
                    "aggregate_type": "customer",
                    "aggregate_id": str(customer_id),
                    "payload": {"customer_id": str(customer_id), "code": code},
                    "occurred_at": self.clock.now(),
                }
                for customer_id, code in zip(inserted, codes, strict=True)
            ]
        )
        ids = dict(existing)
        ids.update({row.customer_ref: i for row, i in zip(new, inserted, strict=True)})
        return ids

    async def _codes(self, repo: ContratRepository, rows: list[ImportRow]) -> list[str]:
        """A customer code for each new customer: the file's, else the next free "Cnnnnn"."""
        given = [row.customer["code"] for row in rows if row.customer["code"]]
        taken = await repo.codes_taken(given)
        seen: set[str] = set()
        for row in rows:
            code = row.customer["code"]
            if code and (code in taken or code in seen):
                raise RowFailure(row.number, "customer.code", f"code client {code} déjà utilisé")
            seen.add(code)
        missing = sum(1 for row in rows if not row.customer["code"])
        fresh: list[str] = []
        while len(fresh) < missing:
            values = await repo.reserve_counter_values("customer", missing - len(fresh))
            candidates = [f"C{v:05d}" for v in values]
            taken = await repo.codes_taken(candidates) | seen
            fresh += [c for c in candidates if c not in taken]
        supply = iter(fresh)
        return [row.customer["code"] or next(supply) for row in rows]

    async def _sites(
        self, repo: ContratRepository, rows: Sequence[ImportRow], customer_ids: dict[str, uuid.UUID]
    ) -> dict[int, uuid.UUID]:
        """Row number -> site id, for the rows with a site."""
        wanted: dict[tuple[uuid.UUID, str], ImportRow] = {}
        for row in rows:
            if row.site is not None:
                wanted[(customer_ids[row.customer_ref], row.site["name"])] = row
        existing = await repo.sites_by_names(list(wanted))
        await repo.update_many(
            "sites",
            [
                (existing[key], site_columns(row.site or {}))
                for key, row in wanted.items()
                if key in existing
            ],
        )
        new = [key for key in wanted if key not in existing]
        inserted = await repo.insert_many(
            "sites",
            [{**site_columns(wanted[key].site or {}), "customer_id": key[0]} for key in new],
        )
        ids = {**existing, **dict(zip(new, inserted, strict=True))}
        return {
            row.number: ids[(customer_ids[row.customer_ref], row.site["name"])]
            for row in rows
            if row.site is not None
        }

    async def _installations(
        self, repo: ContratRepository, rows: Sequence[ImportRow], site_ids: dict[int, uuid.UUID]
    ) -> None:
        wanted: dict[tuple[uuid.UUID, str], dict[str, Any]] = {}
        for row in rows:
            if row.installation is not None:
                wanted[(site_ids[row.number], row.installation["name"])] = row.installation
        existing = await repo.installations_by_names(list(wanted))
        await repo.update_many(
            "installations",
            [(existing[key], values) for key, values in wanted.items() if key in existing],
        )
        await repo.insert_many(
            "installations",
            [
                {**values, "site_id": key[0]}
                for key, values in wanted.items()
                if key not in existing
            ],
        )

    async def _contracts(
        self,
        repo: ContratRepository,
        rows: Sequence[ImportRow],
        customer_ids: dict[str, uuid.UUID],
        site_ids: dict[int, uuid.UUID],
        counts: Counts,
    ) -> None:
        with_contract = [row for row in rows if row.contract is not None]
        existing = await repo.contracts_by_external_refs(r.contract_ref for r in with_contract)
        new_rows = []
        new_terms = []
        updated: list[tuple[uuid.UUID, dict[str, Any]]] = []
        updated_terms: list[Any] = []
        for row in with_contract:
            terms = row.contract
            assert terms is not None
            site_id = site_ids[row.number]
            lines = [replace(line, id=uuid.uuid4(), site_id=site_id) for line in terms.lines]
            plans = [replace(plan, id=uuid.uuid4(), site_id=site_id) for plan in terms.plans]
            values = {**terms.values, "customer_id": customer_ids[row.customer_ref]}
            found = existing.get(row.contract_ref)
            if found is None:
                new_rows.append(
                    {
                        **values,
                        "status": ContractStatus.DRAFT.value,
                        "external_ref": row.contract_ref,
                    }
                )
                new_terms.append(([site_id], lines, plans))
            elif found[1] == ContractStatus.DRAFT.value:
                updated.append((found[0], {**values, "updated_at": self.clock.now()}))
                updated_terms.append((found[0], [site_id], lines, plans))
            # A contract in force is left as it is: its terms change through its own operations.
        await repo.update_many("contracts", updated)
        await repo.delete_terms([contract_id for contract_id, _ in updated])
        inserted = await repo.insert_many("contracts", new_rows)
        await repo.insert_terms(
            updated_terms
            + [
                (contract_id, *parts)
                for contract_id, parts in zip(inserted, new_terms, strict=True)
            ]
        )
        counts.contracts_created += len(inserted)
        counts.contracts_updated += len(updated)


def _indexed(mapping: list[tuple[str, str]], headers: list[str]) -> list[tuple[int, str]]:
    position = {header: index for index, header in enumerate(headers)}
    return [(position[c], f) for c, f in mapping if f and c in position]


def _error_json(error: FileError) -> dict[str, Any]:
    return {
        "row": error.row,
        "column": error.column,
        "field": error.field,
        "message": error.message,
    }


def _error_of(data: dict[str, Any]) -> FileError:
    return FileError(data["row"], data["column"], data["field"], data["message"])


def _finished(
    clock: Clock, done: int, failed: int, counts: Counts, errors: list[FileError]
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": "done",
        "rows_done": done,
        "rows_failed": failed,
        "customers_created": counts.customers_created,
        "customers_updated": counts.customers_updated,
        "contracts_created": counts.contracts_created,
        "contracts_updated": counts.contracts_updated,
        "finished_at": clock.now(),
    }
    if errors:
        values["errors"] = [_error_json(e) for e in errors]
    return values


def _failure_message(error: BaseException) -> str:
    if isinstance(error, RowFailure):
        return f"Ligne {error.row} : {error.message}. Rien n'a été importé."
    if isinstance(error, FailedPrecondition):
        return "Le fichier contient des erreurs : rien n'a été importé."
    if isinstance(error, DBAPIError):
        return "La base de données a refusé l'import (conflit) : rien n'a été importé."
    return "L'import a échoué : rien n'a été importé."


def job_errors_shown(job: dict[str, Any]) -> list[FileError]:
    return [_error_of(e) for e in job["errors"][:MAX_ERRORS_SHOWN]]
