"""gRPC edge of the mailer service: proto <-> domain, nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from aquaerp.common.v1 import common_pb2
from aquaerp.mailer.v1 import mailer_pb2, mailer_pb2_grpc
from aquaerp_runtime.errors import InvalidArgument
from google.protobuf import json_format
from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp

from .service import (
    INLINE,
    INVOICE_PDF,
    REPORT_PDF,
    AttachmentInput,
    Email,
    EmailRequest,
    MailerService,
    Recipient,
)

STATUS_TO_PROTO = {
    "queued": mailer_pb2.EMAIL_STATUS_QUEUED,
    "sending": mailer_pb2.EMAIL_STATUS_SENDING,
    "sent": mailer_pb2.EMAIL_STATUS_SENT,
    "failed_retrying": mailer_pb2.EMAIL_STATUS_FAILED_RETRYING,
    "failed_permanent": mailer_pb2.EMAIL_STATUS_FAILED_PERMANENT,
}
STATUS_FROM_PROTO = {v: k for k, v in STATUS_TO_PROTO.items()}
SOURCE_TO_PROTO = {
    INVOICE_PDF: mailer_pb2.ATTACHMENT_KIND_INVOICE_PDF,
    REPORT_PDF: mailer_pb2.ATTACHMENT_KIND_REPORT_PDF,
}
SOURCE_FROM_PROTO = {v: k for k, v in SOURCE_TO_PROTO.items()}
DUNNING_LEVELS = {
    mailer_pb2.DUNNING_LEVEL_REMINDER: "reminder",
    mailer_pb2.DUNNING_LEVEL_FORMAL_NOTICE: "formal_notice",
}
APPOINTMENT_KINDS = {
    mailer_pb2.APPOINTMENT_KIND_NOTICE: "notice",
    mailer_pb2.APPOINTMENT_KIND_CHANGE: "change",
}
USER_KINDS = {
    mailer_pb2.USER_EMAIL_KIND_PASSWORD_RESET: "password_reset",
    mailer_pb2.USER_EMAIL_KIND_MFA_ENROLMENT: "mfa_enrolment",
}


def _plain(value: Any) -> Any:
    """Struct numbers are doubles: whole numbers become ints again (amounts in cents)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def variables(struct: Struct) -> dict[str, Any]:
    return _plain(json_format.MessageToDict(struct))  # type: ignore[no-any-return]


def recipient(message: mailer_pb2.Recipient) -> Recipient:
    return Recipient(message.email, message.name)


def _timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def _date(message: common_pb2.Date, field_name: str) -> date | None:
    if not (message.year or message.month or message.day):
        return None
    try:
        return date(message.year, message.month, message.day)
    except ValueError:
        raise InvalidArgument(
            f"{field_name}: not a date", fields={field_name: "not a date"}
        ) from None


def _attachment(message: mailer_pb2.Attachment) -> AttachmentInput:
    if message.WhichOneof("source") == "reference":
        return AttachmentInput(
            message.file_name,
            message.content_type,
            source=SOURCE_FROM_PROTO.get(message.reference.kind, "unknown"),
            reference=message.reference.id,
        )
    return AttachmentInput(
        message.file_name,
        message.content_type,
        content=message.content if message.WhichOneof("source") == "content" else None,
        source=INLINE,
    )


def email_message(email: Email) -> mailer_pb2.Email:
    m = email.message
    return mailer_pb2.Email(
        id=str(m.id),
        template=m.template,
        status=STATUS_TO_PROTO[m.status],
        document=mailer_pb2.DocumentRef(type=m.document_type, id=m.document_id),
        to=[mailer_pb2.Recipient(email=r["email"], name=r["name"]) for r in m.recipients["to"]],
        cc=[
            mailer_pb2.Recipient(email=r["email"], name=r["name"])
            for r in m.recipients.get("cc", [])
        ],
        subject=m.subject,
        message_id=m.message_id_header,
        idempotency_key=m.idempotency_key,
        attempts=m.attempts,
        last_smtp_code=m.last_smtp_code,
        last_smtp_response=m.last_smtp_response,
        last_error=m.last_error,
        attachments=[
            mailer_pb2.AttachmentInfo(
                file_name=a.file_name,
                content_type=a.content_type,
                size=a.size,
                reference=mailer_pb2.AttachmentReference(
                    kind=SOURCE_TO_PROTO[a.source], id=a.reference
                )
                if a.source in SOURCE_TO_PROTO
                else None,
            )
            for a in email.attachments
        ],
        create_time=_timestamp(m.created_at),
        last_attempt_time=_timestamp(m.last_attempt_at),
        next_attempt_time=_timestamp(m.due_at)
        if m.status in ("queued", "failed_retrying")
        else None,
        sent_time=_timestamp(m.sent_at),
        failed_time=_timestamp(m.failed_at),
    )


