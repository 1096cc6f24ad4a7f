"""Verification of the hash chain of issued documents (also run by the restore drill through
`python -m aquaerp_facture verify-chain`)."""

from __future__ import annotations

from dataclasses import dataclass

from aquaerp_runtime.db import Database

from . import chain
from .repository.invoices import ChainLink, InvoiceRepository

CHAIN_PAGE = 500


@dataclass(frozen=True, slots=True)
class BrokenLink:
    chain_position: int
    invoice_id: str
    invoice_number: str
    reason: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    documents_checked: int
    head_hash: str
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


async def verify_chain(database: Database) -> ChainReport:
    """Recomputes every link of the chain of issued documents; stops at the first one that does
    not verify (also used by `python -m aquaerp_facture verify-chain`, without a caller)."""
    previous_hash, position, checked = chain.GENESIS, 0, 0
    last_number: dict[str, int] = {}
    async with database.unit_of_work() as session:
        repo = InvoiceRepository(session)
        while True:
            links = await repo.chain_links(position, CHAIN_PAGE)
            for link in links:
                reason = _problem(link, position + 1, previous_hash, last_number)
                if reason:
                    return ChainReport(
                        checked,
                        previous_hash,
                        BrokenLink(link.chain_position, str(link.id), link.number, reason),
                    )
                previous_hash, position = link.hash, link.chain_position
                checked += 1
            if len(links) < CHAIN_PAGE:
                break
        head = await repo.chain_head()
    if head.position != position or head.hash != previous_hash:
        return ChainReport(
            checked,
            previous_hash,
            BrokenLink(
                position + 1,
                "",
                "",
                f"{head.position} documents were issued but the chain stops at {position}:"
                " documents are missing at its end",
            ),
        )
    return ChainReport(checked, previous_hash, None)


def _problem(
    link: ChainLink, expected_position: int, previous_hash: str, last_number: dict[str, int]
) -> str:
    """What is wrong with one link ("" when it verifies); records its number when it does."""
    if link.chain_position != expected_position:
        return f"the document at position {expected_position} is missing"
    if link.previous_hash != previous_hash:
        return "its previous hash is not the hash of the document before it"
    if link.pdf_digest != link.pdf_sha256:
        return "its stored PDF is not the PDF issued"
    if chain.link_hash(link.previous_hash, link.document, link.pdf_sha256) != link.hash:
        return "its content does not match its hash (altered after issue)"
    series, _, sequence = link.number.rpartition("-")
    expected_number = last_number.get(series, 0) + 1
    if not sequence.isdigit() or int(sequence) != expected_number:
        return (
            f"its number follows {series}-{expected_number - 1:06d}:"
            " the series has a gap or a duplicate"
        )
    last_number[series] = expected_number
    return ""
