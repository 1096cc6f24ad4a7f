"""The GDPR erasure may rewrite an issued invoice's copies of the buyer outside the hash, and
nothing else; the chain still verifies (the erasure across services is
tests/security/test_gdpr_erasure.py)."""

from __future__ import annotations

import pytest
from aquaerp.facture.v1 import facture_pb2 as pb
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import Facture

GUARD_MESSAGE = "is issued: it can never be modified or deleted"
ERASURE = "SET LOCAL facture.personal_data_erasure = 'on'"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE facture.invoices SET total_including_vat_cents = 1 WHERE id = :id",
        "UPDATE facture.invoices SET document = '{}'::jsonb WHERE id = :id",
        "UPDATE facture.invoices SET customer_name = 'x', pdf = 'x' WHERE id = :id",
        "DELETE FROM facture.invoices WHERE id = :id",
    ],
)
async def test_an_erasure_changes_no_legal_content(
    facture: Facture, db_connection: AsyncConnection, statement: str
) -> None:
    customer = await facture.customer()
    issued = await facture.issued_invoice(customer.id)
    with pytest.raises(DBAPIError, match=GUARD_MESSAGE):
        async with db_connection.begin_nested():
            await db_connection.execute(text(ERASURE))
            await db_connection.execute(text(statement), {"id": issued.id})


async def test_an_erasure_rewrites_the_buyer_copies_and_the_chain_verifies(
    facture: Facture, db_connection: AsyncConnection
) -> None:
    customer = await facture.customer()
    issued = await facture.issued_invoice(customer.id)
    rewrite = (
        "UPDATE facture.invoices SET customer_name = 'Client effacé #C00001',"
        " customer_email = '' WHERE id = :id"
    )
    # Without the erasure's declaration the guard refuses even these columns.
    with pytest.raises(DBAPIError, match=GUARD_MESSAGE):
        async with db_connection.begin_nested():
            await db_connection.execute(text(rewrite), {"id": issued.id})
    async with db_connection.begin_nested():
        await db_connection.execute(text(ERASURE))
        changed = await db_connection.execute(text(rewrite), {"id": issued.id})
    assert changed.rowcount == 1
    chain = await facture.stub.VerifyChain(
        pb.VerifyChainRequest(), metadata=await facture.as_role("compta")
    )
    assert chain.intact
