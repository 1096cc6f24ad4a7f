"""Imported files as tables of text, and the annotated copy with each row's errors.

CSV (UTF-8 with or without BOM, else Windows-1252; `;`, `,` or tab separated) and XLSX (the
first sheet). Cells are read as written: an XLSX formula is its text ("=A1*2"), never
evaluated, and CSV text stays text. Written cells go through the one CSV neutralisation of the
runtime, and XLSX cells are written as strings, so nothing comes back as a formula.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from aquaerp_runtime.csv_export import csv_bytes, neutralised
from aquaerp_runtime.errors import InvalidArgument

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERROR_HEADER = "Erreurs"


@dataclass(frozen=True)
class Table:
    file_format: str  # "csv" or "xlsx"
    headers: list[str]
    rows: list[list[str]]  # data rows, each as long as the headers


def file_format(file_name: str) -> str:
    lowered = file_name.strip().lower()
    if lowered.endswith(".csv") or lowered.endswith(".txt"):
        return "csv"
    if lowered.endswith(".xlsx"):
        return "xlsx"
    raise InvalidArgument(
        "only CSV and XLSX files", fields={"file_name": "un fichier .csv ou .xlsx"}
    )


def read_table(file_name: str, content: bytes) -> Table:
    """The file as text cells; InvalidArgument on `content` when it cannot be read."""
    kind = file_format(file_name)
    if not content:
        raise InvalidArgument("empty file", fields={"content": "fichier vide"})
    if len(content) > MAX_FILE_BYTES:
        raise InvalidArgument("file too large", fields={"content": "20 Mo au maximum"})
    raw = _read_csv(content) if kind == "csv" else _read_xlsx(content)
    rows = [row for row in raw if any(cell.strip() for cell in row)]
    if not rows:
        raise InvalidArgument("no header row", fields={"content": "aucune ligne d'en-tête"})
    headers = [cell.strip() for cell in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    if len(rows) - 1 > MAX_ROWS:
        raise InvalidArgument(
            "too many rows", fields={"content": f"{MAX_ROWS} lignes au maximum par fichier"}
        )
    width = len(headers)
    data = [(row + [""] * width)[:width] for row in rows[1:]]
    return Table(kind, headers, data)


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # only imports pay for it

    try:
        # data_only=False: a formula cell is read as its text, not as a computed value.
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InvalidArgument(
            "not an XLSX file", fields={"content": "fichier XLSX illisible"}
        ) from None
    try:
        sheet = book.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value)


def annotated(table: Table, row_errors: dict[int, list[str]]) -> tuple[bytes, str]:
    """The file with an error column (row numbers as in the file, header = 1), and its media
    type: CSV for a CSV, XLSX for an XLSX."""
    header = [*table.headers, ERROR_HEADER]
    rows = [[*row, " ; ".join(row_errors.get(n + 2, []))] for n, row in enumerate(table.rows)]
    if table.file_format == "csv":
        return csv_bytes(header, rows), "text/csv; charset=utf-8"
    return _xlsx_bytes(header, rows), XLSX_MEDIA_TYPE


def _xlsx_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Import")

    def cells(values: list[str]) -> list[WriteOnlyCell]:
        out = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=neutralised(value))
            cell.data_type = "s"  # text, even when it starts with "="
            out.append(cell)
        return out

    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    """A plain workbook (values as given) — for building example and benchmark files."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Feuille1")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
