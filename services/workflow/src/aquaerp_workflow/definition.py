"""Workflow definitions: the spec (same shape as a Workflow resource's `spec` and the YAML
files), read from plain data, checked with every problem reported, written back canonically."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import catalog
from .schedule import DEFAULT_TIMEZONE, ScheduleError, check_cron
from .templates import check_template, is_template

NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(/[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?)?$")
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
STEP_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
MAX_STEPS = 20
MAX_ATTEMPTS = 20
MAX_BACKOFF_SECONDS = 86400
MAX_TIMEOUT_SECONDS = 3600

SPEC_FIELDS = {"description", "trigger", "when", "steps", "enabled"}
TRIGGER_FIELDS = {"event", "cron", "timezone"}
STEP_FIELDS = {"name", "call", "args", "retry", "timeout_seconds"}
RETRY_FIELDS = {"attempts", "backoff_seconds"}
# Names templates may read: the event (event triggers), the run, earlier steps' results.
EVENT_NAMES = frozenset({"event", "run", "steps"})
CRON_NAMES = frozenset({"run", "steps"})


Violations = dict[str, str]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int
    backoff_seconds: int


@dataclass(frozen=True)
class Trigger:
    event: str = ""
    cron: str = ""
    timezone: str = ""

    @property
    def zone(self) -> str:
        return self.timezone or DEFAULT_TIMEZONE


@dataclass(frozen=True)
class StepSpec:
    name: str
    call: str
    args: dict[str, Any] = field(default_factory=dict)
    retry: RetryPolicy | None = None
    timeout_seconds: int | None = None


@dataclass(frozen=True)
class WorkflowSpec:
    trigger: Trigger
    steps: tuple[StepSpec, ...]
    description: str = ""
    when: str = ""
    enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The canonical form: what is stored, compared and shown."""
        trigger = {k: v for k, v in vars(self.trigger).items() if v}
        steps = []
        for step in self.steps:
            item: dict[str, Any] = {"name": step.name, "call": step.call}
            if step.args:
                item["args"] = step.args
            if step.retry is not None:
                item["retry"] = vars(step.retry).copy()
            if step.timeout_seconds is not None:
                item["timeout_seconds"] = step.timeout_seconds
            steps.append(item)
        result: dict[str, Any] = {"trigger": trigger, "steps": steps, "enabled": self.enabled}
        if self.description:
            result["description"] = self.description
        if self.when:
            result["when"] = self.when
        return result


class SpecError(ValueError):
    """A spec with problems; `violations` maps each field path to what is wrong."""

    def __init__(self, violations: Violations) -> None:
        self.violations = violations
        super().__init__(summary(violations))


def summary(violations: Violations) -> str:
    return "; ".join(f"{path}: {problem}" for path, problem in violations.items())


