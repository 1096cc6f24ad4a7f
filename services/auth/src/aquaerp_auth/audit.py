"""The audit trail: auth writes its own entries with its outbox events (logins, role changes,
disabled accounts...); other services record theirs through RecordAuditEvent (exports,
erasures, payment reversals); administrators read it, filtered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from aquaerp_runtime.authz import ADMIN, current_principal, require_roles
from aquaerp_runtime.clock import BUSINESS_TZ, Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import InvalidArgument, PermissionDenied
from aquaerp_runtime.paging import decode_token, encode_token, page_limit

from .repository import AuditRow, AuthRepository

MAX_DETAILS = 10_000


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditRow]
    next_page_token: str


def _details(details_json: str) -> dict[str, Any]:
    if not details_json.strip():
        return {}
    try:
        details = json.loads(details_json)
    except ValueError:
        details = None
    if not isinstance(details, dict) or len(details_json) > MAX_DETAILS:
        raise InvalidArgument(
            "details must be a JSON object", fields={"details_json": "un objet JSON attendu"}
        )
    return details


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BUSINESS_TZ)


class AuditTrail:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def record(
        self, actor: str, action: str, target: str, details_json: str, client_ip: str
    ) -> AuditRow:
        """Service accounts only: the entry names the end user the service acted for."""
        caller = current_principal()
        if not caller.is_service:
            raise PermissionDenied("only services record audit events")
        if not actor.strip() or not action.strip():
            missing = "actor" if not actor.strip() else "action"
            raise InvalidArgument(f"{missing} is required", fields={missing: "obligatoire"})
        details = _details(details_json)
        async with self.database.unit_of_work() as session:
            return await AuthRepository(session).add_audit(
                occurred_at=self.clock.now(),
                actor=actor.strip(),
                action=action.strip(),
                target=target.strip(),
                client_ip=client_ip.strip(),
                details=details,
                source=caller.subject.removeprefix("service:"),
            )

    async def list(
        self,
        *,
        actor: str,
        action: str,
        from_date: date | None,
        to_date: date | None,
        page_size: int,
        page_token: str,
    ) -> AuditPage:
        require_roles(ADMIN)
        if from_date and to_date and from_date > to_date:
            raise InvalidArgument(
                "from is after to", fields={"from": "doit précéder la date de fin"}
            )
        limit = page_limit(page_size)
        after = decode_token(page_token, 1)
        try:
            before_id = int(after[0]) if after else None
        except ValueError:
            raise InvalidArgument(
                "invalid page token", fields={"page_token": "invalid page token"}
            ) from None
        async with self.database.unit_of_work() as session:
            rows = await AuthRepository(session).list_audit(
                actor=actor.strip() or None,
                action_prefix=action.strip() or None,
                since=_start_of(from_date) if from_date else None,
                until=_start_of(to_date + timedelta(days=1)) if to_date else None,
                before_id=before_id,
                limit=limit + 1,
            )
        next_token = encode_token(rows[limit - 1].id) if len(rows) > limit else ""
        return AuditPage(rows[:limit], next_token)
