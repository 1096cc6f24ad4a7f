"""SQL of the number reservations billing batches share across replicas (see models)."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from ..models import counters, number_reservations
from . import Repository


class NumberReservationRepository(Repository):
    # Reservations are leases between replicas, not business time: they use the database's
    # clock, the one clock every replica shares.
    def _live(self, stale_after: float) -> ColumnElement[bool]:
        return number_reservations.c.reserved_at > func.now() - func.make_interval(
            0, 0, 0, 0, 0, 0, stale_after
        )

    async def reserve(self, series: str, count: int, stale_after: float) -> tuple[int, int]:
        """Reserves the `count` numbers after the last one taken or reserved in `series`;
        returns (reservation id, first number). Reservations of a series are made one at a
        time (a transaction-scoped advisory lock), so their ids follow their numbers."""
        await self.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(series))))
        taken = await self.session.scalar(
            select(func.coalesce(func.max(counters.c.value), 0)).where(counters.c.series == series)
        )
        reserved = await self.session.scalar(
            select(
                func.max(number_reservations.c.first_number + number_reservations.c.count - 1)
            ).where(number_reservations.c.series == series, self._live(stale_after))
        )
        first = max(int(taken or 0), int(reserved or 0)) + 1
        reservation_id = await self.session.scalar(
            insert(number_reservations)
            .values(series=series, first_number=first, count=count)
            .returning(number_reservations.c.id)
        )
        return int(reservation_id), first

    async def earlier_pending(self, reservation_id: int, series: str, stale_after: float) -> bool:
        """Whether a live reservation made before this one has not been settled yet."""
        earlier = await self.session.scalar(
            select(number_reservations.c.id)
            .where(
                number_reservations.c.series == series,
                number_reservations.c.id < reservation_id,
                self._live(stale_after),
            )
            .limit(1)
        )
        return earlier is not None

    async def settle(self, reservation_id: int, series: str, last_issued: int | None) -> None:
        """Deletes the reservation and moves the later ones by how far its end was from
        `last_issued` (the last number its batch got), so later batches guess right again.
        Without `last_issued` its numbers were not used at all (the batch had nothing to
        issue, or failed): the later ones move back by its count. Shifts add up, so a commit
        and a give-up may move the same reservations at once."""
        row = (
            await self.session.execute(
                delete(number_reservations)
                .where(number_reservations.c.id == reservation_id)
                .returning(number_reservations.c.first_number, number_reservations.c.count)
            )
        ).first()
        if row is None:
            return
        first, count = int(row[0]), int(row[1])
        shift = (first - 1 if last_issued is None else last_issued) - (first + count - 1)
        if shift:
            await self.session.execute(
                update(number_reservations)
                .where(
                    number_reservations.c.series == series,
                    number_reservations.c.id > reservation_id,
                )
                .values(first_number=number_reservations.c.first_number + shift)
            )
