"""The month's logbook as a health inspector reads it: one row per reading in time order, the
site, the basin and the month on top, the regulatory limits in the column headers. CSV through
`aquaerp_runtime.csv_export` (no cell read as a formula) and PDF through WeasyPrint in the
report renderer's worker processes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from aquaerp_runtime.clock import BUSINESS_TZ
from aquaerp_runtime.csv_export import csv_bytes
from jinja2 import Environment, PackageLoader, select_autoescape

from .contracts import one_line
from .logbook import LABELS, limit_text
from .logbook_repository import LogbookRow
from .logbook_service import BasinMonth, LogbookMonthView
from .water_targets import UNITS, Parameter, Target

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
ROLES = {"client": "Exploitant", "technicien": "Technicien", "bureau": "Bureau"}


def month_label(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {year}"


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _yes(value: bool) -> str:
    return "oui" if value else "non"


def _header(label: str, unit: str, limits: dict[Parameter, Target], parameter: Parameter) -> str:
    limit = limits.get(parameter)
    text = f"{label} ({unit})"
    return f"{text} [{limit_text(limit)}]" if limit else text


def column_headers(limits: dict[Parameter, Target]) -> list[str]:
    return [
        "Date",
        "Heure",
        _header(LABELS[Parameter.FREE_CHLORINE], "mg/L", limits, Parameter.FREE_CHLORINE),
        "Chlore total (mg/L)",
        _header(LABELS[Parameter.COMBINED_CHLORINE], "mg/L", limits, Parameter.COMBINED_CHLORINE),
        _header("pH", "", limits, Parameter.PH).replace(" ()", ""),
        _header(
            LABELS[Parameter.TEMPERATURE],
            UNITS[Parameter.TEMPERATURE],
            limits,
            Parameter.TEMPERATURE,
        ),
        "Transparence [fond visible]",
        "Fréquentation",
        "Apport d'eau (m³)",
        "Lavage filtres",
        "Incident",
        "Hors limites",
        "Saisi par",
    ]


def entry_cells(row: LogbookRow) -> list[str]:
    local = row.taken_at.astimezone(BUSINESS_TZ)
    return [
        local.strftime("%d/%m/%Y"),
        local.strftime("%H:%M"),
        _number(row.free_chlorine),
        _number(row.total_chlorine),
        _number(round(max(row.total_chlorine - row.free_chlorine, 0.0), 2)),
        _number(row.ph),
        _number(row.temperature),
        _yes(row.transparent),
        str(row.attendance),
        _number(row.water_added_m3),
        _yes(row.filter_washed),
        row.incident,
        " ; ".join(row.breaches),
        ROLES.get(row.entered_by_role, row.entered_by_role),
    ]


def logbook_csv(view: LogbookMonthView) -> bytes:
    """Site, month and basin on every row; all basins' readings in time order."""
    limits = view.basins[0].limits if view.basins else {}
    header = ["Site", "Mois", "Bassin", *column_headers(limits)]
    rows = sorted(
        ((entry, basin) for basin in view.basins for entry in basin.entries),
        key=lambda pair: (pair[0].taken_at, str(pair[0].id)),
    )
    month = month_label(view.year, view.month)
    return csv_bytes(
        header, [[view.site.name, month, basin.name, *entry_cells(e)] for e, basin in rows]
    )


@dataclass(frozen=True)
class BasinSheet:
    name: str
    headers: list[str]
    rows: list[list[str]]
    flagged: list[bool]
    short_days: list[str]


@dataclass(frozen=True)
class LogbookDocument:
    site_name: str
    address: str
    month: str
    basins: list[BasinSheet] = field(default_factory=list)


def _sheet(basin: BasinMonth) -> BasinSheet:
    return BasinSheet(
        basin.name,
        column_headers(basin.limits),
        [entry_cells(e) for e in basin.entries],
        [bool(e.breaches) for e in basin.entries],
        [
            f"{day.strftime('%d/%m/%Y')} ({count} relevé{'s' if count > 1 else ''})"
            for day, count in basin.short_days
        ],
    )


def logbook_document(view: LogbookMonthView) -> LogbookDocument:
    return LogbookDocument(
        view.site.name,
        one_line(view.site.address),
        month_label(view.year, view.month),
        [_sheet(b) for b in view.basins],
    )


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("aquaerp_intervention", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )


def render_logbook_pdf(document: LogbookDocument) -> bytes:
    """Runs in a worker process."""
    from weasyprint import HTML

    html = _environment().get_template("logbook.html.j2").render(logbook=document)
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
