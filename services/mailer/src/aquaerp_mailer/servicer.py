"""gRPC edge of the mailer service: proto <-> domain, nothing else."""

from __future__ import annotations

import enum
from typing import Any

import grpc
from aquaerp.mailer.v1 import mailer_pb2, mailer_pb2_grpc
from aquaerp_runtime.convert import EnumMap, enum_map, optional_date, optional_datetime, timestamp
from aquaerp_runtime.paging import page_response
from google.protobuf import json_format
from google.protobuf.struct_pb2 import Struct

from .service import (
    INLINE,
    REFERENCE_SOURCES,
    AppointmentKind,
    AttachmentInput,
    AttachmentKind,
    DunningLevel,
    Email,
    EmailRequest,
    EmailStatus,
    MailerService,
    Recipient,
    UserEmailKind,
)

STATUSES = enum_map(mailer_pb2.EmailStatus, EmailStatus)
ATTACHMENT_KINDS = enum_map(mailer_pb2.AttachmentKind, AttachmentKind)
DUNNING_LEVELS = enum_map(mailer_pb2.DunningLevel, DunningLevel)
APPOINTMENT_KINDS = enum_map(mailer_pb2.AppointmentKind, AppointmentKind)
USER_EMAIL_KINDS = enum_map(mailer_pb2.UserEmailKind, UserEmailKind)


def _name(values: EnumMap[Any], number: int, unknown: str = "") -> str:
    """The domain's name for a proto enum value; `unknown` for UNSPECIFIED or unknown values
    (the domain then refuses it, naming the field)."""
    member = values.optional(number)
    return str(member.value) if isinstance(member, enum.Enum) else unknown


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
    data: dict[str, Any] = _plain(json_format.MessageToDict(struct))
    return data


def recipient(message: mailer_pb2.Recipient) -> Recipient:
    return Recipient(message.email, message.name)


def _attachment(message: mailer_pb2.Attachment) -> AttachmentInput:
    if message.WhichOneof("source") == "reference":
        return AttachmentInput(
            message.file_name,
            message.content_type,
            source=_name(ATTACHMENT_KINDS, message.reference.kind, "unknown"),
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
        status=STATUSES.to_proto(EmailStatus(m.status)),
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
                    kind=ATTACHMENT_KINDS.to_proto(AttachmentKind(a.source)), id=a.reference
                )
                if a.source in REFERENCE_SOURCES
                else None,
            )
            for a in email.attachments
        ],
        create_time=timestamp(m.created_at),
        last_attempt_time=timestamp(m.last_attempt_at),
        next_attempt_time=timestamp(m.due_at)
        if m.status in ("queued", "failed_retrying")
        else None,
        sent_time=timestamp(m.sent_at),
        failed_time=timestamp(m.failed_at),
    )


