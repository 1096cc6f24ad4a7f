"""Settings base: every service has one pydantic-settings class with its own env prefix."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_GRPC_PORT = 50051


class ServiceSettings(BaseSettings):
    """Configuration shared by every service. Subclasses set `env_prefix`, e.g. "FACTURE_"."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "postgresql://postgres@127.0.0.1:5432/aquaerp"
    database_pool_size: int = 10
    grpc_host: str = "[::]"
    grpc_port: int = DEFAULT_GRPC_PORT
    # 0 disables the /metrics endpoint (tests run many servers in one process).
    metrics_port: int = 0
    # Loopback unless told otherwise: on a workstation nobody else reads the metrics; in
    # Kubernetes Prometheus scrapes the pod's address (METRICS_HOST=0.0.0.0 in its config).
    metrics_host: str = "127.0.0.1"
    # Apply this service's migrations before serving (the local stack and Kubernetes run them
    # as a separate step instead).
    migrate_on_start: bool = False
    log_level: str = "INFO"
    log_json: bool = True
    # Seconds between NOT_SERVING and refusing new calls, so load balancers stop routing first.
    drain_delay: float = 1.0
    # Seconds in-flight calls get to finish once new calls are refused.
    shutdown_grace: float = 10.0

    sentry_dsn: str = ""
    sentry_environment: str = "local"
    sentry_traces_sample_rate: float = 0.1

    jwt_issuer: str = "aquaerp"
    jwt_audience: str = "aquaerp"

    # Where to reach the other services, by name. Missing names fall back to the Kubernetes
    # headless service `dns:///<name>-headless:50051` (client-side round-robin over pods).
    targets: dict[str, str] = Field(default_factory=dict)
    # Default deadline for outgoing calls that have no incoming deadline to inherit.
    call_timeout: float = 10.0

    # Deliver this service's outbox events to the workflow service.
    publish_events: bool = True

    # This service's own account, used when it calls other services.
    service_client_id: str = ""
    service_client_secret: str = ""

    def target(self, service: str) -> str:
        return self.targets.get(service) or f"dns:///{service}-headless:{DEFAULT_GRPC_PORT}"
