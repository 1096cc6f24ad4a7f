"""The template catalog: one folder per template under templates/ (subject.txt, body.html,
body.txt, sample.json: description, sample variables, category), rendered with jinja2. HTML is
autoescaped; a variable a template uses but that was not given is an error (StrictUndefined),
never an empty string."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from aquaerp_runtime.errors import InvalidArgument, NotFound

from .config import CompanyBranding
from .formatting import FILTERS

TEMPLATE_DIR = Path(__file__).parent / "templates"
# Names the templates get from configuration, not from callers.
RESERVED_VARIABLES = frozenset({"company"})
# A template's `category` in its sample.json: "marketing" ones go only to customers who agreed
# to offers (CNIL, art. L34-5 CPCE); every other one is a service message.
SERVICE = "service"
MARKETING = "marketing"


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    description: str
    sample: dict[str, Any]
    category: str = SERVICE


@dataclass(frozen=True)
class RenderedEmail:
    template: str
    subject: str
    html: str
    text: str


def _strict(apply: Callable[[Any], str]) -> Callable[[Any], str]:
    """Filters receive an undefined variable as an object; using it raises the usual error."""

    def strict(value: Any) -> str:
        if isinstance(value, jinja2.Undefined):
            str(value)  # StrictUndefined: raises UndefinedError naming the variable
        return apply(value)

    return strict


def _environment(directory: Path, *, html: bool, branding: CompanyBranding) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.filters.update({name: _strict(f) for name, f in FILTERS.items()})
    environment.globals["company"] = branding.model_dump()
    return environment


class TemplateCatalog:
    def __init__(self, branding: CompanyBranding, directory: Path = TEMPLATE_DIR) -> None:
        self._html = _environment(directory, html=True, branding=branding)
        self._text = _environment(directory, html=False, branding=branding)
        self._templates: dict[str, TemplateInfo] = {}
        for sample_file in sorted(directory.glob("*/sample.json")):
            sample = json.loads(sample_file.read_text(encoding="utf-8"))
            name = sample_file.parent.name
            self._templates[name] = TemplateInfo(
                name, sample["description"], sample["variables"], sample.get("category", SERVICE)
            )

    def templates(self) -> list[TemplateInfo]:
        return list(self._templates.values())

    def info(self, name: str) -> TemplateInfo:
        try:
            return self._templates[name]
        except KeyError:
            raise NotFound(
                f"unknown template {name!r}", fields={"template": "unknown template"}
            ) from None

    def render(self, name: str, variables: dict[str, Any]) -> RenderedEmail:
        self.info(name)
        if reserved := RESERVED_VARIABLES.intersection(variables):
            raise InvalidArgument(
                f"variables may not set {', '.join(sorted(reserved))} (set by configuration)",
                fields={"variables": f"reserved name: {', '.join(sorted(reserved))}"},
            )
        try:
            subject = self._text.get_template(f"{name}/subject.txt").render(variables)
            html = self._html.get_template(f"{name}/body.html").render(variables)
            text = self._text.get_template(f"{name}/body.txt").render(variables)
        except jinja2.UndefinedError as error:
            raise InvalidArgument(
                f"template {name}: missing variable ({error.message})",
                fields={"variables": f"missing variable: {error.message}"},
            ) from None
        except (ValueError, TypeError) as error:
            raise InvalidArgument(
                f"template {name}: invalid variable ({error})", fields={"variables": str(error)}
            ) from None
        # One line: a newline in a header would end it.
        subject = re.sub(r"\s+", " ", subject).strip()
        return RenderedEmail(name, subject, html, _tidy_text(text))

    def preview(self, name: str) -> RenderedEmail:
        return self.render(name, self.info(name).sample)


def _tidy_text(text: str) -> str:
    """Trailing spaces off, at most one blank line in a row, one final newline."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