class MailerServicer(mailer_pb2_grpc.MailerServiceServicer):
    def __init__(self, service: MailerService) -> None:
        self.service = service

    async def SendEmail(
        self, request: mailer_pb2.SendEmailRequest, context: grpc.aio.ServicerContext
    ) -> mailer_pb2.Email:
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
                customer_id=request.customer_id,
            )
        )
        return email_message(email)

    async def SendInvoiceEmail(
        self, request: mailer_pb2.SendInvoiceEmailRequest, context: grpc.aio.ServicerContext
    ) -> mailer_pb2.Email:
        email = await self.service.send_invoice(
            request.invoice_id,
            recipient(request.recipient) if request.HasField("recipient") else None,
            [recipient(r) for r in request.cc],
            request.message,
            request.idempotency_key,
        )
        return email_message(email)

    async def SendDunningEmail(
        self, request: mailer_pb2.SendDunningEmailRequest, context: grpc.aio.ServicerContext
    ) -> mailer_pb2.Email:
        email = await self.service.send_dunning(
            request.invoice_id,
            _name(DUNNING_LEVELS, request.level),
            recipient(request.recipient),
            [recipient(r) for r in request.cc],
            variables(request.variables),
            request.attach_invoice,
            request.idempotency_key,
        )
        return email_message(email)

    async def SendAppointmentEmail(
        self, request: mailer_pb2.SendAppointmentEmailRequest, context: grpc.aio.ServicerContext
    ) -> mailer_pb2.Email:
        email = await self.service.send_appointment(
            request.intervention_id,
            _name(APPOINTMENT_KINDS, request.kind),
            recipient(request.recipient),
            optional_datetime(request, "start_time"),
            optional_datetime(request, "end_time"),
            request.location,
            variables(request.variables),
            request.idempotency_key,
        )
        return email_message(email)

    async def SendReportEmail(
        self, request: mailer_pb2.SendReportEmailRequest, context: grpc.aio.ServicerContext
    ) -> mailer_pb2.Email:
        email = await self.service.send_report(
            request.intervention_id,
            recipient(request.recipient),
            [recipient(r) for r in request.cc],
            variables(request.variables),
            request.idempotency_key,
            request.customer_id,
        )
        # The customer opted out of service report e-mails: nothing queued.
        return email_message(email) if email is not None else mailer_pb2.Email()

    async def SendRenewalNotice(
        self, request: mailer_pb2.SendRenewalNoticeRequest, context: grpc.aio.ServicerContext
    ) -> mailer_pb2.Email:
        email = await self.service.send_renewal_notice(
            request.contract_id,
            recipient(request.recipient),
            optional_date(request, "refusal_deadline"),
            optional_date(request, "renewal_date"),
            variables(request.variables),
            request.idempotency_key,
        )
        return email_message(email)

    async def SendUserEmail(
        self, request: mailer_pb2.SendUserEmailRequest, context: grpc.aio.ServicerContext
    ) -> mailer_pb2.Email:
        email = await self.service.send_user_email(
            request.user_id,
            _name(USER_EMAIL_KINDS, request.kind),
            recipient(request.recipient),
            variables(request.variables),
            request.idempotency_key,
        )
        return email_message(email)

    async def GetEmail(
        self, request: mailer_pb2.GetEmailRequest, context: grpc.aio.ServicerContext
    ) -> mailer_pb2.Email:
        return email_message(await self.service.get(request.id))

    async def ListEmails(
        self, request: mailer_pb2.ListEmailsRequest, context: grpc.aio.ServicerContext
    ) -> mailer_pb2.ListEmailsResponse:
        page = await self.service.list_emails(
            request.document.type,
            request.document.id,
            _name(STATUSES, request.status),
            request.page.page_size,
            request.page.page_token,
        )
        return mailer_pb2.ListEmailsResponse(
            emails=[email_message(e) for e in page.emails],
            page=page_response(page.next_page_token),
        )

    async def RetryEmail(
        self, request: mailer_pb2.RetryEmailRequest, context: grpc.aio.ServicerContext
    ) -> mailer_pb2.Email:
        return email_message(await self.service.retry(request.id))

    async def ListTemplates(
        self, request: mailer_pb2.ListTemplatesRequest, context: grpc.aio.ServicerContext
    ) -> mailer_pb2.ListTemplatesResponse:
        return mailer_pb2.ListTemplatesResponse(
            templates=[
                mailer_pb2.TemplateInfo(
                    name=t.name,
                    description=t.description,
                    variables=sorted(t.sample),
                    category=t.category,
                )
                for t in self.service.templates()
            ]
        )

    async def PreviewTemplate(
        self, request: mailer_pb2.PreviewTemplateRequest, context: grpc.aio.ServicerContext
    ) -> mailer_pb2.RenderedEmail:
        rendered = self.service.preview(request.template)
        return mailer_pb2.RenderedEmail(
            template=rendered.template,
            subject=rendered.subject,
            html=rendered.html,
            text=rendered.text,
        )
