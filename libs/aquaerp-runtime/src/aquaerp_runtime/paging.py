"""Paging of every List RPC: the page size rule and one opaque page-token codec.

A token carries the sort key of the last item returned (keyset paging), as base64url JSON.
A token that was not made here is refused with one error, on the field `page.page_token`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from aquaerp.common.v1 import common_pb2

from .errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
TOKEN_FIELD = "page.page_token"
SIZE_FIELD = "page.page_size"


def page_limit(
    page_size: int, *, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE
) -> int:
    """The number of items to return for a requested `page_size` (0: the default)."""
    if page_size < 0:
        raise InvalidArgument(
            "page_size must not be negative", fields={SIZE_FIELD: "must not be negative"}
        )
    return min(page_size or default, maximum)


def encode_token(*values: Any) -> str:
    """A token for the sort key `values` of the last item of a page."""
    raw = json.dumps([str(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, size: int) -> list[str] | None:
    """The `size` values of a token made by `encode_token`; None for an empty token."""
    if not token:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != size
        or not all(isinstance(v, str) for v in values)
    ):
        raise invalid_token()
    return values


def decode_key(token: str, *parsers: Callable[[str], Any]) -> tuple[Any, ...] | None:
    """The sort key of a token made by `encode_token`, each value read by its parser (e.g.
    `datetime.fromisoformat, uuid.UUID`); None for an empty token. A value its parser refuses
    (ValueError) makes the token invalid, with the same single error."""
    values = decode_token(token, len(parsers))
    if values is None:
        return None
    try:
        return tuple(parse(value) for parse, value in zip(parsers, values, strict=True))
    except ValueError:
        raise invalid_token() from None


def invalid_token() -> InvalidArgument:
    """The one error of a page token not made here (or made for another sort)."""
    return InvalidArgument("invalid page token", fields={TOKEN_FIELD: "invalid page token"})


def page_response(next_token: str = "", total_size: int = -1) -> common_pb2.PageResponse:
    return common_pb2.PageResponse(next_page_token=next_token, total_size=total_size)
