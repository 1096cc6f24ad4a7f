"""Inalterability: the database refuses to change issued documents; the hash chain names the
first document altered behind its back; the command-line verifier used by the restore drill."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from aquaerp.facture.v1 import facture_pb2 as pb
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from aquaerp_facture.app import verify_chain_command
from aquaerp_facture.config import FactureSettings

from .conftest import Facture, StartFacture

GUARD_MESSAGE = "is issued: it can never be modified or deleted"


async def verify(facture: Facture) -> pb.VerifyChainResponse:
    return await facture.stub.VerifyChain(
        pb.VerifyChainRequest(), metadata=await facture.as_role("compta")
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE facture.invoices SET total_including_vat_cents = 1 WHERE id = :id",
        "UPDATE facture.invoices SET status = 'draft' WHERE id = :id",
        "UPDATE facture.invoices SET pdf = 'x' WHERE id = :id",
        "DELETE FROM facture.invoices WHERE id = :id",
    ],
)
async def test_the_database_refuses_to_change_an_issued_invoice(
    facture: Facture, db_connection: AsyncConnection, statement: str
) -> None:
    customer = await facture.customer()
    issued = await facture.issued_invoice(customer.id)
    with pytest.raises(DBAPIError, match=GUARD_MESSAGE):
        async with db_connection.begin_nested():
            await db_connection.execute(text(statement), {"id": issued.id})
    with pytest.raises(DBAPIError, match="TRUNCATE of invoices refused"):
        async with db_connection.begin_nested():
            await db_connection.execute(text("TRUNCATE facture.invoices CASCADE"))
    with pytest.raises(DBAPIError, match="billed_periods rows can never be modified"):
        async with db_connection.begin_nested():
            await db_connection.execute(
                text(
                    "INSERT INTO facture.billed_periods VALUES ('l', '2026-01-01', '2026-01-31',"
                    " 'c', :id)"
                ),
                {"id": issued.id},
            )
            await db_connection.execute(text("DELETE FROM facture.billed_periods"))
    # Drafts are not issued documents: they may still change.
    draft = await facture.draft(customer.id)
    async with db_connection.begin_nested():
        changed = await db_connection.execute(
            text("UPDATE facture.invoices SET customer_name = 'x' WHERE id = :id"), {"id": draft.id}
        )
    assert changed.rowcount == 1
    assert (await verify(facture)).intact


TAMPERING = {
    "content": (
        "UPDATE facture.invoices SET document = jsonb_set(document, '{lines,0,unit_price_cents}',"
        " '1') WHERE id = :id",
        "its content does not match its hash",
    ),
    "totals only": (
        "UPDATE facture.invoices SET total_including_vat_cents = 1 WHERE id = :id",
        None,  # not legal content: the stored document is what is hashed, and it is intact
    ),
    "pdf": (
        "UPDATE facture.invoices SET pdf = pdf || '\\x00'::bytea WHERE id = :id",
        "its stored PDF is not the PDF issued",
    ),
    "deleted": (
        "DELETE FROM facture.invoices WHERE id = :id",
        "the document at position 2 is missing",
    ),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
async def test_the_verifier_names_the_altered_invoice(
    facture: Facture, db_connection: AsyncConnection, kind: str
) -> None:
    customer = await facture.customer()
    _first, second, third = [await facture.issued_invoice(customer.id) for _ in range(3)]
    report = await verify(facture)
    assert (report.intact, report.documents_checked, report.head_hash) == (True, 3, third.hash)

    statement, reason = TAMPERING[kind]
    async with db_connection.begin_nested():
        await db_connection.execute(
            text("SELECT set_config('facture.allow_tampering', 'on', true)")
        )
        await db_connection.execute(text(statement), {"id": second.id})
        await db_connection.execute(
            text("SELECT set_config('facture.allow_tampering', 'off', true)")
        )

    report = await verify(facture)
    if reason is None:
        assert report.intact
        return
    assert not report.intact
    broken = report.first_broken_link
    assert reason in broken.reason
    if kind == "deleted":
        assert (broken.chain_position, broken.invoice_number) == (3, third.number)
    else:
        assert (broken.chain_position, broken.invoice_id, broken.invoice_number) == (
            2,
            second.id,
            second.number,
        )
    assert report.documents_checked == 1


async def run_verify_chain(database_url: str) -> tuple[int, str]:
    """`python -m aquaerp_facture verify-chain`, as the restore drill runs it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aquaerp_facture",
        "verify-chain",
        env={**os.environ, "FACTURE_DATABASE_URL": database_url, "FACTURE_LOG_JSON": "false"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_verify_chain_command_exits_0_when_intact_and_1_naming_the_broken_link(
    committed_facture: StartFacture,
    engine: AsyncEngine,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    facture = await committed_facture()
    customer = await facture.customer()
    invoices = [await facture.issued_invoice(customer.id) for _ in range(2)]

    code = await verify_chain_command(FactureSettings(database_url=database_url), [])
    assert code == 0
    assert f"intact: 2 documents, head {invoices[1].hash}" in capsys.readouterr().out

    async with engine.begin() as connection:
        await connection.execute(text("SET LOCAL facture.allow_tampering = 'on'"))
        await connection.execute(
            text(
                "UPDATE facture.invoices SET document = jsonb_set(document, '{buyer,name}',"
                " '\"Quelqu''un d''autre\"') WHERE id = :id"
            ),
            {"id": invoices[0].id},
        )
    code, output = await run_verify_chain(database_url)
    assert code == 1, output
    assert f"BROKEN at position 1 ({invoices[0].number})" in output
