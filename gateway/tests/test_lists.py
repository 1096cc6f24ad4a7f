"""The office lists through the real gateway and the real contrat and facture services: sorted
pages with their total, keyset paging across a sorted list (no row twice, none missing), the
filtered list exported as CSV with formulas neutralised, and the global search."""

from __future__ import annotations

import csv
import io
from typing import Any

from . import test_facture_routes
from .test_facture_routes import Invoicing, draft_body

# The real gateway with the real contrat and facture services (the invoicing routes' fixture).
invoicing = test_facture_routes.invoicing

PREFIX = "Lstx"
CUSTOMERS = [
    # (name, city, e-mail)
    (f"{PREFIX} Dupont", "Nîmes", "dupont@example.fr"),
    (f"{PREFIX} Arnaud", "Sète", "arnaud@example.fr"),
    (f"{PREFIX} Carrel", "Nîmes", "carrel@example.fr"),
    (f"{PREFIX} Bernard", "Agde", "bernard@example.fr"),
    (f"{PREFIX} Etienne", "Nîmes", "etienne@piscines-lstx.fr"),
    (f'=HYPERLINK("x") {PREFIX}', "Béziers", "formule@example.fr"),
    (f"{PREFIX} Fabre", "Agde", "fabre@example.fr"),
]


async def _customer(invoicing: Invoicing, name: str, city: str, email: str) -> str:
    response = await invoicing.gateway.client.post(
        "/api/v1/customers",
        json={
            "type": "private",
            "name": name,
            "billing_address": {
                "lines": ["3 impasse du Lavoir"],
                "postal_code": "30000",
                "city": city,
            },
            "billing_email": email,
        },
        headers=await invoicing.headers("bureau"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _walk(invoicing: Invoicing, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item of a list, page by page, checking each page's total."""
    headers = await invoicing.headers("bureau")
    items: list[dict[str, Any]] = []
    token = ""
    totals = set()
    while True:
        response = await invoicing.gateway.client.get(
            path, params={**params, "page_token": token}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        totals.add(int(body["page"]["total_size"]))
        token = body["page"]["next_page_token"]
        if not token:
            break
    assert totals == {len(items)}, "every page gives the total of the whole filtered list"
    return items


async def test_customers_sorted_counted_paged_and_exported(invoicing: Invoicing) -> None:
    client = invoicing.gateway.client
    bureau = await invoicing.headers("bureau")
    for name, city, email in CUSTOMERS:
        await _customer(invoicing, name, city, email)

    by_city = await _walk(
        invoicing, "/api/v1/customers", {"q": PREFIX, "order_by": "city desc", "page_size": 2}
    )
    # Sète, Nîmes x3, Béziers, Agde x2; equal cities in descending id order, each once.
    cities = [c["billing_address"]["city"] for c in by_city]
    assert cities == ["Sète", "Nîmes", "Nîmes", "Nîmes", "Béziers", "Agde", "Agde"]
    nimes_ids = [c["id"] for c in by_city if c["billing_address"]["city"] == "Nîmes"]
    assert nimes_ids == sorted(nimes_ids, reverse=True)
    assert len({c["id"] for c in by_city}) == len(CUSTOMERS)

    by_name = await _walk(invoicing, "/api/v1/customers", {"q": PREFIX, "page_size": 3})
    names = [c["name"] for c in by_name]
    assert names == sorted(names) and len(names) == len(CUSTOMERS)

    nimes = await client.get(
        "/api/v1/customers", params={"q": "nîmes", "page_size": 1}, headers=bureau
    )
    assert nimes.status_code == 200 and nimes.json()["page"]["total_size"] == 3
    by_mail = await client.get("/api/v1/customers", params={"q": "piscines-lstx"}, headers=bureau)
    assert [c["name"] for c in by_mail.json()["items"]] == [f"{PREFIX} Etienne"]

    unknown = await client.get("/api/v1/customers", params={"order_by": "siren"}, headers=bureau)
    assert unknown.status_code == 422, unknown.text
    assert "order_by" in unknown.text
    first = await client.get(
        "/api/v1/customers",
        params={"q": PREFIX, "order_by": "city", "page_size": 2},
        headers=bureau,
    )
    other_sort = await client.get(
        "/api/v1/customers",
        params={
            "q": PREFIX,
            "order_by": "email",
            "page_token": first.json()["page"]["next_page_token"],
        },
        headers=bureau,
    )
    assert other_sort.status_code == 422 and "page_token" in other_sort.text

    export = await client.get(
        "/api/v1/customers/export.csv",
        params={"q": PREFIX, "order_by": "city desc"},
        headers=bureau,
    )
    assert export.status_code == 200, export.text
    assert export.headers["content-type"].startswith("text/csv")
    assert 'filename="customers.csv"' in export.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Code", "Nom", "Type"]
    assert [r[7] for r in rows[1:]] == cities
    assert '\'=HYPERLINK("x") Lstx' in [r[1] for r in rows[1:]], "a formula is neutralised"
    client_token = await invoicing.headers("client", customer_id=by_city[0]["id"])
    refused = await client.get("/api/v1/customers/export.csv", headers=client_token)
    assert refused.status_code == 403


async def test_invoices_sorted_counted_paged_exported_and_searched(invoicing: Invoicing) -> None:
    client = invoicing.gateway.client
    bureau = await invoicing.headers("bureau")
    first = await _customer(invoicing, f"{PREFIX} Gauthier", "Uzès", "gauthier@example.fr")
    second = await _customer(invoicing, f"{PREFIX} Hugo", "Alès", "hugo@lstx-mail.fr")
    prices = {first: [9000, 1500, 4200, 1500], second: [7700, 3100]}
    for customer_id, amounts in prices.items():
        for cents in amounts:
            body = draft_body(customer_id)
            body["lines"] = [
                {
                    "description": "Entretien",
                    "quantity": "1",
                    "unit_price": {"amount_cents": cents},
                    "vat_rate": "20",
                }
            ]
            created = await client.post("/api/v1/invoices", json=body, headers=bureau)
            assert created.status_code == 201, created.text

    by_total = await _walk(
        invoicing, "/api/v1/invoices", {"q": PREFIX, "order_by": "total", "page_size": 2}
    )
    totals = [int(i["total_including_vat_cents"]) for i in by_total]
    assert totals == [1800, 1800, 3720, 5040, 9240, 10800]
    assert len({i["id"] for i in by_total}) == 6
    desc = await _walk(
        invoicing, "/api/v1/invoices", {"q": PREFIX, "order_by": "total desc", "page_size": 4}
    )
    assert [i["id"] for i in desc] == [i["id"] for i in reversed(by_total)]

    only_first = await client.get(
        "/api/v1/invoices",
        params={"customer_id": first, "status": "draft", "page_size": 1},
        headers=bureau,
    )
    assert only_first.json()["page"]["total_size"] == 4
    assert len(only_first.json()["items"]) == 1

    # Status filters count through the payments: one issued and unpaid, one partly paid.
    compta = await invoicing.headers("compta")
    drafts = [i for i in by_total if i["customer_id"] == first][:2]
    for draft in drafts:
        issued = await client.post(f"/api/v1/invoices/{draft['id']}/issue", headers=compta)
        assert issued.status_code == 200, issued.text
    paid = await client.post(
        "/api/v1/payments",
        json={
            "customer_id": first,
            "amount": {"amount_cents": 500},
            "method": "transfer",
            "invoice_id": drafts[0]["id"],
        },
        headers={**compta, "Idempotency-Key": f"lists-{drafts[0]['id']}"},
    )
    assert paid.status_code == 201, paid.text
    for status, count in (("issued", 1), ("partially_paid", 1), ("draft", 2), ("paid", 0)):
        answer = await client.get(
            "/api/v1/invoices",
            params={"customer_id": first, "status": status, "page_size": 1},
            headers=bureau,
        )
        assert answer.json()["page"]["total_size"] == count, status
    by_total = await _walk(invoicing, "/api/v1/invoices", {"q": PREFIX, "order_by": "total"})
    assert [int(i["total_including_vat_cents"]) for i in by_total] == totals

    export = await client.get(
        "/api/v1/invoices/export.csv",
        params={"q": PREFIX, "order_by": "total desc"},
        headers=bureau,
    )
    assert export.status_code == 200, export.text
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Numéro", "Type", "Client", "Statut"]
    assert [r[8] for r in rows[1:]] == ["108,00", "92,40", "50,40", "37,20", "18,00", "18,00"]
    assert sorted(r[3] for r in rows[1:]) == sorted(
        ["brouillon"] * 4 + ["partiellement réglée", "émise"]
    )

    found = await client.get("/api/v1/search", params={"q": "lstx-mail"}, headers=bureau)
    assert found.status_code == 200, found.text
    result = found.json()
    assert [c["title"] for c in result["customers"]["items"]] == [f"{PREFIX} Hugo"]
    assert result["customers"]["total"] == 1
    by_name = await client.get("/api/v1/search", params={"q": f"{PREFIX} Gauthier"}, headers=bureau)
    hits = by_name.json()
    assert hits["invoices"]["total"] == 4 and len(hits["invoices"]["items"]) == 4
    assert hits["customers"]["items"][0]["id"] == first
    too_short = await client.get("/api/v1/search", params={"q": "a"}, headers=bureau)
    assert too_short.status_code == 422
