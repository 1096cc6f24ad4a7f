"""Stops that could not be done (closed gate, dog, customer absent, weather): the technician
records why, with a note and photos; the visit becomes NOT_DONE and a follow-up visit carries the
work, on the technician's next working day when the company carries stops over automatically,
else without a technician for the office to plan. `intervention.stop_not_done` tells the
workflows (the customer's e-mail when the company notifies customers)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from aquaerp_runtime.authz import TECHNICIEN, require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound

from .access import OFFICE, parse_id, reportable_intervention, visible_intervention
from .carry_over import Placement, carried_day, first_free_start, follow_up_values, next_weekday
from .day_planning import MAX_SHIFT_DAYS
from .lifecycle import PENDING, Status
from .local_time import local_day
from .repository import InterventionRepository, InterventionRow
from .stop_repository import StopRepository, StopRow, StopSettingsRow
from .views import InterventionView, view
from .visits import Events, appointment_events, day_bounds, visit_payload

# Phones' clocks drift: the time of the report may be this far in the future.
CLOCK_TOLERANCE = timedelta(minutes=5)
# Without a saved setting: stops are carried over, customers are not e-mailed.
DEFAULT_SETTINGS = StopSettingsRow(carry_over_automatically=True, notify_customer=False)
MAX_NOTE = 1000
MAX_PHOTOS = 10


class StopReason(StrEnum):
    CLOSED_GATE = "closed_gate"
    DOG = "dog"
    CUSTOMER_ABSENT = "customer_absent"
    WEATHER = "weather"
    OTHER = "other"


class FollowUp(StrEnum):
    CARRIED_OVER = "carried_over"
    TO_REPLAN = "to_replan"


# How the customer's e-mail and the screens say it.
REASON_LABELS = {
    StopReason.CLOSED_GATE: "portail fermé",
    StopReason.DOG: "chien en liberté",
    StopReason.CUSTOMER_ABSENT: "client absent",
    StopReason.WEATHER: "conditions météo",
    StopReason.OTHER: "autre raison",
}


@dataclass(frozen=True)
class StopReport:
    reason: StopReason
    note: str
    photo_ids: list[str]
    reported_at: datetime | None


@dataclass(frozen=True)
class StopResult:
    stop: StopRow
    follow_up: InterventionView | None


def check_report(report: StopReport, now: datetime) -> StopReport:
    note = report.note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidArgument("the note is too long", fields={"note": f"{MAX_NOTE} caractères max"})
    if report.reason == StopReason.OTHER and not note:
        raise InvalidArgument(
            "explain the reason in the note", fields={"note": "précisez la raison"}
        )
    if len(report.photo_ids) > MAX_PHOTOS:
        raise InvalidArgument("too many photos", fields={"photo_ids": f"{MAX_PHOTOS} max"})
    for photo_id in report.photo_ids:
        parse_id(photo_id, "photo_ids")
    reported_at = report.reported_at or now
    if reported_at > now + CLOCK_TOLERANCE:
        raise InvalidArgument(
            "the report cannot be in the future", fields={"reported_at": "dans le futur"}
        )
    return StopReport(report.reason, note, list(report.photo_ids), reported_at)


def stop_payload(
    row: InterventionRow, stop: StopRow, follow: InterventionRow | None
) -> dict[str, object]:
    """What the customer's e-mail needs: the visit, why, and the follow-up."""
    return visit_payload(
        row,
        reason=stop.reason,
        reason_label=REASON_LABELS[StopReason(stop.reason)],
        note=stop.note,
        reported_at=stop.reported_at.isoformat(),
        follow_up=stop.follow_up,
        follow_up_intervention_id=str(follow.id) if follow else None,
        follow_up_date=follow.planned_date.isoformat() if follow and follow.planned_date else None,
        follow_up_scheduled_start=follow.scheduled_start.isoformat()
        if follow and follow.scheduled_start
        else None,
        notify_customer=stop.customer_notified,
    )


