"""Sentry, only when a DSN is configured; secrets are scrubbed before anything leaves."""

from __future__ import annotations

import re
from typing import Any

SENSITIVE_KEY = re.compile(
    r"pass(word)?|secret|token|authorization|cookie|totp|otp|code|api[-_]?key|iban|jwt", re.I
)
BEARER = re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+")
JWT_LIKE = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
FILTERED = "[Filtered]"


def scrub(value: Any, key: str = "") -> Any:
    """Replaces values of sensitive keys and token-looking strings, recursively."""
    if key and SENSITIVE_KEY.search(key):
        return FILTERED
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return JWT_LIKE.sub(FILTERED, BEARER.sub("Bearer " + FILTERED, value))
    return value


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    scrubbed: dict[str, Any] = scrub(event)
    return scrubbed


def init_sentry(dsn: str, *, environment: str, service: str, traces_sample_rate: float) -> bool:
    if not dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        server_name=service,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        # sentry-sdk types its hooks with its own Event TypedDict; ours take the plain dict.
        before_send=before_send,  # type: ignore[arg-type]  # Event is a TypedDict of dict
        before_send_transaction=before_send,  # type: ignore[arg-type]  # same hook
    )
    sentry_sdk.set_tag("service", service)
    return True


def sentry_enabled() -> bool:
    import sentry_sdk

    return sentry_sdk.is_initialized()
