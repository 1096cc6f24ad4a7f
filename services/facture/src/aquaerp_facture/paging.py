"""Opaque page tokens: the sort key of the last item returned, base64url-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aquaerp_runtime.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def page_limit(
    page_size: int, *, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE
) -> int:
    if page_size < 0:
        raise InvalidArgument(
            "page_size must not be negative", fields={"page.page_size": "must not be negative"}
        )
    return min(page_size or default, maximum)


def encode_token(*values: Any) -> str:
    raw = json.dumps([str(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, size: int) -> list[str] | None:
    """The values of a token made by encode_token, None for an empty token."""
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
        raise InvalidArgument(
            "invalid page token", fields={"page.page_token": "invalid page token"}
        )
    return values
