"""What an intervention is and where it stands, as stored: kinds, statuses, priorities."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    PREVENTIVE = "preventive"
    CORRECTIVE = "corrective"


class Status(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    OVERDUE = "overdue"
    # The technician could not do it; a follow-up visit carries the work (stop_not_done.py).
    NOT_DONE = "not_done"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


# Statuses of work still to do.
PENDING = (Status.SCHEDULED, Status.OVERDUE)
