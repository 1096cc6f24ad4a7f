"""Gateway settings (env prefix GATEWAY_)."""

from __future__ import annotations

from pathlib import Path

from aquaerp_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    http_host: str = "0.0.0.0"
    http_port: int = 8000
    # Proxies whose X-Forwarded-For is believed, as comma-separated CIDRs (the ingress
    # controller's network in Kubernetes). None by default: the peer's address is the client's.
    trusted_proxies: str = ""
    cors_origins: list[str] = Field(default_factory=list)
    # Requests per client address on /api/v1/auth/*: burst size and sustained rate per second.
    auth_rate_burst: int = 30
    auth_rate_per_second: float = 1.0
    # Requests per API key (each key its own bucket): burst size and sustained rate per second.
    api_key_rate_burst: int = 60
    api_key_rate_per_second: float = 10.0
    # How long an API key's exchanged token is reused before auth is asked again (and the
    # key's last use recorded); a revoked key is refused sooner, through the revoked feed.
    api_key_cache_seconds: float = 60.0
    idempotency_ttl_hours: int = 24
    # Built web app served at / (the local stack); empty in Kubernetes where nginx serves it.
    web_dist: Path | None = None
    # Development-only routes (the SMTP sink's mailbox).
    dev_routes: bool = False
    mail_sink_dir: Path | None = None
