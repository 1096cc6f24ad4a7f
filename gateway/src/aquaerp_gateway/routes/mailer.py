"""/api/v1/emails and /api/v1/email-templates: send customer emails, follow their delivery,
retry failed ones, preview templates (bureau, compta, admin)."""

from __future__ import annotations

import uuid
from typing import Any

from aquaerp.common.v1 import common_pb2
from aquaerp.mailer.v1 import mailer_pb2, mailer_pb2_grpc
from aquaerp_runtime.authz import ADMIN, BUREAU, COMPTA
from fastapi import APIRouter, Depends, Query, Request
from google.protobuf.struct_pb2 import Struct

from ..schemas import Page
from ..schemas.mailer import (
    DUNNING_TO_PROTO,
    STATUS_TO_PROTO,
    Email,
    EmailList,
    EmailStatus,
    EmailTemplate,
    RecipientBody,
    RenderedEmail,
    SendDunningEmailBody,
    SendEmailBody,
    SendInvoiceEmailBody,
)
from ..security import require

router = APIRouter(tags=["emails"], dependencies=[Depends(require(ADMIN, BUREAU, COMPTA))])


def _mailer(request: Request) -> mailer_pb2_grpc.MailerServiceStub:
    return request.app.state.clients.stub("mailer", mailer_pb2_grpc.MailerServiceStub)  # type: ignore[no-any-return]


def _struct(values: dict[str, Any]) -> Struct:
    struct = Struct()
    struct.update(values)
    return struct


def _recipient(body: RecipientBody) -> mailer_pb2.Recipient:
    return mailer_pb2.Recipient(email=body.email, name=body.name)


def _key(given: str | None, request: Request) -> str:
    """The body's key, else the Idempotency-Key header, else a new one (no deduplication)."""
    return given or request.headers.get("idempotency-key") or f"rest:{uuid.uuid4()}"


@router.post(
    "/emails", response_model=Email, status_code=202, summary="Queue an email from a template"
)
async def send_email(body: SendEmailBody, request: Request) -> Email:
    document = (
        mailer_pb2.DocumentRef(type=body.document.type, id=body.document.id)
        if body.document
        else None
    )
    email = await _mailer(request).SendEmail(
        mailer_pb2.SendEmailRequest(
            template=body.template,
            to=[_recipient(r) for r in body.to],
            cc=[_recipient(r) for r in body.cc],
            variables=_struct(body.variables),
            attachments=[a.to_proto() for a in body.attachments],
            document=document,
            idempotency_key=_key(body.idempotency_key, request),
        )
    )
    return Email.from_proto(email)


@router.post(
    "/emails/invoice",
    response_model=Email,
    status_code=202,
    summary="Send an issued invoice with its PDF",
)
async def send_invoice_email(body: SendInvoiceEmailBody, request: Request) -> Email:
    email = await _mailer(request).SendInvoiceEmail(
        mailer_pb2.SendInvoiceEmailRequest(
            invoice_id=body.invoice_id,
            recipient=_recipient(body.recipient),
            cc=[_recipient(r) for r in body.cc],
            variables=_struct(body.variables),
            idempotency_key=_key(body.idempotency_key, request),
        )
    )
    return Email.from_proto(email)


@router.post(
    "/emails/dunning",
    response_model=Email,
    status_code=202,
    summary="Send a payment reminder or formal notice",
)
async def send_dunning_email(body: SendDunningEmailBody, request: Request) -> Email:
    email = await _mailer(request).SendDunningEmail(
        mailer_pb2.SendDunningEmailRequest(
            invoice_id=body.invoice_id,
            level=DUNNING_TO_PROTO[body.level],  # type: ignore[arg-type]
            recipient=_recipient(body.recipient),
            cc=[_recipient(r) for r in body.cc],
            variables=_struct(body.variables),
            attach_invoice=body.attach_invoice,
            idempotency_key=_key(body.idempotency_key, request),
        )
    )
    return Email.from_proto(email)


@router.get(
    "/emails", response_model=EmailList, summary="List emails, e.g. all emails of an invoice"
)
async def list_emails(
    request: Request,
    document_type: str = Query(default="", max_length=32),
    document_id: str = Query(default="", max_length=100),
    status: EmailStatus | None = None,
    page_size: int = Query(default=50, ge=1, le=500),
    page_token: str = Query(default="", max_length=400),
) -> EmailList:
    response = await _mailer(request).ListEmails(
        mailer_pb2.ListEmailsRequest(
            document=mailer_pb2.DocumentRef(type=document_type, id=document_id),
            status=STATUS_TO_PROTO[status] if status else mailer_pb2.EMAIL_STATUS_UNSPECIFIED,  # type: ignore[arg-type]
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
        )
    )
    return EmailList(
        items=[Email.from_proto(e) for e in response.emails],
        page=Page(next_page_token=response.page.next_page_token),
    )


@router.get("/emails/{email_id}", response_model=Email, summary="An email and its delivery status")
async def get_email(email_id: str, request: Request) -> Email:
    return Email.from_proto(
        await _mailer(request).GetEmail(mailer_pb2.GetEmailRequest(id=email_id))
    )


@router.post("/emails/{email_id}/retry", response_model=Email, summary="Queue a failed email again")
async def retry_email(email_id: str, request: Request) -> Email:
    return Email.from_proto(
        await _mailer(request).RetryEmail(mailer_pb2.RetryEmailRequest(id=email_id))
    )


@router.get("/email-templates", response_model=list[EmailTemplate], summary="The email templates")
async def list_templates(request: Request) -> list[EmailTemplate]:
    response = await _mailer(request).ListTemplates(mailer_pb2.ListTemplatesRequest())
    return [
        EmailTemplate(name=t.name, description=t.description, variables=list(t.variables))
        for t in response.templates
    ]


@router.get(
    "/email-templates/{name}/preview",
    response_model=RenderedEmail,
    summary="A template rendered with sample data",
)
async def preview_template(name: str, request: Request) -> RenderedEmail:
    rendered = await _mailer(request).PreviewTemplate(
        mailer_pb2.PreviewTemplateRequest(template=name)
    )
    return RenderedEmail(
        template=rendered.template, subject=rendered.subject, html=rendered.html, text=rendered.text
    )
