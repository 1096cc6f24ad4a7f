"""Bodies of /api/v1/emails, /api/v1/email-templates and the development mailbox."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any, Literal

from aquaerp.mailer.v1 import mailer_pb2
from pydantic import BaseModel, Field, field_validator, model_validator

from . import Page, RequestBody

EmailStatus = Literal["queued", "sending", "sent", "failed_retrying", "failed_permanent"]
STATUS_TO_PROTO: dict[str, int] = {
    "queued": mailer_pb2.EMAIL_STATUS_QUEUED,
    "sending": mailer_pb2.EMAIL_STATUS_SENDING,
    "sent": mailer_pb2.EMAIL_STATUS_SENT,
    "failed_retrying": mailer_pb2.EMAIL_STATUS_FAILED_RETRYING,
    "failed_permanent": mailer_pb2.EMAIL_STATUS_FAILED_PERMANENT,
}
PROTO_TO_STATUS = {v: k for k, v in STATUS_TO_PROTO.items()}
AttachmentKind = Literal["invoice_pdf", "report_pdf"]
KIND_TO_PROTO: dict[str, Any] = {
    "invoice_pdf": mailer_pb2.ATTACHMENT_KIND_INVOICE_PDF,
    "report_pdf": mailer_pb2.ATTACHMENT_KIND_REPORT_PDF,
}
PROTO_TO_KIND: dict[int, Any] = {v: k for k, v in KIND_TO_PROTO.items()}
DunningLevel = Literal["reminder", "formal_notice"]
DUNNING_TO_PROTO: dict[str, int] = {
    "reminder": mailer_pb2.DUNNING_LEVEL_REMINDER,
    "formal_notice": mailer_pb2.DUNNING_LEVEL_FORMAL_NOTICE,
}


def _time(stamp: Any, present: bool) -> datetime | None:
    return stamp.ToDatetime(tzinfo=UTC) if present else None


class RecipientBody(RequestBody):
    email: str = Field(max_length=320)
    name: str = Field(default="", max_length=200)


class DocumentBody(RequestBody):
    type: str = Field(max_length=32, examples=["invoice"])
    id: str = Field(max_length=100)


class AttachmentReferenceBody(RequestBody):
    kind: AttachmentKind
    id: str = Field(max_length=100)


class AttachmentBody(RequestBody):
    """Inline content (base64) or a reference to a document fetched at send time."""

    file_name: str = Field(default="", max_length=255)
    content_type: str = Field(default="", max_length=127)
    content_base64: str | None = None
    reference: AttachmentReferenceBody | None = None

    @field_validator("content_base64")
    @classmethod
    def _base64(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("not valid base64") from None
        return value

    @model_validator(mode="after")
    def _one_source(self) -> AttachmentBody:
        if (self.content_base64 is None) == (self.reference is None):
            raise ValueError("give either content_base64 or reference")
        return self

    def to_proto(self) -> mailer_pb2.Attachment:
        if self.reference is not None:
            return mailer_pb2.Attachment(
                file_name=self.file_name,
                content_type=self.content_type,
                reference=mailer_pb2.AttachmentReference(
                    kind=KIND_TO_PROTO[self.reference.kind], id=self.reference.id
                ),
            )
        return mailer_pb2.Attachment(
            file_name=self.file_name,
            content_type=self.content_type,
            content=base64.b64decode(self.content_base64 or ""),
        )


class SendEmailBody(RequestBody):
    template: str = Field(max_length=64, examples=["payment_reminder"])
    to: list[RecipientBody] = Field(max_length=50)
    cc: list[RecipientBody] = Field(default_factory=list, max_length=50)
    variables: dict[str, Any] = Field(default_factory=dict)
    attachments: list[AttachmentBody] = Field(default_factory=list, max_length=20)
    document: DocumentBody | None = None
    # When absent, the request's Idempotency-Key header, else a new key (no deduplication).
    idempotency_key: str | None = Field(default=None, max_length=200)


class SendInvoiceEmailBody(RequestBody):
    invoice_id: str = Field(max_length=100)
    recipient: RecipientBody
    cc: list[RecipientBody] = Field(default_factory=list, max_length=50)
    variables: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = Field(default=None, max_length=200)


class SendDunningEmailBody(RequestBody):
    invoice_id: str = Field(max_length=100)
    level: DunningLevel
    recipient: RecipientBody
    cc: list[RecipientBody] = Field(default_factory=list, max_length=50)
    variables: dict[str, Any] = Field(default_factory=dict)
    attach_invoice: bool = False
    idempotency_key: str | None = Field(default=None, max_length=200)


class Recipient(BaseModel):
    email: str
    name: str = ""


class Document(BaseModel):
    type: str
    id: str


class AttachmentInfo(BaseModel):
    file_name: str
    content_type: str
    size: int
    reference: AttachmentReferenceBody | None = None


class Email(BaseModel):
    id: str
    template: str
    status: EmailStatus
    document: Document | None
    to: list[Recipient]
    cc: list[Recipient]
    subject: str
    message_id: str
    idempotency_key: str
    attempts: int
    last_smtp_code: int | None
    last_smtp_response: str
    last_error: str
    attachments: list[AttachmentInfo]
    created_at: datetime | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    failed_at: datetime | None

    @classmethod
    def from_proto(cls, email: mailer_pb2.Email) -> Email:
        return cls(
            id=email.id,
            template=email.template,
            status=PROTO_TO_STATUS[email.status],  # type: ignore[arg-type]
            document=Document(type=email.document.type, id=email.document.id)
            if email.document.type
            else None,
            to=[Recipient(email=r.email, name=r.name) for r in email.to],
            cc=[Recipient(email=r.email, name=r.name) for r in email.cc],
            subject=email.subject,
            message_id=email.message_id,
            idempotency_key=email.idempotency_key,
            attempts=email.attempts,
            last_smtp_code=email.last_smtp_code or None,
            last_smtp_response=email.last_smtp_response,
            last_error=email.last_error,
            attachments=[
                AttachmentInfo(
                    file_name=a.file_name,
                    content_type=a.content_type,
                    size=a.size,
                    reference=AttachmentReferenceBody(
                        kind=PROTO_TO_KIND[a.reference.kind], id=a.reference.id
                    )
                    if a.HasField("reference")
                    else None,
                )
                for a in email.attachments
            ],
            created_at=_time(email.create_time, email.HasField("create_time")),
            last_attempt_at=_time(email.last_attempt_time, email.HasField("last_attempt_time")),
            next_attempt_at=_time(email.next_attempt_time, email.HasField("next_attempt_time")),
            sent_at=_time(email.sent_time, email.HasField("sent_time")),
            failed_at=_time(email.failed_time, email.HasField("failed_time")),
        )


class EmailList(BaseModel):
    items: list[Email]
    page: Page


class EmailTemplate(BaseModel):
    name: str
    description: str
    variables: list[str]


class RenderedEmail(BaseModel):
    template: str
    subject: str
    html: str
    text: str


# -- development mailbox -------------------------------------------------------------------
class MailboxAttachment(BaseModel):
    index: int
    file_name: str
    content_type: str
    size: int


class MailboxEntry(BaseModel):
    id: str
    date: str
    from_: str = Field(serialization_alias="from")

    model_config = {"populate_by_name": True}
    to: str
    cc: str
    subject: str
    message_id: str
    attachments: list[MailboxAttachment]


class MailboxMessage(MailboxEntry):
    text: str
    html: str
