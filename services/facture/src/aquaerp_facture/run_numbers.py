"""The numbers a billing run's batches expect, shared by every replica working the run, and
the time each batch holds the chain lock. No gRPC here.

A batch renders its documents before it takes the chain lock, with the numbers it expects to
get. The guess comes from a reservation in the database (after the last number taken or
reserved), so batches rendered on different replicas never guess the same numbers; they take
the chain lock in the order of their reservations, and the batch that commits moves the later
reservations by how far its own guess was. A wrong guess (a manual invoice came in between, an
entry turned out billed already, a worker died holding a reservation) only costs rendering
those documents again: the issuer always checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from aquaerp_runtime.db import Database
from sqlalchemy.ext.asyncio import AsyncSession

from . import metrics
from .repository.number_reservations import NumberReservationRepository

# How often a rendered batch looks whether the batches reserved before it have committed.
TURN_POLL_SECONDS = 0.02


@dataclass(frozen=True, slots=True)
class Reservation:
    id: int
    series: str
    first: int
    count: int

    def number(self, offset: int) -> str:
        return f"{self.series}-{self.first + offset:06d}"


class SharedForecast:
    def __init__(self, database: Database, series: str, stale_after: float) -> None:
        self.database = database
        self.series = series
        # A reservation older than this is ignored: its worker died or is far too slow.
        self.stale_after = stale_after

    async def reserve(self, count: int) -> Reservation:
        async with self.database.unit_of_work() as session:
            reservation_id, first = await NumberReservationRepository(session).reserve(
                self.series, count, self.stale_after
            )
        return Reservation(reservation_id, self.series, first, count)

    async def wait_for_turn(self, session: AsyncSession, reservation: Reservation) -> None:
        """Until every live reservation made before this one is settled (or has gone stale)."""
        repo = NumberReservationRepository(session)
        deadline = time.monotonic() + self.stale_after
        while True:
            if not await repo.earlier_pending(reservation.id, reservation.series, self.stale_after):
                return
            if time.monotonic() >= deadline:
                return
            await asyncio.sleep(TURN_POLL_SECONDS)

    async def settle(
        self, session: AsyncSession, reservation: Reservation, last_issued: int | None
    ) -> None:
        """In the issuing transaction, under the chain lock (`last_issued`: the last number
        the batch got, None when it issued nothing)."""
        await NumberReservationRepository(session).settle(
            reservation.id, reservation.series, last_issued
        )

    async def give_up(self, reservation: Reservation) -> None:
        """A batch that issued nothing under its reservation (no entry left, or it failed)
        hands its numbers back: later batches would otherwise wait for it and guess wrong."""
        with contextlib.suppress(Exception):
            async with self.database.unit_of_work() as session:
                await NumberReservationRepository(session).settle(
                    reservation.id, reservation.series, None
                )


def number_value(number: str) -> int:
    """The counter value of a document number ("FA-2026-000042" → 42)."""
    return int(number.rpartition("-")[2])


class ChainLockTimer:
    """When a batch took the chain lock: the lock is held until its transaction commits, so
    the time from here to the commit is the batch's serial part (see metrics)."""

    def __init__(self) -> None:
        self.locked_at: float | None = None

    def locked(self) -> None:
        self.locked_at = time.perf_counter()

    def committed(self, invoices: int) -> None:
        if self.locked_at is not None:
            metrics.observe_chain_lock(time.perf_counter() - self.locked_at, invoices)
