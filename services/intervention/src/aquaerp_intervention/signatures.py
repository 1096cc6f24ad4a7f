"""Handwritten signatures: who signed, when, and the drawing as a well-formed PNG."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import datetime

from aquaerp_runtime.errors import InvalidArgument

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 256 * 1024
MAX_SIDE = 4096


@dataclass(frozen=True)
class Signature:
    signer_name: str
    signed_at: datetime
    png: bytes


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a well-formed PNG: signature, IHDR first, every chunk's CRC right,
    IEND last. Raises ValueError otherwise."""
    if not data.startswith(PNG_MAGIC):
        raise ValueError("not PNG data")
    offset, size, first = len(PNG_MAGIC), (0, 0), True
    while offset + 12 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if len(body) != length or offset + 12 + length > len(data):
            raise ValueError("truncated PNG chunk")
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError("corrupted PNG chunk")
        if first:
            if kind != b"IHDR" or length != 13:
                raise ValueError("PNG does not start with its header")
            size = struct.unpack(">II", body[:8])
            first = False
        offset += 12 + length
        if kind == b"IEND":
            return size
    raise ValueError("PNG has no end chunk")


def check_signature(signature: Signature, field: str) -> None:
    """INVALID_ARGUMENT on `field` unless the signature has a name, a time and a sane PNG."""
    if not signature.signer_name.strip() or len(signature.signer_name) > 200:
        raise InvalidArgument(
            "the signer's name is required", fields={f"{field}.signer_name": "required"}
        )
    if len(signature.png) > MAX_PNG_BYTES:
        raise InvalidArgument(
            "the signature image is too large",
            fields={f"{field}.png": f"at most {MAX_PNG_BYTES // 1024} KiB"},
        )
    try:
        width, height = png_size(signature.png)
    except ValueError as error:
        raise InvalidArgument(
            "the signature must be a PNG image", fields={f"{field}.png": str(error)}
        ) from None
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise InvalidArgument(
            "the signature image has an invalid size", fields={f"{field}.png": "invalid size"}
        )
