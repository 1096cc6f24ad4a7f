"""Conditions and argument templates: sandboxed jinja2, strict about undefined names.

The sandbox is immutable: a template cannot call methods that change the event or results.
A string that is exactly one `{{ expression }}` evaluates to the expression's own value (a
number stays a number, a list a list); any other string renders to a string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from jinja2 import (
    ChainableUndefined,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    Undefined,
    UndefinedError,
    meta,
    nodes,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment


def add_days(value: Any, days: int) -> str:
    """`"2026-11-30" | add_days(1)` -> "2026-12-01" (also takes a timestamp's date part)."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return (date.fromisoformat(str(value)[:10]) + timedelta(days=int(days))).isoformat()


def iso_date(value: Any) -> str:
    """A common Date as read from a response ({year, month, day}) -> "2026-11-30"."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, Mapping):
        return date(int(value["year"]), int(value["month"]), int(value["day"])).isoformat()
    return date.fromisoformat(str(value)[:10]).isoformat()


def _environment(undefined: type[Undefined]) -> ImmutableSandboxedEnvironment:
    environment = ImmutableSandboxedEnvironment(undefined=undefined, autoescape=False)
    environment.filters["add_days"] = add_days
    environment.filters["iso_date"] = iso_date
    return environment


_ENVIRONMENT = _environment(StrictUndefined)
# Used only to try a template with every name undefined during validation.
_LENIENT_ENVIRONMENT = _environment(ChainableUndefined)

_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expression>.*)\}\}\s*$", re.DOTALL)

__all__ = ["TemplateError", "UndefinedError"]


class TemplateProblem(Exception):
    """A template that cannot be compiled or evaluated; the message says why."""


def is_template(value: str) -> bool:
    return "{{" in value or "{%" in value or "{#" in value


def _single_expression(source: str) -> str | None:
    match = _SINGLE_EXPRESSION.match(source)
    if match is None:
        return None
    expression = match.group("expression")
    if "{{" in expression or "}}" in expression or "{%" in expression:
        return None
    return expression


@lru_cache(maxsize=2048)
def _compiled_expression(expression: str, lenient: bool = False) -> Any:
    environment = _LENIENT_ENVIRONMENT if lenient else _ENVIRONMENT
    return environment.compile_expression(expression, undefined_to_none=False)


@lru_cache(maxsize=2048)
def _compiled_template(source: str, lenient: bool = False) -> Any:
    environment = _LENIENT_ENVIRONMENT if lenient else _ENVIRONMENT
    return environment.from_string(source)


def _describe(error: Exception) -> str:
    if isinstance(error, TemplateSyntaxError) and error.lineno:
        return f"{error.message} (line {error.lineno})"
    return str(error) or type(error).__name__


def evaluate_condition(expression: str, context: Mapping[str, Any]) -> bool:
    """The truth of a `when` expression over `context`."""
    try:
        value = _compiled_expression(expression)(**context)
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
        return bool(value)
    except Exception as error:
        raise TemplateProblem(_describe(error)) from error


def _json_value(value: Any) -> Any:
    """Jinja results as JSON values (tuples become lists, anything exotic a string)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value if not isinstance(value, str) else str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return str(value)


def render_value(source: str, context: Mapping[str, Any]) -> Any:
    """Renders one template string (see the module docstring for typed expressions)."""
    try:
        expression = _single_expression(source)
        if expression is not None:
            value = _compiled_expression(expression)(**context)
            if isinstance(value, Undefined):
                value._fail_with_undefined_error()
            return _json_value(value)
        return _compiled_template(source).render(**context)
    except Exception as error:
        raise TemplateProblem(_describe(error)) from error


def render_args(args: Any, context: Mapping[str, Any], path: str = "args") -> Any:
    """Renders every template string inside `args` (dicts and lists walked recursively)."""
    if isinstance(args, str):
        if not is_template(args):
            return args
        try:
            return render_value(args, context)
        except TemplateProblem as problem:
            raise TemplateProblem(f"{path}: {problem}") from problem
    if isinstance(args, Mapping):
        return {key: render_args(value, context, f"{path}.{key}") for key, value in args.items()}
    if isinstance(args, list):
        return [render_args(value, context, f"{path}[{i}]") for i, value in enumerate(args)]
    return args


@dataclass(frozen=True)
class TemplateCheck:
    """What validation learns from a template without real data."""

    error: str = ""
    # Top-level names it reads (event, run, steps, ...).
    names: frozenset[str] = frozenset()
    # Step results it reads: `steps.x` / `steps["x"]`.
    step_names: frozenset[str] = frozenset()


def check_template(source: str, *, expression: bool = False) -> TemplateCheck:
    """Compiles a template (or a bare expression) and lists the names it reads."""
    single = source if expression else _single_expression(source)
    text = f"{{{{ {single} }}}}" if single is not None else source
    try:
        tree = _ENVIRONMENT.parse(text)
        names = frozenset(meta.find_undeclared_variables(tree))
        if single is not None:
            _compiled_expression(single)
        else:
            _compiled_template(source)
    except TemplateError as error:
        return TemplateCheck(error=_describe(error))
    steps: set[str] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        target = node.node if isinstance(node, nodes.Getattr | nodes.Getitem) else None
        if isinstance(target, nodes.Name) and target.name == "steps":
            if isinstance(node, nodes.Getattr):
                steps.add(node.attr)
            elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
                if isinstance(node.arg.value, str):
                    steps.add(node.arg.value)
    # Evaluating with every name undefined catches errors that compile fine (e.g. `1 + "a"`).
    try:
        if single is not None:
            _compiled_expression(single, True)()
        else:
            _compiled_template(source, True).render()
    except UndefinedError:
        pass
    except Exception as error:
        return TemplateCheck(error=_describe(error), names=names, step_names=frozenset(steps))
    return TemplateCheck(names=names, step_names=frozenset(steps))
