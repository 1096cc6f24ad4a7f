"""Stock service settings (env prefix STOCK_)."""

from __future__ import annotations

from aquaerp_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class StockSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STOCK_", extra="ignore")

    # Let a movement take a location below zero (the balance is then flagged for checking);
    # off: the movement is refused.
    allow_negative_stock: bool = False
    # Days before a Certibiocide expires when the office is warned.
    certificate_warning_days: int = 60
