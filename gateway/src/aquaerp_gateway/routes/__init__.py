"""REST routes, one module per domain; each only translates and delegates to a service."""

from __future__ import annotations

from fastapi import APIRouter

from . import auth, system, users

API_PREFIX = "/api/v1"


def api_routers() -> list[APIRouter]:
    """Routers mounted under /api/v1. Add a domain's router here."""
    return [auth.router, users.router]


def root_routers() -> list[APIRouter]:
    return [system.router]
