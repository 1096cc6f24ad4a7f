"""Role checks used by services' domain logic."""

from __future__ import annotations

from .context import Principal, principal_var
from .errors import PermissionDenied, Unauthenticated

ADMIN = "admin"
BUREAU = "bureau"
COMPTA = "compta"
TECHNICIEN = "technicien"
CLIENT = "client"
SERVICE = "service"
USER_ROLES = (ADMIN, BUREAU, COMPTA, TECHNICIEN, CLIENT)


def current_principal() -> Principal:
    principal = principal_var.get()
    if principal is None:
        raise Unauthenticated("authentication required")
    return principal


def require_roles(*roles: str) -> Principal:
    """Returns the caller if they hold one of `roles` (service accounts always pass)."""
    principal = current_principal()
    if principal.is_service or principal.has_any(*roles):
        return principal
    raise PermissionDenied("your role does not allow this action")
