"""Company settings for maintenance plans: the season dates per region (when pools are open) and
the one-off visit templates (winterising, spring restart) with their checklist, duration and the
window of the year they are placed in. Stored as one JSON document; defaults until changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import validation
from .validation import Violations, month_day, text

SETTINGS_KEY = "plans"
MAX_REGIONS = 30
MAX_TEMPLATES = 20
MAX_CHECKLIST = 40


@dataclass(frozen=True)
class SeasonRegion:
    code: str
    name: str
    start: tuple[int, int]
    end: tuple[int, int]


@dataclass(frozen=True)
class VisitTemplate:
    code: str
    label: str
    checklist: tuple[str, ...]
    duration_minutes: int
    # The window of each year the visit is placed in (its first day), e.g. 10-01..11-15.
    window_start: tuple[int, int]
    window_end: tuple[int, int]
    required_skill: str


@dataclass(frozen=True)
class PlanSettings:
    regions: tuple[SeasonRegion, ...]
    templates: tuple[VisitTemplate, ...]


DEFAULT_PLAN_SETTINGS = PlanSettings(
    regions=(
        SeasonRegion("mediterranee", "Méditerranée", (4, 15), (10, 15)),
        SeasonRegion("sud-ouest", "Sud-Ouest", (5, 1), (9, 30)),
        SeasonRegion("nord", "Nord et Est", (6, 1), (9, 15)),
    ),
    templates=(
        VisitTemplate(
            "hivernage",
            "Hivernage",
            (
                "Abaisser le niveau d'eau sous les buses",
                "Traitement d'hivernage (anti-algues, anti-calcaire)",
                "Vidanger et protéger pompe, filtre et canalisations",
                "Installer les flotteurs et la bâche d'hiver",
            ),
            120,
            (10, 1),
            (11, 15),
            "piscine",
        ),
        VisitTemplate(
            "remise-en-route",
            "Remise en route",
            (
                "Retirer et nettoyer la bâche d'hiver",
                "Remettre à niveau, remonter pompe et filtre",
                "Nettoyage du bassin et lavage du filtre",
                "Analyse de l'eau et traitement choc",
            ),
            150,
            (3, 15),
            (4, 30),
            "piscine",
        ),
    ),
)


@dataclass
class RegionDraft:
    code: str = ""
    name: str = ""
    start_month_day: str = ""
    end_month_day: str = ""


@dataclass
class TemplateDraft:
    code: str = ""
    label: str = ""
    checklist: list[str] = field(default_factory=list)
    duration_minutes: int = 0
    window_start: str = ""
    window_end: str = ""
    required_skill: str = ""


def _md(value: tuple[int, int]) -> str:
    return f"{value[0]:02d}-{value[1]:02d}"


def _pair(text_value: str) -> tuple[int, int]:
    return int(text_value[:2]), int(text_value[3:])


def settings_json(settings: PlanSettings) -> dict[str, Any]:
    return {
        "regions": [
            {"code": r.code, "name": r.name, "start": _md(r.start), "end": _md(r.end)}
            for r in settings.regions
        ],
        "templates": [
            {
                "code": t.code,
                "label": t.label,
                "checklist": list(t.checklist),
                "duration_minutes": t.duration_minutes,
                "window_start": _md(t.window_start),
                "window_end": _md(t.window_end),
                "required_skill": t.required_skill,
            }
            for t in settings.templates
        ],
    }


def settings_from_json(data: dict[str, Any] | None) -> PlanSettings:
    if not data:
        return DEFAULT_PLAN_SETTINGS
    return PlanSettings(
        regions=tuple(
            SeasonRegion(r["code"], r["name"], _pair(r["start"]), _pair(r["end"]))
            for r in data.get("regions", [])
        ),
        templates=tuple(
            VisitTemplate(
                t["code"],
                t["label"],
                tuple(t["checklist"]),
                int(t["duration_minutes"]),
                _pair(t["window_start"]),
                _pair(t["window_end"]),
                t["required_skill"],
            )
            for t in data.get("templates", [])
        ),
    )


def _codes(v: Violations, path: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for index, code in enumerate(codes):
        if code and not validation.PRODUCT_CODE.match(code):
            v.add(f"{path}.{index}.code", "letters, digits, . - _ (at most 40)")
        if code in seen:
            v.add(f"{path}.{index}.code", "the same code twice")
        seen.add(code)


def plan_settings(regions: list[RegionDraft], templates: list[TemplateDraft]) -> PlanSettings:
    """The settings from the form, every violation reported at once by field path."""
    v = Violations()
    if len(regions) > MAX_REGIONS:
        v.add("regions", f"at most {MAX_REGIONS}")
    if len(templates) > MAX_TEMPLATES:
        v.add("templates", f"at most {MAX_TEMPLATES}")
    _codes(v, "regions", [r.code.strip() for r in regions])
    _codes(v, "templates", [t.code.strip() for t in templates])
    parsed_regions = tuple(
        SeasonRegion(
            code=text(v, f"regions.{i}.code", r.code, required=True, max_length=40),
            name=text(v, f"regions.{i}.name", r.name, required=True, max_length=100),
            start=month_day(v, f"regions.{i}.start_month_day", r.start_month_day),
            end=month_day(v, f"regions.{i}.end_month_day", r.end_month_day),
        )
        for i, r in enumerate(regions)
    )
    parsed_templates = []
    for i, t in enumerate(templates):
        path = f"templates.{i}"
        if not 5 <= t.duration_minutes <= 720:
            v.add(f"{path}.duration_minutes", "between 5 and 720 minutes")
        if len(t.checklist) > MAX_CHECKLIST:
            v.add(f"{path}.checklist", f"at most {MAX_CHECKLIST} items")
        items = tuple(
            text(v, f"{path}.checklist.{n}", item, required=True, max_length=200)
            for n, item in enumerate(t.checklist)
        )
        parsed_templates.append(
            VisitTemplate(
                code=text(v, f"{path}.code", t.code, required=True, max_length=40),
                label=text(v, f"{path}.label", t.label, required=True, max_length=200),
                checklist=items,
                duration_minutes=t.duration_minutes,
                window_start=month_day(v, f"{path}.window_start", t.window_start),
                window_end=month_day(v, f"{path}.window_end", t.window_end),
                required_skill=text(
                    v, f"{path}.required_skill", t.required_skill, required=False, max_length=60
                ),
            )
        )
    v.raise_if_any("invalid plan settings")
    return PlanSettings(parsed_regions, tuple(parsed_templates))
