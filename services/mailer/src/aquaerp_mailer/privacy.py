"""Personal data held by the mailer (GDPR): the e-mails sent to a customer, their export and
erasure, and the retention of e-mails.

A customer's e-mails are those addressed to one of their addresses or mentioning them. Erasure
keeps that an e-mail of a template went out on a date with its status (the proof the service
was rendered), and removes the recipients' addresses, the texts and the attachments.
Retention: the bodies and attachments of finished e-mails one year after they were sent, the
e-mails themselves three years after.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp_runtime.authz import require_roles
from aquaerp_runtime.clock import BUSINESS_TZ, Clock
from aquaerp_runtime.convert import optional_date
from aquaerp_runtime.db import Database
from aquaerp_runtime.personal_data import (
    ERASED_TEXT,
    Scrubber,
    changed_rows,
    records_json,
    retention_response,
    scrub_table,
)
from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnElement

from .models import attachments, blobs, messages, outbox
from .service import MailerService
from .servicer import MailerServicer

FINISHED = ("sent", "failed_permanent")
BODY_RETENTION = timedelta(days=365)
MESSAGE_RETENTION = timedelta(days=3 * 365)


def _about(scrubber: Scrubber) -> ColumnElement[bool]:
    return or_(
        scrubber.sql_filter(messages.c.recipients),
        scrubber.sql_filter(messages.c.subject),
        scrubber.sql_filter(messages.c.text_body),
    )


class MailerPersonalData:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def export(self, values: list[str]) -> common_pb2.PersonalDataExport:
        require_roles()
        scrubber = Scrubber(values, "")
        columns = [c for c in messages.c if c.name not in ("lease_token", "html_body")]
        async with self.database.unit_of_work() as session:
            rows = (
                (await session.execute(select(*columns).where(_about(scrubber)))).mappings().all()
            )
        return common_pb2.PersonalDataExport(
            service="mailer", records_json=records_json({"emails": [dict(r) for r in rows]})
        )

    async def erase(
        self, request: common_pb2.ErasePersonalDataRequest
    ) -> common_pb2.ErasePersonalDataResponse:
        require_roles()
        scrubber = Scrubber(list(request.personal_values), ERASED_TEXT)
        async with self.database.unit_of_work() as session:
            ids = list((await session.scalars(select(messages.c.id).where(_about(scrubber)))).all())
            changed = await self._strip(session, ids)
            changed += await scrub_table(
                session,
                messages,
                ("recipients", "subject", "last_error"),
                scrubber,
                messages.c.id.in_(ids),
            )
            changed += await scrub_table(session, outbox, ("payload",), scrubber)
        return common_pb2.ErasePersonalDataResponse(rows_changed=changed)

    @staticmethod
    async def _strip(session: AsyncSession, ids: list[object]) -> int:
        """Removes the bodies and attachments of the e-mails `ids`; unsent ones are cancelled."""
        if not ids:
            return 0
        await session.execute(delete(attachments).where(attachments.c.message_id.in_(ids)))
        result = await session.execute(
            update(messages)
            .where(messages.c.id.in_(ids))
            .values(
                html_body=ERASED_TEXT,
                text_body=ERASED_TEXT,
                last_smtp_response="",
                status=case(
                    (messages.c.status.in_(FINISHED), messages.c.status),
                    else_="failed_permanent",
                ),
            )
        )
        await _drop_orphan_blobs(session)
        return changed_rows(result)

    async def apply_retention(self, as_of: date | None) -> dict[str, int]:
        require_roles()
        day = as_of or self.clock.today()
        midnight = datetime.combine(day, datetime.min.time(), BUSINESS_TZ)
        finished_at = func.coalesce(messages.c.sent_at, messages.c.failed_at)
        async with self.database.unit_of_work() as session:
            old = select(messages.c.id).where(
                messages.c.status.in_(FINISHED), finished_at < midnight - MESSAGE_RETENTION
            )
            await session.execute(delete(attachments).where(attachments.c.message_id.in_(old)))
            removed = await session.execute(delete(messages).where(messages.c.id.in_(old)))
            bodies = list(
                (
                    await session.scalars(
                        select(messages.c.id).where(
                            messages.c.status.in_(FINISHED),
                            finished_at < midnight - BODY_RETENTION,
                            messages.c.text_body != ERASED_TEXT,
                        )
                    )
                ).all()
            )
            stripped = await self._strip(session, bodies)
        return {"emails": changed_rows(removed), "email_bodies": stripped}


async def _drop_orphan_blobs(session: AsyncSession) -> None:
    used = select(attachments.c.blob_sha256).where(attachments.c.blob_sha256.is_not(None))
    await session.execute(delete(blobs).where(and_(blobs.c.sha256.not_in(used))))


class MailerApi(MailerServicer):
    """The mailer API plus the personal-data RPCs."""

    def __init__(self, service: MailerService, personal_data: MailerPersonalData) -> None:
        super().__init__(service)
        self.personal_data = personal_data

    async def ExportPersonalData(
        self, request: common_pb2.ExportPersonalDataRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.PersonalDataExport:
        return await self.personal_data.export(list(request.personal_values))

    async def ErasePersonalData(
        self, request: common_pb2.ErasePersonalDataRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.ErasePersonalDataResponse:
        return await self.personal_data.erase(request)

    async def ApplyRetention(
        self, request: common_pb2.ApplyRetentionRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.ApplyRetentionResponse:
        removed = await self.personal_data.apply_retention(optional_date(request, "as_of"))
        return retention_response(removed)
