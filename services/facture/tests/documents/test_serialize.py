"""Snapshots: a document to JSON-ready data and back, and its canonical JSON."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from aquaerp_facture.documents import (
    Document,
    InvalidDocument,
    canonical_json,
    from_data,
    to_data,
)


def test_round_trip_gives_the_same_document(
    make_invoice: Callable[..., Document], make_credit_note: Callable[..., Document]
) -> None:
    for document in (make_invoice(), make_credit_note()):
        data = json.loads(json.dumps(to_data(document)))  # through real JSON text
        assert from_data(data) == document


def test_canonical_json_is_stable_sorted_and_leaves_out_the_logo(
    make_invoice: Callable[..., Document],
) -> None:
    document = make_invoice()
    canonical = canonical_json(document)

    assert canonical == canonical_json(from_data(to_data(document)))
    data = json.loads(canonical)
    compact_sorted = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical == compact_sorted.encode()
    assert "logo" not in data["seller"]
    assert data["lines"][1]["quantity"] == "1.5"
    assert data["issue_date"] == "2026-03-31"
    assert data["type"] == "380"
    assert "logo" in json.loads(canonical_json(document, include_logo=True))["seller"]


def test_malformed_data_names_the_field(make_invoice: Callable[..., Document]) -> None:
    data = to_data(make_invoice())
    data["lines"][2]["quantity"] = 3.0  # a float, not a decimal string

    with pytest.raises(InvalidDocument) as caught:
        from_data(data)
    assert caught.value.fields == {"lines[2].quantity": "is not a valid Decimal"}

    data = to_data(make_invoice())
    del data["buyer"]["name"]
    with pytest.raises(InvalidDocument) as caught:
        from_data(data)
    assert caught.value.fields == {"buyer.name": "is required"}


def test_rebuilt_documents_are_validated(make_invoice: Callable[..., Document]) -> None:
    data = to_data(make_invoice())
    data["seller"]["siren"] = "123456789"

    with pytest.raises(InvalidDocument) as caught:
        from_data(data)
    assert set(caught.value.fields) == {"seller.siren", "seller.siret", "seller.vat_number"}
