"""/api/v1/dev/mail: the development SMTP sink's mailbox (the .eml files it keeps), to read what
the product sent. Mounted only when GATEWAY_DEV_ROUTES is on (the local stack); never in
production. Administrators only: the mails hold customers' data and invoices. Handlers are plain
functions: FastAPI runs them in a thread (file reads)."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aquaerp_runtime.errors import FailedPrecondition, NotFound
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from ..security import require

router = APIRouter(
    prefix="/dev/mail", tags=["development mailbox"], dependencies=[Depends(require("admin"))]
)


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


MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
# The message's HTML is shown as is: no scripts, no requests except images.
HTML_POLICY = "sandbox; default-src 'none'; img-src * data:; style-src 'unsafe-inline'"


def _mailbox(request: Request) -> Path:
    directory: Path | None = request.app.state.settings.mail_sink_dir
    if directory is None:
        raise FailedPrecondition("no mail sink directory configured (GATEWAY_MAIL_SINK_DIR)")
    return directory


def _load(request: Request, message_id: str) -> EmailMessage:
    path = _mailbox(request) / f"{message_id}.eml"
    if not MESSAGE_ID.match(message_id) or not path.is_file():
        raise NotFound("no such message in the mailbox")
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def _attachments(message: EmailMessage) -> list[tuple[MailboxAttachment, EmailMessage]]:
    found = []
    for index, part in enumerate(message.iter_attachments()):
        payload = part.get_payload(decode=True) or b""
        info = MailboxAttachment(
            index=index,
            file_name=part.get_filename() or f"piece-jointe-{index + 1}",
            content_type=part.get_content_type(),
            size=len(payload) if isinstance(payload, bytes) else 0,
        )
        found.append((info, part))
    return found


def _entry(message_id: str, message: EmailMessage) -> MailboxEntry:
    return MailboxEntry(
        id=message_id,
        date=str(message.get("Date", "")),
        from_=str(message.get("From", "")),
        to=str(message.get("To", "")),
        cc=str(message.get("Cc", "")),
        subject=str(message.get("Subject", "")),
        message_id=str(message.get("Message-ID", "")),
        attachments=[info for info, _ in _attachments(message)],
    )


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    return str(part.get_content()) if part is not None else ""


@router.get(
    "",
    response_model=list[MailboxEntry],
    summary="Messages in the development mailbox, newest first",
)
def list_messages(
    request: Request, limit: int = Query(default=100, ge=1, le=1000)
) -> list[MailboxEntry]:
    directory = _mailbox(request)
    if not directory.is_dir():
        return []
    # The sink names files by arrival time, so names sort chronologically.
    paths = sorted(directory.glob("*.eml"), reverse=True)[:limit]
    parser = BytesParser(policy=policy.default)
    return [_entry(p.stem, parser.parsebytes(p.read_bytes())) for p in paths]


@router.get(
    "/{message_id}", response_model=MailboxMessage, summary="One message: headers, text and HTML"
)
def get_message(message_id: str, request: Request) -> MailboxMessage:
    message = _load(request, message_id)
    return MailboxMessage(
        **_entry(message_id, message).model_dump(),
        text=_body(message, "plain"),
        html=_body(message, "html"),
    )


@router.get(
    "/{message_id}/html",
    response_class=HTMLResponse,
    summary="The HTML part, for viewing in a browser",
)
def view_html(message_id: str, request: Request) -> HTMLResponse:
    html = _body(_load(request, message_id), "html")
    if not html:
        raise NotFound("the message has no HTML part")
    return HTMLResponse(html, headers={"Content-Security-Policy": HTML_POLICY})


@router.get("/{message_id}/raw", summary="The message as received (.eml)")
def raw_message(message_id: str, request: Request) -> Response:
    _load(request, message_id)
    content = (_mailbox(request) / f"{message_id}.eml").read_bytes()
    return Response(
        content,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="{message_id}.eml"'},
    )


@router.get("/{message_id}/attachments/{index}", summary="Download an attachment")
def download_attachment(message_id: str, index: int, request: Request) -> Response:
    attachments = _attachments(_load(request, message_id))
    if not 0 <= index < len(attachments):
        raise NotFound("no such attachment")
    info, part = attachments[index]
    payload = part.get_payload(decode=True)
    ascii_name = info.file_name.encode("ascii", "replace").decode().replace('"', "'")
    return Response(
        payload if isinstance(payload, bytes) else b"",
        media_type=info.content_type,
        headers={"Content-Disposition": f'attachment; filename="{ascii_name}"'},
    )
