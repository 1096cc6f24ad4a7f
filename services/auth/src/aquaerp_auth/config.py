"""Auth service settings (env prefix AUTH_)."""

from __future__ import annotations

from aquaerp_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


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
    mfa_required_roles: list[str] = Field(default_factory=list)
    totp_issuer: str = "AquaERP"

    # Failed logins per account and client address before throttling, and the window.
    login_max_failures: int = 5
    login_failure_window: int = 15 * 60

    # OWASP argon2id recommendation: m=19 MiB, t=2, p=1.
    argon2_time_cost: int = 2
    argon2_memory_cost: int = 19 * 1024
    argon2_parallelism: int = 1

    # Service accounts declared by configuration: client id -> secret.
    service_accounts: dict[str, str] = Field(default_factory=dict)

    # First administrator, created at start when no administrator exists.
    bootstrap_admin_email: str = ""
    bootstrap_admin_password: str = ""