def _integral(value: Any) -> Any:
    """Numbers that went through JSON/Struct as floats come back as ints when whole."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def _unknown(data: Mapping[str, Any], allowed: set[str], path: str, violations: Violations) -> None:
    for key in data:
        if key not in allowed:
            violations[f"{path}{key}"] = f"unknown field (allowed: {', '.join(sorted(allowed))})"


def _string(data: Mapping[str, Any], key: str, path: str, violations: Violations) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        violations[path] = "must be a string"
        return ""
    return value


def _integer(
    data: Mapping[str, Any], key: str, path: str, low: int, high: int, violations: Violations
) -> int | None:
    value = _integral(data.get(key))
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        violations[path] = "must be an integer"
        return None
    if not low <= value <= high:
        violations[path] = f"must be between {low} and {high}"
        return None
    return value


def parse_spec(data: Any) -> WorkflowSpec:
    """Reads a spec from plain data (YAML, JSON, a resource's spec). Raises SpecError with
    every structural problem; semantic checks are `validate`'s."""
    violations: Violations = {}
    if not isinstance(data, Mapping):
        raise SpecError({"spec": "must be a mapping"})
    _unknown(data, SPEC_FIELDS, "", violations)

    raw_trigger = data.get("trigger")
    trigger = Trigger()
    if not isinstance(raw_trigger, Mapping):
        violations["trigger"] = "is required: {event: ...} or {cron: ..., timezone: ...}"
    else:
        _unknown(raw_trigger, TRIGGER_FIELDS, "trigger.", violations)
        trigger = Trigger(
            event=_string(raw_trigger, "event", "trigger.event", violations),
            cron=_string(raw_trigger, "cron", "trigger.cron", violations),
            timezone=_string(raw_trigger, "timezone", "trigger.timezone", violations),
        )

    raw_steps = data.get("steps")
    steps: list[StepSpec] = []
    if not isinstance(raw_steps, list) or not raw_steps:
        violations["steps"] = "at least one step is required"
        raw_steps = []
    for index, raw in enumerate(raw_steps):
        path = f"steps[{index}]"
        if not isinstance(raw, Mapping):
            violations[path] = "must be a mapping with name and call"
            continue
        _unknown(raw, STEP_FIELDS, f"{path}.", violations)
        args = raw.get("args") or {}
        if not isinstance(args, Mapping):
            violations[f"{path}.args"] = "must be a mapping of request fields"
            args = {}
        retry = None
        raw_retry = raw.get("retry")
        if raw_retry is not None:
            if not isinstance(raw_retry, Mapping):
                violations[f"{path}.retry"] = "must be a mapping {attempts, backoff_seconds}"
            else:
                _unknown(raw_retry, RETRY_FIELDS, f"{path}.retry.", violations)
                attempts = _integer(
                    raw_retry, "attempts", f"{path}.retry.attempts", 1, MAX_ATTEMPTS, violations
                )
                backoff = _integer(
                    raw_retry,
                    "backoff_seconds",
                    f"{path}.retry.backoff_seconds",
                    0,
                    MAX_BACKOFF_SECONDS,
                    violations,
                )
                if attempts is None and f"{path}.retry.attempts" not in violations:
                    # Also what a proto spec with attempts = 0 looks like once read.
                    violations[f"{path}.retry.attempts"] = "is required, between 1 and 20"
                retry = RetryPolicy(attempts or 1, backoff or 0)
        steps.append(
            StepSpec(
                name=_string(raw, "name", f"{path}.name", violations),
                call=_string(raw, "call", f"{path}.call", violations),
                args=_integral(dict(args)),
                retry=retry,
                timeout_seconds=_integer(
                    raw,
                    "timeout_seconds",
                    f"{path}.timeout_seconds",
                    1,
                    MAX_TIMEOUT_SECONDS,
                    violations,
                ),
            )
        )

    enabled = data.get("enabled", True)
    if enabled is None:
        enabled = True
    if not isinstance(enabled, bool):
        violations["enabled"] = "must be true or false"
    description = _string(data, "description", "description", violations)
    when = _string(data, "when", "when", violations).strip()
    if violations:
        raise SpecError(violations)
    return WorkflowSpec(
        trigger=trigger,
        steps=tuple(steps),
        description=description,
        when=when,
        enabled=bool(enabled),
    )


def validate(name: str, spec: WorkflowSpec) -> Violations:
    """Every semantic problem of a parsed spec: name, trigger, cron, condition, methods,
    templates and arguments (checked against the called method's request message)."""
    violations: Violations = {}
    if not NAME.match(name):
        violations["name"] = (
            "must be lowercase letters, digits and '-' (at most 63), optionally "
            "'<namespace>/<name>'"
        )
    trigger = spec.trigger
    if bool(trigger.event) == bool(trigger.cron):
        violations["trigger"] = "exactly one of trigger.event or trigger.cron must be set"
    if trigger.event and not EVENT_TYPE.match(trigger.event):
        violations["trigger.event"] = "must be a dotted event type, e.g. facture.invoice.issued"
    if trigger.timezone:
        if not trigger.cron:
            violations["trigger.timezone"] = "only applies to a cron trigger"
        else:
            try:
                ZoneInfo(trigger.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                violations["trigger.timezone"] = f"unknown time zone {trigger.timezone!r}"
    if trigger.cron:
        try:
            check_cron(trigger.cron)
        except ScheduleError as error:
            violations["trigger.cron"] = str(error)

    scope = EVENT_NAMES if trigger.event or not trigger.cron else CRON_NAMES
    if spec.when:
        check = check_template(spec.when, expression=True)
        if check.error:
            violations["when"] = f"invalid expression: {check.error}"
        else:
            _check_names(check.names, scope, set(), "when", violations)

    if len(spec.steps) > MAX_STEPS:
        violations["steps"] = f"at most {MAX_STEPS} steps"
    earlier: set[str] = set()
    for index, step in enumerate(spec.steps):
        path = f"steps[{index}]"
        if not STEP_NAME.match(step.name) or len(step.name) > 63:
            violations[f"{path}.name"] = (
                "must be lowercase letters, digits and '-', starting with a letter"
            )
        elif step.name in earlier:
            violations[f"{path}.name"] = f"duplicate step name {step.name!r}"
        _validate_step(step, path, scope, earlier, violations)
        earlier.add(step.name)
    return violations


def _check_names(
    check_names: frozenset[str],
    scope: frozenset[str],
    steps: set[str],
    path: str,
    violations: Violations,
    step_names: frozenset[str] = frozenset(),
) -> None:
    unknown = sorted(check_names - scope)
    if unknown:
        violations[path] = f"unknown name {unknown[0]!r} (available: {', '.join(sorted(scope))})"
        return
    missing = sorted(step_names - steps)
    if missing:
        violations[path] = f"steps[{missing[0]!r}] is not an earlier step"


def _validate_step(
    step: StepSpec, path: str, scope: frozenset[str], earlier: set[str], violations: Violations
) -> None:
    template_problems: Violations = {}

    def check_leaf(value: Any, leaf_path: str) -> None:
        if isinstance(value, str) and is_template(value):
            check = check_template(value)
            if check.error:
                template_problems[leaf_path] = f"invalid template: {check.error}"
            else:
                _check_names(
                    check.names, scope, earlier, leaf_path, template_problems, check.step_names
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                check_leaf(item, f"{leaf_path}.{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                check_leaf(item, f"{leaf_path}[{i}]")

    check_leaf(step.args, f"{path}.args")
    violations.update(template_problems)
    try:
        method = catalog.resolve(step.call)
    except (catalog.UnknownService, catalog.UnknownMethod) as error:
        violations[f"{path}.call"] = str(error)
        return
    if template_problems:
        return
    sample = catalog.sample_arguments(step.args, method.request_class.DESCRIPTOR, is_template)
    try:
        catalog.build_request(method, sample)
    except catalog.ArgumentsMismatch as error:
        violations[f"{path}.args"] = (
            f"do not fit {method.request_class.DESCRIPTOR.full_name}: {error}"
        )


def missing_services(spec: WorkflowSpec) -> list[str]:
    """Services called by `spec` whose API is not installed (the local loader tolerates them)."""
    missing = []
    for step in spec.steps:
        try:
            catalog.resolve(step.call)
        except catalog.UnknownService:
            missing.append(step.call.split(".")[0])
        except catalog.UnknownMethod:
            pass
    return sorted(set(missing))
