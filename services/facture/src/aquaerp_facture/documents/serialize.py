"""A document as JSON-ready data and back, and its canonical JSON bytes.

For storing the frozen snapshot of an issued document (and rendering it again identically),
and for hashing its legal content: `canonical_json` sorts keys, has no insignificant
whitespace, writes decimals and dates as strings, and holds no database identifier.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import types
import typing
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from aquaerp_facture.documents.model import Document, InvalidDocument


def to_data(document: Document) -> dict[str, Any]:
    """Plain JSON-ready data: strings, ints, bools, None, lists and dicts."""
    data = _encode(document)
    assert isinstance(data, dict)
    return data


def canonical_json(document: Document, *, include_logo: bool = False) -> bytes:
    """UTF-8 canonical JSON; the logo (presentation, not legal content) only if asked."""
    data = to_data(document)
    if not include_logo:
        data["seller"].pop("logo")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def from_data(data: typing.Mapping[str, Any]) -> Document:
    """The document back from `to_data` output; `InvalidDocument` names a malformed field."""
    document = _decode(Document, data, "")
    assert isinstance(document, Document)
    return document


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _encode(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    return value


@functools.cache
def _type_hints(kind: type) -> dict[str, Any]:
    # Resolving the string annotations is most of a decode's time; a class's never change.
    return typing.get_type_hints(kind)


def _decode(kind: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(kind)
    if origin is types.UnionType or origin is typing.Union:
        options = [option for option in typing.get_args(kind) if option is not type(None)]
        return None if value is None else _decode(options[0], value, path)
    if origin is tuple:
        if not isinstance(value, list):
            raise _malformed(path, "must be a list")
        item_kind = typing.get_args(kind)[0]
        return tuple(_decode(item_kind, item, f"{path}[{i}]") for i, item in enumerate(value))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise _malformed(path, "must be an object")
        hints = _type_hints(kind)
        arguments = {}
        for field in dataclasses.fields(kind):
            if not field.init:
                continue
            field_path = f"{path}.{field.name}" if path else field.name
            if field.name in value:
                arguments[field.name] = _decode(hints[field.name], value[field.name], field_path)
            elif field.default is dataclasses.MISSING:
                raise _malformed(field_path, "is required")
        return kind(**arguments)
    return _decode_scalar(kind, value, path)


def _decode_scalar(kind: Any, value: Any, path: str) -> Any:
    try:
        if isinstance(kind, type) and issubclass(kind, Enum):
            return kind(value)
        if kind is Decimal:
            if not isinstance(value, str):
                raise TypeError
            return Decimal(value)
        if kind is date:
            return date.fromisoformat(value)
        if kind is bytes:
            return base64.b64decode(value, validate=True)
    except (ValueError, TypeError, InvalidOperation) as error:
        raise _malformed(path, f"is not a valid {getattr(kind, '__name__', kind)}") from error
    if kind in (str, int, bool) and type(value) is not kind:
        raise _malformed(path, f"must be a {kind.__name__}")
    return value


def _malformed(path: str, problem: str) -> InvalidDocument:
    return InvalidDocument(f"{path}: {problem}", fields={path: problem})
