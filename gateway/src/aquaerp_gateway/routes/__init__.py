"""REST routes, one module per domain; each only translates and delegates to a service."""

from __future__ import annotations

from fastapi import APIRouter

from ..config import GatewaySettings
from . import auth, contrat, dev_mail, facture, intervention, search, system

API_PREFIX = "/api/v1"


def api_routers(settings: GatewaySettings | None = None) -> list[APIRouter]:
    """Routers mounted under /api/v1. Add a domain's router here."""
    routers = [
        auth.router,
        contrat.router,
        intervention.router,
        facture.router,
        search.router,
    ]
    if settings is not None and settings.dev_routes:
        routers.append(dev_mail.router)
    return routers


def root_routers() -> list[APIRouter]:
    return [system.router]
