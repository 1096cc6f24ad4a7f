"""Mailer domain logic: validate, render and queue emails; report their status. No gRPC here.

Emails are rendered when they are queued (a missing variable is the caller's error, reported at
once); attachments given by reference are fetched by the sender when it delivers the email.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from aquaerp_runtime.authz import ADMIN, BUREAU, COMPTA, current_principal, require_roles
from aquaerp_runtime.clock import BUSINESS_TZ, SYSTEM_CLOCK, Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from aquaerp_runtime.paging import TOKEN_FIELD, decode_token, encode_token, page_limit
from email_validator import EmailNotValidError, validate_email

from .calendar import Appointment, invitation
from .config import MailerSettings
from .repository import AttachmentRow, MailerRepository, MessageRow
from .templates import MARKETING, RenderedEmail, TemplateCatalog, TemplateInfo


class EmailStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED_RETRYING = "failed_retrying"
    FAILED_PERMANENT = "failed_permanent"


class AttachmentKind(StrEnum):
    """Documents an attachment can refer to (fetched from their service at sending time)."""

    INVOICE_PDF = "invoice_pdf"
    REPORT_PDF = "report_pdf"


class DunningLevel(StrEnum):
    REMINDER = "reminder"
    FORMAL_NOTICE = "formal_notice"


class AppointmentKind(StrEnum):
    NOTICE = "notice"
    CHANGE = "change"


class UserEmailKind(StrEnum):
    PASSWORD_RESET = "password_reset"
    MFA_ENROLMENT = "mfa_enrolment"


OFFICE_ROLES = (ADMIN, BUREAU, COMPTA)
INLINE = "inline"
INVOICE_PDF = AttachmentKind.INVOICE_PDF.value
REPORT_PDF = AttachmentKind.REPORT_PDF.value
REFERENCE_SOURCES = tuple(kind.value for kind in AttachmentKind)
STATUSES = tuple(status.value for status in EmailStatus)
MAX_RECIPIENTS = 50
MAX_PAGE_SIZE = 500
CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
DOCUMENT_TYPE = re.compile(r"^[a-z][a-z_]{0,31}$")
APPOINTMENT_TEMPLATES = ("appointment_notice", "appointment_change")
DUNNING_TEMPLATES = {"reminder": "payment_reminder", "formal_notice": "formal_notice"}
USER_TEMPLATES = {"password_reset": "password_reset", "mfa_enrolment": "mfa_enrolment"}
# L215-1: the notice goes out between three months and one month before the refusal deadline.
RENEWAL_NOTICE_EARLIEST_MONTHS = 3


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""


@dataclass(frozen=True)
class AttachmentInput:
    """Inline content, or a reference (`source` invoice_pdf/report_pdf + `reference` id)."""

    file_name: str
    content_type: str
    content: bytes | None = None
    source: str = INLINE
    reference: str = ""


@dataclass(frozen=True)
class EmailRequest:
    template: str
    to: Sequence[Recipient]
    idempotency_key: str
    cc: Sequence[Recipient] = ()
    variables: dict[str, Any] = field(default_factory=dict)
    attachments: Sequence[AttachmentInput] = ()
    document_type: str = ""
    document_id: str = ""
    # How the request names its main recipient(s), for error messages ("recipient" in the
    # typed Send* RPCs).
    to_field: str = "to"
    # The customer a marketing template goes to (whose consent is checked).
    customer_id: str = ""


@dataclass(frozen=True)
class Email:
    message: MessageRow
    attachments: list[AttachmentRow]


@dataclass(frozen=True)
class EmailPage:
    emails: list[Email]
    next_page_token: str


def message_id_for(idempotency_key: str, mail_domain: str) -> str:
    """The Message-ID is a function of the idempotency key: every attempt, and every replica,
    sends the same one, so receiving systems can recognise a resent message."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{mail_domain}>"


