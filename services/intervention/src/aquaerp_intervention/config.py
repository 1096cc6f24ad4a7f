"""Intervention service settings (env prefix INTERVENTION_)."""

from __future__ import annotations

from aquaerp_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class InterventionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTERVENTION_", extra="ignore")

    # Months of preventive visits GeneratePlan creates ahead of its start date.
    plan_horizon_months: int = 12
    # Average driving speed used to turn straight-line distances into travel times.
    travel_speed_kmh: float = 40.0
    # Processes rendering report PDFs (CPU-bound, kept off the event loop).
    pdf_workers: int = 1
    # Calendar feed: how far back and ahead it lists a technician's interventions.
    calendar_past_days: int = 30
    calendar_future_days: int = 120
    # Where visit photos are stored: "postgres" (a table of the schema) or "files" (photo_dir).
    photo_store: str = "postgres"
    photo_dir: str = ""
    # Largest photo accepted, in bytes.
    photo_max_bytes: int = 8 * 1024 * 1024
