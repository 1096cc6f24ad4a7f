"""Contrat service settings (env prefix CONTRAT_)."""

from __future__ import annotations

from aquaerp_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class ContratSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTRAT_", extra="ignore")