class StopService:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def report(self, intervention_id: str, report: StopReport) -> StopResult:
        principal = require_roles(*OFFICE, TECHNICIEN)
        now = self.clock.now()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            stops = StopRepository(session)
            row = await reportable_intervention(repo, intervention_id, for_update=True)
            existing = await stops.stop(row.id)
            if existing is not None:  # sent twice (offline queue, double tap): the first stands
                return await self._result(repo, existing)
            checked = check_report(report, now)
            assert checked.reported_at is not None
            if row.status not in (*PENDING, Status.IN_PROGRESS):
                raise FailedPrecondition(
                    f"the intervention is {row.status.replace('_', ' ')}",
                    fields={"status": row.status},
                )
            if row.technician_id is None:
                raise FailedPrecondition(
                    "the visit has no technician", fields={"technician_id": "non assignée"}
                )
            settings = await stops.settings() or DEFAULT_SETTINGS
            stop_day = local_day(checked.reported_at)
            placement = await self._placement(repo, row, stop_day, settings)
            follow_id = await repo.insert_intervention(
                follow_up_values(row, placement, row.technician_id)
            )
            await repo.update_intervention(row.id, {"status": Status.NOT_DONE})
            follow_up = FollowUp.CARRIED_OVER if placement.start else FollowUp.TO_REPLAN
            await stops.insert_stop(
                {
                    "intervention_id": row.id,
                    "reason": checked.reason,
                    "note": checked.note,
                    "photo_ids": checked.photo_ids,
                    "reported_at": checked.reported_at,
                    "reported_by": principal.subject,
                    "follow_up": follow_up,
                    "follow_up_id": follow_id,
                    "customer_notified": settings.notify_customer,
                }
            )
            stop = await stops.stop(row.id)
            follow = await repo.intervention(follow_id)
            assert stop is not None and follow is not None
            events = Events()
            events.add(
                "intervention.stop_not_done",
                "intervention",
                row.id,
                stop_payload(row, stop, follow),
            )
            # The carried-over visit has an appointment: the customer's usual notice.
            appointment_events(replace(follow, scheduled_start=None), follow, events)
            await repo.add_events(events.items)
            return StopResult(stop, await view(repo, follow, now))

    async def _placement(
        self,
        repo: InterventionRepository,
        row: InterventionRow,
        stop_day: date,
        settings: StopSettingsRow,
    ) -> Placement:
        if not settings.carry_over_automatically:
            return Placement(next_weekday(stop_day), None, None)
        assert row.technician_id is not None
        tech = await repo.technician(row.technician_id, for_update=True)
        assert tech is not None
        start, horizon = day_bounds(stop_day, stop_day + timedelta(days=MAX_SHIFT_DAYS))
        day = carried_day(tech, stop_day, await repo.absences([tech.id], start, horizon))
        first, last = day_bounds(day, day)
        others = await repo.assigned_between([tech.id], first, last)
        begin = first_free_start(tech, day, row, others)
        return Placement(day, begin, begin + timedelta(minutes=row.estimated_minutes))

    async def get(self, intervention_id: str) -> StopResult:
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await visible_intervention(repo, intervention_id)
            stop = await StopRepository(session).stop(row.id)
            if stop is None:
                raise NotFound("this stop was not reported as not done")
            return await self._result(repo, stop)

    async def _result(self, repo: InterventionRepository, stop: StopRow) -> StopResult:
        follow = await repo.intervention(stop.follow_up_id) if stop.follow_up_id else None
        return StopResult(stop, await view(repo, follow, self.clock.now()) if follow else None)

    async def settings(self) -> StopSettingsRow:
        require_roles(*OFFICE)
        async with self.database.unit_of_work() as session:
            return await StopRepository(session).settings() or DEFAULT_SETTINGS

    async def update_settings(self, carry_over: bool, notify: bool) -> StopSettingsRow:
        require_roles(*OFFICE)
        async with self.database.unit_of_work() as session:
            await StopRepository(session).save_settings(carry_over, notify)
        return StopSettingsRow(carry_over, notify)
