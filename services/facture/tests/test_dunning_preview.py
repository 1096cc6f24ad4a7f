"""Dunning is previewed before it is sent: the preview shows the letters with their amounts,
writes nothing and sends nothing, and the run that follows sends exactly those letters."""

from __future__ import annotations

from typing import Any

from aquaerp.facture.v1 import facture_pb2 as pb

from .conftest import Facture


def content(letter: pb.DunningLetter) -> tuple[Any, ...]:
    """What a letter says (its id and time aside)."""
    return (
        letter.customer_id,
        letter.level,
        tuple(
            (
                item.invoice_number,
                item.days_past_due,
                item.amount_due.amount_cents,
                item.level,
                item.indemnity.amount_cents,
                item.interest.amount_cents,
            )
            for item in letter.items
        ),
        letter.total_due.amount_cents,
        letter.indemnity.amount_cents,
        letter.interest.amount_cents,
        letter.total_claimed.amount_cents,
    )


async def test_the_preview_shows_the_letters_that_the_run_then_sends(facture: Facture) -> None:
    compta = await facture.as_role("compta")
    business = await facture.customer()
    private = await facture.customer(business=False)
    late = await facture.issued_invoice(business.id)  # due day 30
    facture.clock.advance(days=20)
    await facture.issued_invoice(business.id)  # due day 50
    await facture.issued_invoice(private.id)  # due day 50
    facture.clock.advance(days=40)  # day 60: 30 days late (formal notice), the others 10 days

    preview = await facture.stub.RunDunning(pb.RunDunningRequest(preview=True), metadata=compta)
    previewed = sorted(content(letter) for letter in preview.letters)
    assert len(previewed) == 2
    notice = next(x for x in preview.letters if x.customer_id == business.id)
    assert notice.level == pb.DUNNING_LEVEL_FORMAL_NOTICE
    assert notice.items[0].invoice_number == late.number
    assert (notice.indemnity.amount_cents, notice.interest.amount_cents > 0) == (4000, True)
    # Nothing kept, nothing sent.
    written = await facture.stub.ListDunningLetters(pb.ListDunningLettersRequest(), metadata=compta)
    assert list(written.letters) == []
    assert await facture.events("facture.dunning.level_reached") == []
    again = await facture.stub.RunDunning(pb.RunDunningRequest(preview=True), metadata=compta)
    assert sorted(content(letter) for letter in again.letters) == previewed

    sent = await facture.stub.RunDunning(
        pb.RunDunningRequest(idempotency_key="d60"), metadata=compta
    )
    assert sorted(content(letter) for letter in sent.letters) == previewed
    events = await facture.events("facture.dunning.level_reached")
    assert sorted(
        (e["customer_id"], e["total_due_cents"], e["indemnity_cents"], e["interest_cents"])
        for e in events
    ) == sorted((c[0], c[3], c[4], c[5]) for c in previewed)
    # Once sent, the preview of the same day has nothing more to send.
    after = await facture.stub.RunDunning(pb.RunDunningRequest(preview=True), metadata=compta)
    assert list(after.letters) == []
