"""The data side's defects replayed as the attacks they were, through the real gateway in front of
the real services: each is refused (401/403/404/422, never 500) and leaves the data unchanged.

- control characters, int64 overflows, dates beyond the bounds or given as numbers, full-width
  digits in a TOTP code;
- absurd payments that made a balance fail forever, and no way to reverse a payment;
- a draft invoice carrying another customer's contract;
- validation gaps: unknown country, non-French postal code in France, a payment dated year 1,
  a pause or a cancellation of ids that do not exist;
- the development mailbox without login.
"""

from __future__ import annotations

import uuid

import pytest

from .data_fixtures import TODAY, DataStack

pytestmark = pytest.mark.timeout(300)


# Digits an attacker types in full width (U+FF10..U+FF19): Unicode's \d takes them.
FULL_WIDTH_CODE = "".join(chr(0xFF10 + int(d)) for d in "123456")
FULL_WIDTH_POSTAL_CODE = "".join(chr(0xFF10 + int(d)) for d in "34000")
ADDRESS = {"lines": ["1 rue X"], "postal_code": "34000", "city": "Sète", "country": "FR"}


def never_500(status: int) -> None:
    assert status < 500, status


async def test_control_characters_overflows_and_odd_dates_get_422_naming_the_field(
    data_stack: DataStack,
) -> None:
    stack = data_stack
    customer = await stack.customer()
    for name in ("Evil\x00Corp", "Bell\x07", "Esc\x1b[31m", "Tab\tname", "Line\nbreak"):
        response = await stack.call(
            "bureau",
            "POST",
            "/customers",
            json={"type": "private", "name": name, "billing_address": ADDRESS},
        )
        assert response.status_code == 422, (name, response.text)
        assert "name" in response.json()["errors"], response.json()
    # Free text keeps its line breaks.
    draft = await stack.call(
        "bureau",
        "POST",
        "/invoices",
        json=stack.invoice_body(customer["id"], note="Ligne 1\nLigne 2\tfin"),
    )
    assert draft.status_code == 201, draft.text
    invoice_id = draft.json()["id"]

    overflow = stack.invoice_body(customer["id"])
    overflow["lines"][0]["unit_price"] = {"amount_cents": 2**63}
    response = await stack.call("bureau", "PUT", f"/invoices/{invoice_id}", json=overflow)
    assert response.status_code == 422, response.text
    assert "lines.0.unit_price.amount_cents" in response.json()["errors"]
    for cents in (10**18, -(10**18), 2**64):
        response = await stack.pay(customer["id"], cents)
        assert response.status_code == 422, response.text
        assert "amount.amount_cents" in response.json()["errors"]

    for received_on in ("10000-01-01", "9999-12-31", "0001-01-01", -5.96e-08, 0, "-5.96e-08"):
        response = await stack.pay(customer["id"], 100, received_on=received_on)
        assert response.status_code == 422, (received_on, response.text)
        assert "received_on" in response.json()["errors"], received_on
    response = await stack.call(
        "compta", "GET", f"/customers/{customer['id']}/balance", params={"as_of": "-5.96e-08"}
    )
    assert response.status_code == 422 and "as_of" in response.json()["errors"]
    path_nul = await stack.call("bureau", "GET", "/invoices/%00")
    assert path_nul.status_code == 422, path_nul.text

    code = await stack.call("bureau", "POST", "/auth/totp/confirm", json={"code": FULL_WIDTH_CODE})
    assert code.status_code in (400, 401, 409, 422), code.text

    unchanged = await stack.call("bureau", "GET", f"/invoices/{invoice_id}")
    assert unchanged.json()["total_excluding_vat_cents"] == 10000
    balance = await stack.call("compta", "GET", f"/customers/{customer['id']}/balance")
    assert balance.status_code == 200 and balance.json()["paid_cents"] == 0


