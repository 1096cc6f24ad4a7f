"""Bulk import on the real service: the dry run reports every error by row and column in French
and writes nothing, the import is all or nothing per file (or per customer), importing again
updates instead of duplicating, the Odoo and Dolibarr presets read their tools' headers, and
formula-looking cells stay text."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp_contrat.import_files import xlsx_bytes
from aquaerp_runtime.testing.plugin import rpc_error
from openpyxl import load_workbook

from .conftest import SIREN, Contrat

HEADER = [
    "Référence client",
    "Nom",
    "Forme juridique",
    "SIREN",
    "Adresse",
    "Code postal",
    "Ville",
    "E-mail",
    "Site",
    "Type d'installation",
    "Volume (m³)",
    "Référence contrat",
    "Début",
    "Périodicité",
    "Libellé",
    "Prix unitaire HT",
    "TVA (%)",
    "Passages (RRULE)",
]


def row(ref: str, name: str = "", **changes: str) -> list[str]:
    values = {
        "Référence client": ref,
        "Nom": name or f"Client {ref}",
        "Forme juridique": "",
        "SIREN": "",
        "Adresse": "3 chemin des Vignes",
        "Code postal": "34970",
        "Ville": "Lattes",
        "E-mail": f"{ref.lower()}@example.fr",
        "Site": "Villa",
        "Type d'installation": "piscine",
        "Volume (m³)": "45,5",
        "Référence contrat": f"K-{ref}",
        "Début": "01/03/2026",
        "Périodicité": "mensuel",
        "Libellé": "Entretien piscine",
        "Prix unitaire HT": "120,00",
        "TVA (%)": "20",
        "Passages (RRULE)": "FREQ=WEEKLY;BYDAY=MO",
    }
    values.update(changes)
    return [values[h] for h in HEADER]


def csv_file(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


async def refused(code: grpc.StatusCode, call: Awaitable[Any]) -> None:
    error = await rpc_error(call)
    assert error.code() == code, error.details()


def refs(count: int) -> list[str]:
    prefix = uuid.uuid4().hex[:6].upper()
    return [f"T{prefix}{n}" for n in range(count)]


async def create_job(
    contrat: Contrat, content: bytes, file_name: str = "clients.csv", **fields: object
) -> pb.ImportJob:
    return await contrat.stub.CreateImportJob(
        pb.CreateImportJobRequest(file_name=file_name, content=content, **fields),  # type: ignore[arg-type]
        metadata=await contrat.office(),
    )


async def finished(contrat: Contrat, job_id: str) -> pb.ImportJob:
    async with asyncio.timeout(60):
        while True:
            job = await contrat.stub.GetImportJob(
                pb.GetImportJobRequest(id=job_id), metadata=await contrat.office()
            )
            if job.status not in (pb.IMPORT_STATUS_RUNNING,):
                return job
            await asyncio.sleep(0.05)


async def run_import(contrat: Contrat, job: pb.ImportJob) -> pb.ImportJob:
    started = await contrat.stub.StartImport(
        pb.StartImportRequest(id=job.id), metadata=await contrat.office()
    )
    assert started.status == pb.IMPORT_STATUS_RUNNING
    return await finished(contrat, job.id)


async def count(contrat: Contrat, table: str, customer_refs: list[str]) -> int:
    queries = {
        "customers": "SELECT count(*) FROM contrat.customers WHERE external_ref = ANY(:refs)",
        "sites": "SELECT count(*) FROM contrat.sites s JOIN contrat.customers c"
        " ON c.id = s.customer_id WHERE c.external_ref = ANY(:refs)",
        "installations": "SELECT count(*) FROM contrat.installations i JOIN contrat.sites s"
        " ON s.id = i.site_id JOIN contrat.customers c ON c.id = s.customer_id"
        " WHERE c.external_ref = ANY(:refs)",
        "contracts": "SELECT count(*) FROM contrat.contracts k JOIN contrat.customers c"
        " ON c.id = k.customer_id WHERE c.external_ref = ANY(:refs)",
        "plans": "SELECT count(*) FROM contrat.maintenance_plans p JOIN contrat.contracts k"
        " ON k.id = p.contract_id JOIN contrat.customers c ON c.id = k.customer_id"
        " WHERE c.external_ref = ANY(:refs)",
    }
    return int(await contrat.scalar(queries[table], refs=customer_refs))


async def test_dry_run_reports_each_error_by_row_and_column_and_writes_nothing(
    contrat: Contrat,
) -> None:
    a, b, c, e = refs(4)
    content = csv_file(
        [
            row(a),
            row(b, **{"Code postal": "3497"}),
            row(c, **{"E-mail": "pas-une-adresse"}),
            row(e, **{"Nom": "", "TVA (%)": "19,6"}),
        ]
    )
    job = await create_job(contrat, content)
    assert job.status == pb.IMPORT_STATUS_INVALID
    assert job.rows_total == 4 and job.rows_failed == 3
    found = {(err.row, err.column, err.message) for err in job.errors}
    assert (3, "Code postal", "un code postal français a 5 chiffres") in found
    assert (4, "E-mail", "adresse e-mail invalide") in found
    assert (5, "Nom", "obligatoire") in found
    assert (5, "TVA (%)", "taux de TVA : 20, 10, 5,5, 2,1 ou 0") in found
    assert not any(err.row == 2 for err in job.errors)
    for table in ("customers", "sites", "contracts"):
        assert await count(contrat, table, [a, b, c, e]) == 0
    # All or nothing: an invalid file cannot start.
    await refused(
        grpc.StatusCode.FAILED_PRECONDITION,
        contrat.stub.StartImport(pb.StartImportRequest(id=job.id), metadata=await contrat.office()),
    )
    assert await count(contrat, "customers", [a, b, c, e]) == 0


async def test_annotated_csv_has_the_errors_and_no_formula(contrat: Contrat) -> None:
    a, b = refs(2)
    content = csv_file([row(a, name='=HYPERLINK("http://x")'), row(b, **{"E-mail": "@bad"})])
    job = await create_job(contrat, content)
    answer = await contrat.stub.DownloadImportErrors(
        pb.GetImportJobRequest(id=job.id), metadata=await contrat.office()
    )
    assert answer.content_type.startswith("text/csv")
    lines = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][-1] == "Erreurs"
    assert lines[1][1] == '\'=HYPERLINK("http://x")'  # neutralised, read as text
    assert lines[1][-1] == ""
    assert lines[2][-1] == "E-mail : adresse e-mail invalide"


async def test_xlsx_formula_cells_are_text_and_the_annotated_file_is_xlsx(
    contrat: Contrat,
) -> None:
    (a,) = refs(1)
    cells: list[object] = list(row(a, **{"E-mail": "faux"}))
    cells[1] = "=1+2"  # a formula: imported as its text, never computed
    content = xlsx_bytes(HEADER, [cells])
    job = await create_job(contrat, content, file_name="clients.xlsx")
    assert job.file_format == "xlsx"
    assert [(e.row, e.column) for e in job.errors] == [(2, "E-mail")]
    answer = await contrat.stub.DownloadImportErrors(
        pb.GetImportJobRequest(id=job.id), metadata=await contrat.office()
    )
    book = load_workbook(io.BytesIO(answer.data))
    sheet = book.worksheets[0]
    values = [[cell.value for cell in r] for r in sheet.iter_rows()]
    assert values[0][-1] == "Erreurs"
    assert values[1][1] == "'=1+2"
    assert sheet.cell(2, 2).data_type == "s"
    assert values[1][-1] == "E-mail : adresse e-mail invalide"
    # Fixed, the same formula-looking name is stored as text.
    cells[HEADER.index("E-mail")] = "ok@example.fr"
    fixed = await create_job(contrat, xlsx_bytes(HEADER, [cells]), file_name="clients.xlsx")
    done = await run_import(contrat, fixed)
    assert done.status == pb.IMPORT_STATUS_DONE
    assert (
        await contrat.scalar("SELECT name FROM contrat.customers WHERE external_ref = :r", r=a)
        == "=1+2"
    )


async def test_import_writes_every_record_and_reimport_updates(contrat: Contrat) -> None:
    a, b, c = refs(3)
    rows = [
        row(a),
        row(b),
        row(
            c,
            name="Camping Les Dunes",
            **{
                "Forme juridique": "SARL",
                "SIREN": SIREN,
                "Type d'installation": "spa",
            },
        ),
    ]
    job = await create_job(contrat, csv_file(rows))
    assert job.status == pb.IMPORT_STATUS_CHECKED, job.errors
    done = await run_import(contrat, job)
    assert done.status == pb.IMPORT_STATUS_DONE, done.message
    assert done.rows_done == 3
    assert (done.customers_created, done.contracts_created) == (3, 3)
    for table in ("customers", "sites", "installations", "contracts", "plans"):
        assert await count(contrat, table, [a, b, c]) == 3, table
    assert (
        await contrat.scalar("SELECT type FROM contrat.customers WHERE external_ref = :r", r=c)
        == "business"
    )
    assert (
        await contrat.scalar(
            "SELECT count(*) FROM contrat.outbox WHERE event_type = 'contrat.customer.created'"
            " AND aggregate_id IN (SELECT id::text FROM contrat.customers WHERE external_ref = :r)",
            r=a,
        )
        == 1
    )

    # The same file again: nothing new.
    again = await run_import(contrat, await create_job(contrat, csv_file(rows)))
    assert again.status == pb.IMPORT_STATUS_DONE
    assert (again.customers_created, again.customers_updated) == (0, 3)
    assert (again.contracts_created, again.contracts_updated) == (0, 3)
    for table in ("customers", "sites", "installations", "contracts", "plans"):
        assert await count(contrat, table, [a, b, c]) == 3, table

    # A changed value is an update of the same records.
    rows[0] = row(a, **{"Ville": "Pérols", "Code postal": "34470", "Prix unitaire HT": "150"})
    await run_import(contrat, await create_job(contrat, csv_file(rows)))
    assert await count(contrat, "customers", [a]) == 1
    assert (
        await contrat.scalar(
            "SELECT billing_city FROM contrat.customers WHERE external_ref = :r", r=a
        )
        == "Pérols"
    )
    assert (
        await contrat.scalar(
            "SELECT p.unit_price_cents FROM contrat.line_prices p JOIN contrat.contract_lines l"
            " ON l.id = p.line_id JOIN contrat.contracts k ON k.id = l.contract_id"
            " WHERE k.external_ref = :r",
            r=f"K-{a}",
        )
        == 15000
    )


async def test_a_file_with_a_conflicting_row_imports_nothing(contrat: Contrat) -> None:
    a, b = refs(2)
    taken = await contrat.customer()
    header = [*HEADER, "Code client"]
    content = csv_file([[*row(a), ""], [*row(b), taken.code]], header)
    job = await create_job(contrat, content)
    assert job.status == pb.IMPORT_STATUS_CHECKED
    done = await run_import(contrat, job)
    assert done.status == pb.IMPORT_STATUS_FAILED
    assert "Ligne 3" in done.message
    assert await count(contrat, "customers", [a, b]) == 0


async def test_per_customer_mode_imports_the_valid_customers(contrat: Contrat) -> None:
    a, b = refs(2)
    content = csv_file([row(a), row(b, **{"E-mail": "nope"})])
    job = await create_job(contrat, content, mode=pb.IMPORT_MODE_CUSTOMER)
    assert job.status == pb.IMPORT_STATUS_INVALID
    done = await run_import(contrat, job)
    assert done.status == pb.IMPORT_STATUS_DONE
    assert (done.rows_done, done.rows_failed) == (1, 1)
    assert await count(contrat, "customers", [a]) == 1
    assert await count(contrat, "customers", [b]) == 0


async def test_odoo_export_headers_are_mapped(contrat: Contrat) -> None:
    odoo_id = f"__export__.res_partner_{uuid.uuid4().hex[:8]}"
    header = [
        "id",
        "name",
        "company_type",
        "street",
        "zip",
        "city",
        "country_id",
        "email",
        "phone",
        "ref",
        "vat",
    ]
    content = csv_file(
        [
            [
                odoo_id,
                "Marie Curie",
                "person",
                "5 rue Haute",
                "34000",
                "Montpellier",
                "France",
                "marie@example.fr",
                "0467000000",
                "",
                "",
            ]
        ],
        header,
    )
    job = await create_job(contrat, content, mapping_name="preset:odoo")
    assert job.status == pb.IMPORT_STATUS_CHECKED, job.errors
    mapped = {c.column: c.field for c in job.columns}
    assert mapped["id"] == "customer.external_ref"
    assert mapped["zip"] == "customer.postal_code"
    assert mapped["vat"] == "customer.vat_number"
    done = await run_import(contrat, job)
    assert done.status == pb.IMPORT_STATUS_DONE
    assert (
        await contrat.scalar(
            "SELECT billing_postal_code || ' ' || billing_country FROM contrat.customers"
            " WHERE external_ref = :r",
            r=odoo_id,
        )
        == "34000 FR"
    )


async def test_dolibarr_export_headers_are_mapped(contrat: Contrat) -> None:
    rowid = str(uuid.uuid4().int % 10**9)
    header = [
        "s.rowid",
        "s.nom",
        "s.code_client",
        "s.address",
        "s.zip",
        "s.town",
        "c.code",
        "s.email",
        "s.phone",
        "s.siren",
        "s.tva_intra",
        "t.libelle",
        "cfj.libelle",
    ]
    content = csv_file(
        [
            [
                rowid,
                "Aqua Sud",
                "",
                "1 quai",
                "3400",
                "Sète",
                "FR",
                "x@aquasud.fr",
                "",
                SIREN,
                "",
                "PME/PMI",
                "SARL",
            ]
        ],
        header,
    )
    job = await create_job(contrat, content, mapping_name="preset:dolibarr")
    mapped = {c.column: c.field for c in job.columns}
    assert mapped["s.nom"] == "customer.name"
    assert mapped["s.siren"] == "customer.siren"
    assert mapped["s.rowid"] == "customer.external_ref"
    assert [(e.row, e.column) for e in job.errors] == [(2, "s.zip")]


async def test_saved_mapping_is_listed_and_used(contrat: Contrat) -> None:
    name = f"Mon tableur {uuid.uuid4().hex[:6]}"
    await contrat.stub.SaveImportMapping(
        pb.ImportMapping(
            name=name,
            columns=[
                pb.ImportColumn(column="Ref", field="customer.external_ref"),
                pb.ImportColumn(column="Client", field="customer.name"),
                pb.ImportColumn(column="CP", field="customer.postal_code"),
            ],
        ),
        metadata=await contrat.office(),
    )
    listed = await contrat.stub.ListImportMappings(
        pb.ListImportMappingsRequest(), metadata=await contrat.office()
    )
    names = [m.name for m in listed.mappings]
    assert names[:3] == ["preset:generic", "preset:odoo", "preset:dolibarr"]
    assert name in names
    assert any(f.key == "customer.email" for f in listed.fields)
    job = await create_job(
        contrat, csv_file([["R1", "", "1234"]], ["Ref", "Client", "CP"]), mapping_name=name
    )
    assert {(e.column, e.message) for e in job.errors} >= {
        ("Client", "obligatoire"),
        ("CP", "un code postal français a 5 chiffres"),
    }
    await refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        contrat.stub.SaveImportMapping(
            pb.ImportMapping(
                name=name, columns=[pb.ImportColumn(column="X", field="customer.nothing")]
            ),
            metadata=await contrat.office(),
        ),
    )


async def test_import_is_for_the_office(contrat: Contrat) -> None:
    await refused(
        grpc.StatusCode.PERMISSION_DENIED,
        contrat.stub.CreateImportJob(
            pb.CreateImportJobRequest(file_name="a.csv", content=csv_file([])),
            metadata=await contrat.as_role("compta"),
        ),
    )


@pytest.mark.parametrize("file_name", ["clients.pdf", "clients.xlsx"])
async def test_unreadable_files_are_refused(contrat: Contrat, file_name: str) -> None:
    await refused(
        grpc.StatusCode.INVALID_ARGUMENT,
        create_job(contrat, b"not a spreadsheet", file_name=file_name),
    )
