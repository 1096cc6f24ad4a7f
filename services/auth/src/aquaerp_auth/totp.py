"""TOTP (RFC 6238): 30-second steps, 6 digits, SHA-1 as authenticator apps expect; a code is
accepted for the current step and one step either side, and never twice."""

from __future__ import annotations

import hmac

import pyotp

STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def code_at(secret: str, unix_time: float, *, digits: int = 6, digest: str = "sha1") -> str:
    import hashlib

    totp = pyotp.TOTP(secret, digits=digits, digest=getattr(hashlib, digest), interval=STEP_SECONDS)
    return totp.at(int(unix_time))


def matching_step(secret: str, code: str, unix_time: float, *, window: int = 1) -> int | None:
    """The time step whose code equals `code`, within ±window steps of now; None if none."""
    code = code.strip().replace(" ", "")
    # ASCII digits only: other Unicode digits (full-width...) are not codes.
    if not (code.isascii() and code.isdigit()):
        return None
    current = int(unix_time) // STEP_SECONDS
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(code_at(secret, step * STEP_SECONDS), code):
            return step
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)
