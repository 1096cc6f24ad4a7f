"""Who may see and change what, and the lookups that enforce it: the office (and services) see
everything, accounting reads, a technician reaches their own work, a customer their own site's."""

from __future__ import annotations

import uuid

from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA, TECHNICIEN, require_roles
from aquaerp_runtime.context import Principal
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

from .lifecycle import PENDING
from .repository import InterventionRepository, InterventionRow, TechnicianRow

OFFICE = (ADMIN, BUREAU)


def parse_id(value: str, field_name: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise InvalidArgument(
            f"{field_name} must be a UUID", fields={field_name: "must be a UUID"}
        ) from None


def is_office(principal: Principal) -> bool:
    return bool(principal.is_service or principal.has_any(*OFFICE))


def _is_own(principal: Principal, row: InterventionRow) -> bool:
    return row.technician_user_id is not None and str(row.technician_user_id) == principal.subject


def can_see(principal: Principal, row: InterventionRow) -> bool:
    if is_office(principal) or principal.has_any(COMPTA):
        return True
    if principal.has_any(TECHNICIEN) and _is_own(principal, row):
        return True
    return bool(
        principal.has_any(CLIENT)
        and principal.customer_id
        and principal.customer_id == row.customer_id
    )


def can_report(principal: Principal, row: InterventionRow) -> bool:
    return is_office(principal) or (principal.has_any(TECHNICIEN) and _is_own(principal, row))


def check_pending(row: InterventionRow) -> None:
    if row.status not in PENDING:
        raise FailedPrecondition(
            f"the intervention is {row.status.replace('_', ' ')}", fields={"status": row.status}
        )


async def technician(
    repo: InterventionRepository, technician_id: uuid.UUID, *, for_update: bool = False
) -> TechnicianRow:
    tech = await repo.technician(technician_id, for_update=for_update)
    if tech is None:
        raise NotFound("technician not found", fields={"technician_id": "not found"})
    return tech


async def resolve_technician(
    repo: InterventionRepository, technician_id: str, *, for_update: bool = False
) -> TechnicianRow:
    """The technician named, or the caller's own when empty; technicians reach only theirs."""
    principal = require_roles(*OFFICE, TECHNICIEN)
    if not technician_id:
        if principal.is_service:
            raise InvalidArgument("technician_id is required", fields={"technician_id": "required"})
        own = await repo.technician_by_user(parse_id(principal.subject, "subject"))
        if own is None:
            raise NotFound("no technician profile is linked to your account")
        return own if not for_update else await technician(repo, own.id, for_update=True)
    tech = await technician(repo, parse_id(technician_id, "technician_id"), for_update=for_update)
    if not is_office(principal) and str(tech.user_id) != principal.subject:
        raise PermissionDenied("technicians can only see their own schedule")
    return tech


async def visible_intervention(
    repo: InterventionRepository, intervention_id: str, *, for_update: bool = False
) -> InterventionRow:
    principal = require_roles(*OFFICE, COMPTA, TECHNICIEN, CLIENT)
    row = await repo.intervention(parse_id(intervention_id), for_update=for_update)
    # Someone else's intervention looks like no intervention at all.
    if row is None or not can_see(principal, row):
        raise NotFound("intervention not found")
    return row


async def reportable_intervention(
    repo: InterventionRepository, intervention_id: str, *, for_update: bool = False
) -> InterventionRow:
    principal = require_roles(*OFFICE, TECHNICIEN)
    row = await repo.intervention(parse_id(intervention_id), for_update=for_update)
    if row is None or not can_see(principal, row):
        raise NotFound("intervention not found")
    if not can_report(principal, row):
        raise PermissionDenied("only the assigned technician reports on this intervention")
    return row
