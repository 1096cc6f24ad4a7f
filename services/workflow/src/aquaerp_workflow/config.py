"""Workflow service settings (env prefix WORKFLOW_)."""

from __future__ import annotations

from pathlib import Path

from aquaerp_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict

SHIPPED_DEFINITIONS = Path(__file__).parent / "definitions"


class WorkflowSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WORKFLOW_", extra="ignore")

    # YAML definitions loaded at start (local stack). Empty: load none (on Kubernetes the
    # definitions come from Workflow resources through the operator).
    definitions_dir: str = str(SHIPPED_DEFINITIONS)

    # Run steps in this process. Two replicas may both run workers: claims use SKIP LOCKED.
    worker_enabled: bool = True
    # Runs claimed per round, and executed concurrently.
    worker_batch_size: int = 64
    # Seconds between looks for due runs when nothing woke the worker up.
    worker_poll_interval: float = 0.5
    # Extra seconds a claimed step keeps its lease beyond its own timeout; after that another
    # worker may take the run over (the worker is presumed dead).
    lease_margin: float = 30.0

    # Fire cron triggers from this process (every replica may: each schedule fires once).
    scheduler_enabled: bool = True
    scheduler_interval: float = 15.0

    # Defaults of a step without its own retry policy or timeout.
    default_attempts: int = 3
    default_backoff_seconds: int = 10
    default_timeout_seconds: int = 30
    # Longest wait between two attempts, however large the exponential backoff grows.
    max_backoff_seconds: int = 3600

    # Operator: seconds between two refreshes of a Workflow resource's run status.
    operator_status_interval: float = 60.0