class MailerServicer(mailer_pb2_grpc.MailerServiceServicer):
    def __init__(self, service: MailerService) -> None:
        self.service = service

    async def SendEmail(self, request, context):  # type: ignore[no-untyped-def]
        email = await self.service.send(
            EmailRequest(
                template=request.template,
                to=[recipient(r) for r in request.to],
                cc=[recipient(r) for r in request.cc],
                variables=variables(request.variables),
                attachments=[_attachment(a) for a in request.attachments],
                document_type=request.document.type,
                document_id=request.document.id,
                idempotency_key=request.idempotency_key,
            )
        )
        return email_message(email)

    async def SendInvoiceEmail(self, request, context):  # type: ignore[no-untyped-def]
        email = await self.service.send_invoice(
            request.invoice_id,
            recipient(request.recipient),
            [recipient(r) for r in request.cc],
            variables(request.variables),
            request.idempotency_key,
        )
        return email_message(email)

    async def SendDunningEmail(self, request, context):  # type: ignore[no-untyped-def]
        email = await self.service.send_dunning(
            request.invoice_id,
            DUNNING_LEVELS.get(request.level, ""),
            recipient(request.recipient),
            [recipient(r) for r in request.cc],
            variables(request.variables),
            request.attach_invoice,
            request.idempotency_key,
        )
        return email_message(email)

    async def SendAppointmentEmail(self, request, context):  # type: ignore[no-untyped-def]
        email = await self.service.send_appointment(
            request.intervention_id,
            APPOINTMENT_KINDS.get(request.kind, ""),
            recipient(request.recipient),
            request.start_time.ToDatetime(tzinfo=UTC) if request.HasField("start_time") else None,
            request.end_time.ToDatetime(tzinfo=UTC) if request.HasField("end_time") else None,
            request.location,
            variables(request.variables),
            request.idempotency_key,
        )
        return email_message(email)

    async def SendReportEmail(self, request, context):  # type: ignore[no-untyped-def]
        email = await self.service.send_report(
            request.intervention_id,
            recipient(request.recipient),
            [recipient(r) for r in request.cc],
            variables(request.variables),
            request.idempotency_key,
        )
        return email_message(email)

    async def SendRenewalNotice(self, request, context):  # type: ignore[no-untyped-def]
        email = await self.service.send_renewal_notice(
            request.contract_id,
            recipient(request.recipient),
            _date(request.refusal_deadline, "refusal_deadline"),
            _date(request.renewal_date, "renewal_date"),
            variables(request.variables),
            request.idempotency_key,
        )
        return email_message(email)

    async def SendUserEmail(self, request, context):  # type: ignore[no-untyped-def]
        email = await self.service.send_user_email(
            request.user_id,
            USER_KINDS.get(request.kind, ""),
            recipient(request.recipient),
            variables(request.variables),
            request.idempotency_key,
        )
        return email_message(email)

    async def GetEmail(self, request, context):  # type: ignore[no-untyped-def]
        return email_message(await self.service.get(request.id))

    async def ListEmails(self, request, context):  # type: ignore[no-untyped-def]
        page = await self.service.list_emails(
            request.document.type,
            request.document.id,
            STATUS_FROM_PROTO.get(request.status, ""),
            request.page.page_size,
            request.page.page_token,
        )
        return mailer_pb2.ListEmailsResponse(
            emails=[email_message(e) for e in page.emails],
            page=common_pb2.PageResponse(next_page_token=page.next_page_token, total_size=-1),
        )

    async def RetryEmail(self, request, context):  # type: ignore[no-untyped-def]
        return email_message(await self.service.retry(request.id))

    async def ListTemplates(self, request, context):  # type: ignore[no-untyped-def]
        return mailer_pb2.ListTemplatesResponse(
            templates=[
                mailer_pb2.TemplateInfo(
                    name=t.name, description=t.description, variables=sorted(t.sample)
                )
                for t in self.service.templates()
            ]
        )

    async def PreviewTemplate(self, request, context):  # type: ignore[no-untyped-def]
        rendered = self.service.preview(request.template)
        return mailer_pb2.RenderedEmail(
            template=rendered.template,
            subject=rendered.subject,
            html=rendered.html,
            text=rendered.text,
        )
