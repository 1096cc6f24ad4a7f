"""The one check of text received from a caller: no C0 control character.

PostgreSQL refuses NUL in text, and the other C0 controls (escape sequences, form feeds...) have
no place in names, references or addresses. Free text written on several lines (notes,
descriptions, messages, reasons) may hold tabs and line breaks; nothing else may.
"""

from __future__ import annotations

import re

from .errors import InvalidArgument

_ANY_CONTROL = re.compile("[\x00-\x1f]")
_CONTROL_BUT_LAYOUT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Field names whose text is written on several lines.
MULTILINE_NAMES = frozenset(
    {"notes", "note", "description", "message", "reason", "text", "body", "comment"}
)
CONTROL_MESSAGE = "must not contain control characters"


def is_multiline(field_name: str) -> bool:
    """Whether a field of this name holds free text on several lines."""
    return field_name in MULTILINE_NAMES


def has_control_character(value: str, *, multiline: bool = False) -> bool:
    pattern = _CONTROL_BUT_LAYOUT if multiline else _ANY_CONTROL
    return pattern.search(value) is not None


def checked_text(value: str, path: str, *, multiline: bool = False) -> str:
    """`value` unchanged, or a 422 naming `path` when it holds a control character."""
    if has_control_character(value, multiline=multiline):
        raise InvalidArgument(f"{path}: {CONTROL_MESSAGE}", fields={path: CONTROL_MESSAGE})
    return value
