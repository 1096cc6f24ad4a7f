"""CSV files as French spreadsheets open them, with no cell read as a formula.

UTF-8 with a byte order mark, `;` as separator, CRLF line ends. A text cell starting with
= + - @, a tab or a carriage return is prefixed with an apostrophe (OWASP "CSV injection"); an
amount written with a decimal comma ("-12,50") stays a number. Every CSV of every service is
written here, so the neutralisation is in one place.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
AMOUNT = re.compile(r"-?[0-9]+,[0-9]{2}")


def neutralised(cell: str) -> str:
    """The cell as a spreadsheet shows it as text, never as a formula (amounts stay numbers)."""
    if cell.startswith(FORMULA_STARTS) and not AMOUNT.fullmatch(cell):
        return "'" + cell
    return cell


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def euros(cents: int) -> str:
    """1234567 -> '12345,67' (no grouping: accounting software reads it back)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"