def _recipient(recipient: Recipient, field_name: str) -> dict[str, str]:
    try:
        checked = validate_email(recipient.email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise InvalidArgument(
            f"{field_name}: invalid email address {recipient.email!r}: {error}",
            fields={field_name: str(error)},
        ) from None
    name = " ".join(recipient.name.split())
    if len(name) > 200:
        raise InvalidArgument(f"{field_name}: name too long", fields={field_name: "name too long"})
    return {"email": checked.ascii_email or checked.normalized, "name": name}


def _file_name(name: str, field_name: str) -> str:
    if not name or len(name) > 255 or any(c in name for c in '/\\\r\n"') or name in (".", ".."):
        raise InvalidArgument(
            f"{field_name}: invalid file name {name!r}", fields={field_name: "invalid file name"}
        )
    return name


def _page_token(message: MessageRow) -> str:
    return encode_token(message.created_at.isoformat(), message.id)


def _after(token: str) -> tuple[datetime, uuid.UUID] | None:
    """The sort key a page token carries (newest first: the page continues before it)."""
    values = decode_token(token, 2)
    if values is None:
        return None
    try:
        return datetime.fromisoformat(values[0]), uuid.UUID(values[1])
    except ValueError:
        raise InvalidArgument(
            "invalid page token", fields={TOKEN_FIELD: "invalid page token"}
        ) from None


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class InvoiceFacts:
    """What an invoice e-mail prints, as facture holds it."""

    number: str
    customer_name: str
    email: str
    issue_date: date
    due_date: date
    amount_due_cents: int

    def variables(self) -> dict[str, Any]:
        return {
            "customer_name": self.customer_name,
            "invoice_number": self.number,
            "issue_date": self.issue_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "amount_due_cents": self.amount_due_cents,
            "payment_reference": self.number,
        }


class InvoiceDirectory(Protocol):
    async def invoice_facts(self, invoice_id: str) -> InvoiceFacts:
        """The issued invoice; 422 on `invoice_id` when facture does not know it."""
        ...


@dataclass(frozen=True)
class MarketingConsent:
    agreed: bool
    # The customer's own addresses (lower-cased): where an offer may go.
    addresses: frozenset[str]
    # The customer does not want the service report e-mailed after each visit.
    service_report_opt_out: bool = False


class ConsentDirectory(Protocol):
    async def marketing(self, customer_id: str) -> MarketingConsent:
        """The customer's consent; 422 on `customer_id` when contrat does not know it."""
        ...


class MailerService:
    def __init__(
        self,
        database: Database,
        settings: MailerSettings,
        catalog: TemplateCatalog,
        *,
        invoices: InvoiceDirectory | None = None,
        consents: ConsentDirectory | None = None,
        on_queued: Callable[[], None] = lambda: None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.consents = consents
        self.database = database
        self.settings = settings
        self.catalog = catalog
        self.invoices = invoices
        self.on_queued = on_queued
        self.clock = clock

    # -- sending ----------------------------------------------------------------------------
    async def send(self, request: EmailRequest) -> Email:
        """Queues an email (bureau/compta/admin or a service). A marketing template goes only
        to a customer who agreed to offers, at the customer's own address."""
        require_roles(*OFFICE_ROLES)
        if self.catalog.info(request.template).category == MARKETING:
            await self._check_marketing_consent(request)
        return await self._queue(request)

    async def _check_marketing_consent(self, request: EmailRequest) -> None:
        customer_id = request.customer_id.strip()
        if not customer_id:
            raise InvalidArgument(
                "a marketing e-mail names its customer",
                fields={"customer_id": "obligatoire pour un e-mail commercial"},
            )
        if self.consents is None:
            raise FailedPrecondition("no customer service to read the marketing consent from")
        consent = await self.consents.marketing(customer_id)
        if not consent.agreed:
            raise FailedPrecondition(
                "the customer has not agreed to marketing e-mails",
                reason="marketing_consent_missing",
            )
        recipients = {r.email.strip().lower() for r in [*request.to, *request.cc]}
        if not recipients <= consent.addresses:
            raise InvalidArgument(
                "a marketing e-mail goes to the customer's own address only",
                fields={request.to_field: "pas l'adresse du client"},
            )

    async def send_invoice(
        self,
        invoice_id: str,
        recipient: Recipient | None,
        cc: Sequence[Recipient],
        message: str,
        idempotency_key: str,
    ) -> Email:
        """Queues the e-mail of an issued invoice, built from the invoice as facture holds it
        (number, amount due, dates, customer): the caller chooses none of them."""
        require_roles(*OFFICE_ROLES)
        invoice_id = self._document_id(invoice_id, "invoice_id")
        if self.invoices is None:
            raise FailedPrecondition("no invoicing service to read the invoice from")
        facts = await self.invoices.invoice_facts(invoice_id)
        if recipient is None or not recipient.email.strip():
            recipient = Recipient(facts.email, facts.customer_name)
        variables = facts.variables()
        if message.strip():
            variables["message"] = message.strip()
        return await self._queue(
            EmailRequest(
                template="invoice_issued",
                to=[recipient],
                to_field="recipient",
                cc=cc,
                variables=variables,
                attachments=[
                    AttachmentInput("", "application/pdf", source=INVOICE_PDF, reference=invoice_id)
                ],
                document_type="invoice",
                document_id=invoice_id,
                idempotency_key=idempotency_key,
            )
        )

    async def send_dunning(
        self,
        invoice_id: str,
        level: str,
        recipient: Recipient,
        cc: Sequence[Recipient],
        variables: dict[str, Any],
        attach_invoice: bool,
        idempotency_key: str,
    ) -> Email:
        require_roles(*OFFICE_ROLES)
        invoice_id = self._document_id(invoice_id, "invoice_id")
        if level not in DUNNING_TEMPLATES:
            raise InvalidArgument(
                "level: choose reminder or formal_notice", fields={"level": "required"}
            )
        attachments = (
            [AttachmentInput("", "application/pdf", source=INVOICE_PDF, reference=invoice_id)]
            if attach_invoice
            else []
        )
        return await self._queue(
            EmailRequest(
                template=DUNNING_TEMPLATES[level],
                to=[recipient],
                to_field="recipient",
                cc=cc,
                variables=variables,
                attachments=attachments,
                document_type="invoice",
                document_id=invoice_id,
                idempotency_key=idempotency_key,
            )
        )

    async def send_appointment(
        self,
        intervention_id: str,
        kind: str,
        recipient: Recipient,
        start: datetime | None,
        end: datetime | None,
        location: str,
        variables: dict[str, Any],
        idempotency_key: str,
    ) -> Email:
        require_roles(*OFFICE_ROLES)
        intervention_id = self._document_id(intervention_id, "intervention_id")
        template = {"notice": "appointment_notice", "change": "appointment_change"}.get(kind)
        if template is None:
            raise InvalidArgument("kind: choose notice or change", fields={"kind": "required"})
        if start is None or end is None:
            raise InvalidArgument(
                "start_time and end_time are required", fields={"start_time": "required"}
            )
        if end <= start:
            raise InvalidArgument(
                "end_time must be after start_time", fields={"end_time": "before start"}
            )
        location = " ".join(location.split())
        if not location:
            raise InvalidArgument("location is required", fields={"location": "required"})
        variables = {
            **variables,
            "appointment_start": start.astimezone(BUSINESS_TZ).isoformat(),
            "appointment_end": end.astimezone(BUSINESS_TZ).isoformat(),
            "location": location,
        }
        to = _recipient(recipient, "recipient")

        async def calendar(repo: MailerRepository, rendered: RenderedEmail) -> AttachmentInput:
            # Each appointment email of the intervention supersedes the previous invitation.
            sequence = await repo.count_messages_of(
                "intervention", intervention_id, APPOINTMENT_TEMPLATES
            )
            company = self.settings.company
            content = invitation(
                Appointment(
                    uid=f"intervention-{intervention_id}@{self.settings.mail_domain}",
                    sequence=sequence,
                    start=start,
                    end=end,
                    summary=f"{variables.get('visit_type', 'Visite')} \u2013 {company.name}",
                    location=location,
                    description=rendered.text,
                    organizer_name=company.name,
                    organizer_email=company.email,
                    attendee_name=to["name"],
                    attendee_email=to["email"],
                    stamp=self.clock.now(),
                )
            )
            return AttachmentInput(
                "rendez-vous.ics", "text/calendar; method=REQUEST", content=content
            )

        return await self._queue(
            EmailRequest(
                template=template,
                to=[recipient],
                to_field="recipient",
                variables=variables,
                document_type="intervention",
                document_id=intervention_id,
                idempotency_key=idempotency_key,
            ),
            extra_attachment=calendar,
        )

    async def send_report(
        self,
        intervention_id: str,
        recipient: Recipient,
        cc: Sequence[Recipient],
        variables: dict[str, Any],
        idempotency_key: str,
        customer_id: str = "",
    ) -> Email | None:
        """Queues the service report; None (nothing sent) when `customer_id` names a customer
        who opted out of service report e-mails."""
        require_roles(*OFFICE_ROLES)
        intervention_id = self._document_id(intervention_id, "intervention_id")
        if customer_id.strip():
            if self.consents is None:
                raise FailedPrecondition("no customer service to read the customer's choice from")
            if (await self.consents.marketing(customer_id.strip())).service_report_opt_out:
                return None
        return await self._queue(
            EmailRequest(
                template="intervention_report",
                to=[recipient],
                to_field="recipient",
                cc=cc,
                variables=variables,
                attachments=[
                    AttachmentInput(
                        "", "application/pdf", source=REPORT_PDF, reference=intervention_id
                    )
                ],
                document_type="intervention",
                document_id=intervention_id,
                idempotency_key=idempotency_key,
            )
        )

    async def send_renewal_notice(
        self,
        contract_id: str,
        recipient: Recipient,
        refusal_deadline: date | None,
        renewal_date: date | None,
        variables: dict[str, Any],
        idempotency_key: str,
    ) -> Email:
        require_roles(*OFFICE_ROLES)
        contract_id = self._document_id(contract_id, "contract_id")
        if refusal_deadline is None or renewal_date is None:
            raise InvalidArgument(
                "refusal_deadline and renewal_date are required",
                fields={"refusal_deadline": "required"},
            )
        today = self.clock.today()
        if refusal_deadline < today:
            raise InvalidArgument(
                "refusal_deadline is in the past", fields={"refusal_deadline": "in the past"}
            )
        if refusal_deadline > renewal_date:
            raise InvalidArgument(
                "refusal_deadline must not be after renewal_date",
                fields={"refusal_deadline": "after renewal"},
            )
        # The window opens three calendar months before the deadline (a month-end deadline
        # opens on the last day of the shorter month, as contrat computes it).
        if today < add_months(refusal_deadline, -RENEWAL_NOTICE_EARLIEST_MONTHS):
            raise FailedPrecondition(
                "too early: the L215-1 notice is sent at most three months before the "
                "refusal deadline"
            )
        variables = {
            **variables,
            "refusal_deadline": refusal_deadline.isoformat(),
            "renewal_date": renewal_date.isoformat(),
        }
        return await self._queue(
            EmailRequest(
                template="contract_renewal_notice",
                to=[recipient],
                to_field="recipient",
                variables=variables,
                document_type="contract",
                document_id=contract_id,
                idempotency_key=idempotency_key,
            )
        )

    async def send_user_email(
        self,
        user_id: str,
        kind: str,
        recipient: Recipient,
        variables: dict[str, Any],
        idempotency_key: str,
    ) -> Email:
        require_roles(ADMIN)
        user_id = self._document_id(user_id, "user_id")
        if kind not in USER_TEMPLATES:
            raise InvalidArgument(
                "kind: choose password_reset or mfa_enrolment", fields={"kind": "required"}
            )
        return await self._queue(
            EmailRequest(
                template=USER_TEMPLATES[kind],
                to=[recipient],
                to_field="recipient",
                variables=variables,
                document_type="user",
                document_id=user_id,
                idempotency_key=idempotency_key,
            )
        )

    # -- status -----------------------------------------------------------------------------
    async def get(self, email_id: str) -> Email:
        require_roles(*OFFICE_ROLES)
        message_uuid = self._uuid(email_id)
        async with self.database.unit_of_work() as session:
            repo = MailerRepository(session)
            message = await repo.message_by_id(message_uuid)
            if message is None:
                raise NotFound("email not found")
            return Email(message, (await repo.attachments_of([message.id]))[message.id])

    async def list_emails(
        self, document_type: str, document_id: str, status: str, page_size: int, page_token: str
    ) -> EmailPage:
        require_roles(*OFFICE_ROLES)
        if bool(document_type) != bool(document_id):
            raise InvalidArgument(
                "document needs both type and id",
                fields={"document": "type and id are both required"},
            )
        if status and status not in STATUSES:
            raise InvalidArgument("unknown status", fields={"status": "unknown"})
        size = page_limit(page_size, maximum=MAX_PAGE_SIZE)
        before = _after(page_token)
        async with self.database.unit_of_work() as session:
            repo = MailerRepository(session)
            rows = await repo.list_messages(
                document_type=document_type,
                document_id=document_id,
                status=status or None,
                before=before,
                limit=size + 1,
            )
            page, more = rows[:size], len(rows) > size
            attachments = await repo.attachments_of(m.id for m in page)
        return EmailPage(
            [Email(m, attachments[m.id]) for m in page], _page_token(page[-1]) if more else ""
        )

    async def retry(self, email_id: str) -> Email:
        """Queues a failed email again with a fresh attempt budget (same Message-ID)."""
        require_roles(*OFFICE_ROLES)
        message_uuid = self._uuid(email_id)
        async with self.database.unit_of_work() as session:
            repo = MailerRepository(session)
            message = await repo.message_by_id(message_uuid, for_update=True)
            if message is None:
                raise NotFound("email not found")
            if message.status not in ("failed_permanent", "failed_retrying"):
                raise FailedPrecondition(
                    f"only a failed email can be retried (this one is {message.status})"
                )
            message = await repo.requeue(message.id, self.clock.now())
            email = Email(message, (await repo.attachments_of([message.id]))[message.id])
        self.on_queued()
        return email

    # -- templates --------------------------------------------------------------------------
    def templates(self) -> list[TemplateInfo]:
        require_roles(*OFFICE_ROLES)
        return self.catalog.templates()

    def preview(self, name: str) -> RenderedEmail:
        require_roles(*OFFICE_ROLES)
        return self.catalog.preview(name)

    # -- internals --------------------------------------------------------------------------
    async def _queue(
        self,
        request: EmailRequest,
        *,
        extra_attachment: Callable[[MailerRepository, RenderedEmail], Any] | None = None,
    ) -> Email:
        key = request.idempotency_key.strip()
        if not key or len(key) > 200:
            raise InvalidArgument(
                "idempotency_key is required (at most 200 characters)",
                fields={"idempotency_key": "required"},
            )
        async with self.database.unit_of_work() as session:
            existing = await MailerRepository(session).message_by_key(key)
            if existing is not None:
                return Email(
                    existing,
                    (await MailerRepository(session).attachments_of([existing.id]))[existing.id],
                )

        recipients = self._recipients(request)
        document_type, document_id = self._document(request)
        attachments = self._attachments(request.attachments)
        rendered = self.catalog.render(request.template, request.variables)
        async with self.database.unit_of_work() as session:
            repo = MailerRepository(session)
            if extra_attachment is not None:
                attachments.append(await extra_attachment(repo, rendered))
            message = await repo.insert_message(
                {
                    "idempotency_key": key,
                    # Due now on the service clock, which the delivery worker claims by.
                    "due_at": self.clock.now(),
                    "message_id_header": message_id_for(key, self.settings.mail_domain),
                    "template": request.template,
                    "document_type": document_type,
                    "document_id": document_id,
                    "sender": self.settings.from_address,
                    "reply_to": self.settings.reply_to,
                    "recipients": recipients,
                    "subject": rendered.subject,
                    "html_body": rendered.html,
                    "text_body": rendered.text,
                    "requested_by": self._caller(),
                }
            )
            if message is None:  # a concurrent call with the same key won
                existing = await repo.message_by_key(key)
                assert existing is not None
                return Email(existing, (await repo.attachments_of([existing.id]))[existing.id])
            rows = []
            for position, attachment in enumerate(attachments):
                sha256 = None
                if attachment.content is not None:
                    sha256 = hashlib.sha256(attachment.content).hexdigest()
                    await repo.store_blob(sha256, attachment.content)
                rows.append(
                    {
                        "message_id": message.id,
                        "position": position,
                        "file_name": attachment.file_name,
                        "content_type": attachment.content_type,
                        "source": attachment.source,
                        "reference": attachment.reference,
                        "blob_sha256": sha256,
                        "size": len(attachment.content or b""),
                    }
                )
            await repo.insert_attachments(rows)
            email = Email(message, (await repo.attachments_of([message.id]))[message.id])
        self.on_queued()
        return email

    def _recipients(self, request: EmailRequest) -> dict[str, list[dict[str, str]]]:
        if not request.to:
            raise InvalidArgument("at least one recipient is required", fields={"to": "required"})
        if len(request.to) + len(request.cc) > MAX_RECIPIENTS:
            raise InvalidArgument(f"at most {MAX_RECIPIENTS} recipients", fields={"to": "too many"})
        return {
            "to": [
                _recipient(r, f"to[{i}]" if request.to_field == "to" else request.to_field)
                for i, r in enumerate(request.to)
            ],
            "cc": [_recipient(r, f"cc[{i}]") for i, r in enumerate(request.cc)],
        }

    def _document(self, request: EmailRequest) -> tuple[str, str]:
        if not request.document_type and not request.document_id:
            return "", ""
        if not DOCUMENT_TYPE.match(request.document_type):
            raise InvalidArgument(
                "document.type: lower-case word", fields={"document.type": "invalid"}
            )
        return request.document_type, self._document_id(request.document_id, "document.id")

    def _attachments(self, inputs: Sequence[AttachmentInput]) -> list[AttachmentInput]:
        checked: list[AttachmentInput] = []
        inline_total = 0
        for index, attachment in enumerate(inputs):
            where = f"attachments[{index}]"
            if attachment.source == INLINE:
                if attachment.content is None:
                    raise InvalidArgument(
                        f"{where}: content or reference required", fields={where: "empty"}
                    )
                content_type = attachment.content_type.strip().lower()
                if not CONTENT_TYPE.match(content_type):
                    raise InvalidArgument(
                        f"{where}.content_type: invalid MIME type",
                        fields={f"{where}.content_type": "invalid"},
                    )
                inline_total += len(attachment.content)
                checked.append(
                    AttachmentInput(
                        _file_name(attachment.file_name, f"{where}.file_name"),
                        content_type,
                        attachment.content,
                    )
                )
            elif attachment.source in REFERENCE_SOURCES:
                name = attachment.file_name and _file_name(
                    attachment.file_name, f"{where}.file_name"
                )
                checked.append(
                    AttachmentInput(
                        name,
                        "application/pdf",
                        source=attachment.source,
                        reference=self._document_id(attachment.reference, f"{where}.reference.id"),
                    )
                )
            else:
                raise InvalidArgument(
                    f"{where}: unknown reference kind",
                    fields={f"{where}.reference.kind": "unknown"},
                )
        if inline_total > self.settings.max_inline_attachment_bytes:
            limit_mb = self.settings.max_inline_attachment_bytes / 1024 / 1024
            raise InvalidArgument(
                f"inline attachments exceed {limit_mb:g} MB; pass large documents by reference",
                fields={"attachments": "too large"},
            )
        return checked

    @staticmethod
    def _document_id(value: str, field_name: str) -> str:
        value = value.strip()
        if not value or len(value) > 100:
            raise InvalidArgument(f"{field_name} is required", fields={field_name: "required"})
        return value

    @staticmethod
    def _uuid(value: str) -> uuid.UUID:
        try:
            return uuid.UUID(value)
        except ValueError:
            raise NotFound("email not found") from None

    @staticmethod
    def _caller() -> str:
        return str(current_principal().subject)[:200]
