"""Auth service settings (env prefix AUTH_)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from aquaerp_runtime.secrets_at_rest import DEVELOPMENT_KEYS
from aquaerp_runtime.settings import ServiceSettings
from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict


class AuthSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    access_token_ttl: int = 15 * 60
    service_token_ttl: int = 10 * 60
    mfa_challenge_ttl: int = 5 * 60
    # Refresh tokens die when unused this long, and sessions at their absolute expiry.
    refresh_idle_ttl: int = 14 * 24 * 3600
    session_absolute_ttl: int = 30 * 24 * 3600
    # A new signing key is created when the current one is older than this.
    signing_key_max_age: int = 30 * 24 * 3600

    # Roles whose members must use TOTP; until enrolled they get a token with no roles.
    # AUTH_MFA_REQUIRED_ROLES=admin,compta (comma separated, or a JSON list).
    mfa_required_roles: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["admin", "compta"]
    )
    totp_issuer: str = "AquaERP"

    # Failed logins (password or second factor) per account, whatever the address, before
    # each further attempt must wait: `login_delay_base` seconds doubled per further failure,
    # at most `login_delay_max`. A delay, never a lockout. Failures older than the window, or
    # before the last success, do not count.
    login_free_failures: int = 5
    login_delay_base: float = 1.0
    login_delay_max: int = 15 * 60
    login_failure_window: int = 24 * 3600

    # OWASP argon2id recommendation: m=19 MiB, t=2, p=1.
    argon2_time_cost: int = 2
    argon2_memory_cost: int = 19 * 1024
    argon2_parallelism: int = 1

    # Service accounts declared by configuration: client id -> secret.
    service_accounts: dict[str, str] = Field(default_factory=dict)

    # Keys encrypting the TOTP secrets at rest: "<id>:<base64 of 32 bytes>", comma separated,
    # the first one current (see aquaerp_runtime.secrets_at_rest). From the Secret in
    # Kubernetes; the default is a public development key (the local stack and tests only).
    secret_keys: str = DEVELOPMENT_KEYS

    # A `client` user or API key must name a customer that contrat knows (off only where auth
    # runs without contrat: its own tests).
    check_customers: bool = True

    # First administrator, created at start when no administrator exists.
    bootstrap_admin_email: str = ""
    bootstrap_admin_password: str = ""

    @field_validator("mfa_required_roles", mode="before")
    @classmethod
    def _roles_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [role.strip() for role in text.split(",") if role.strip()]
        return value