async def test_a_payment_is_reversed_with_a_reason_never_deleted(data_stack: DataStack) -> None:
    stack = data_stack
    customer = await stack.customer()
    invoice = await stack.issued_invoice(customer["id"])
    paid = await stack.pay(customer["id"], 12000, invoice_id=invoice["id"], reference="CHQ 7")
    assert paid.status_code == 201, paid.text
    payment_id = paid.json()["id"]

    for role, body, status in (
        ("", {"reason": "chèque impayé"}, 401),
        ("bureau", {"reason": "chèque impayé"}, 403),
        ("technicien", {"reason": "chèque impayé"}, 403),
        ("compta", {}, 422),
        ("compta", {"reason": "x\x00"}, 422),
    ):
        response = await stack.call(role, "POST", f"/payments/{payment_id}/reverse", json=body)
        assert response.status_code == status, (role, body, response.text)
    still = await stack.call("compta", "GET", f"/invoices/{invoice['id']}")
    assert still.json()["status"] == "paid"

    unknown = await stack.call(
        "compta", "POST", f"/payments/{uuid.uuid4()}/reverse", json={"reason": "inconnu"}
    )
    assert unknown.status_code == 404
    reversed_payment = await stack.call(
        "compta", "POST", f"/payments/{payment_id}/reverse", json={"reason": "chèque impayé"}
    )
    assert reversed_payment.status_code == 200, reversed_payment.text
    body = reversed_payment.json()
    assert body["reversal_reason"] == "chèque impayé" and body["reversed_at"]
    assert body["allocations"] == []
    reopened = await stack.call("compta", "GET", f"/invoices/{invoice['id']}")
    assert reopened.json()["status"] == "issued"
    listed = await stack.call("compta", "GET", "/payments", params={"customer_id": customer["id"]})
    assert [p["id"] for p in listed.json()["items"]] == [payment_id]
    balance = await stack.call("compta", "GET", f"/customers/{customer['id']}/balance")
    assert balance.json()["balance_cents"] == 12000
    twice = await stack.call(
        "compta", "POST", f"/payments/{payment_id}/reverse", json={"reason": "encore"}
    )
    assert twice.status_code == 409


async def test_a_draft_cannot_carry_the_contract_of_another_customer(
    data_stack: DataStack,
) -> None:
    stack = data_stack
    victim = await stack.customer()
    contract = await stack.contract(victim["id"])
    attacker = await stack.customer()
    for changes in (
        {"contract_id": contract["id"]},
        {"contract_id": contract["id"], "contract_reference": "CT-1"},
    ):
        response = await stack.call(
            "bureau", "POST", "/invoices", json=stack.invoice_body(attacker["id"], **changes)
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == {"contract_id": "not a contract of this customer"}
    listed = await stack.call("bureau", "GET", "/invoices", params={"customer_id": attacker["id"]})
    assert listed.json()["items"] == []


async def test_validation_gaps_are_closed(data_stack: DataStack) -> None:
    stack = data_stack
    for changes, field in (
        ({"country": "ZZ"}, "billing_address.country"),
        ({"country": "fr "}, None),
        ({"postal_code": "ABCDE"}, "billing_address.postal_code"),
        ({"postal_code": FULL_WIDTH_POSTAL_CODE}, "billing_address.postal_code"),
    ):
        body = {"name": "Client test", "billing_address": {**ADDRESS, **changes}}
        response = await stack.call(
            "bureau", "POST", "/customers", json={**body, "type": "private"}
        )
        never_500(response.status_code)
        if field is None:
            continue
        assert response.status_code == 422, response.text
        assert field in response.json()["errors"], response.json()

    customer = await stack.customer()
    ancient = await stack.pay(customer["id"], 100, received_on="2000-01-01")
    assert ancient.status_code == 201, ancient.text
    ancient = await stack.pay(customer["id"], 100, received_on="1999-12-31")
    assert ancient.status_code == 422 and "received_on" in ancient.json()["errors"]
    future = await stack.pay(customer["id"], 100, received_on=TODAY.replace(year=2027).isoformat())
    assert future.status_code == 422

    nobody = str(uuid.uuid4())
    pause = await stack.call(
        "compta", "PUT", f"/customers/{nobody}/dunning-pause", json={"paused": True}
    )
    assert pause.status_code == 404, pause.text
    cancel = await stack.call(
        "bureau", "POST", f"/contracts/{nobody}/visits/cancel-future", json={}
    )
    assert cancel.status_code == 404, cancel.text


async def test_the_development_mailbox_needs_an_administrator(data_stack: DataStack) -> None:
    stack = data_stack
    (stack.mail_dir / "m1.eml").write_bytes(
        b"From: a@example.fr\r\nTo: b@example.fr\r\nSubject: Facture\r\n\r\nbonjour\r\n"
    )
    assert (await stack.call("", "GET", "/dev/mail")).status_code == 401
    for role in ("bureau", "compta", "technicien"):
        assert (await stack.call(role, "GET", "/dev/mail")).status_code == 403, role
        assert (await stack.call(role, "GET", "/dev/mail/m1/raw")).status_code == 403, role
    admin = await stack.call("admin", "GET", "/dev/mail")
    assert admin.status_code == 200 and [m["id"] for m in admin.json()] == ["m1"]
