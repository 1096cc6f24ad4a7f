"""One SMTP connection to the provider (aiosmtplib), and what its failures mean.

A failure is *temporary* (4xx replies, connection errors, timeouts: try again later) or
*permanent* (5xx replies to the message: do not retry). Failures of the connection itself
(cannot connect, TLS, authentication, disconnected) are temporary and tell the sender to back
off before using the server again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import aiosmtplib

from .config import MailerSettings


class SmtpFailure(Exception):
    def __init__(
        self, *, temporary: bool, code: int = 0, response: str = "", error: str, connection: bool
    ) -> None:
        super().__init__(error)
        self.temporary = temporary
        self.code = code
        self.response = response
        self.error = error
        # The connection is unusable: close it and back off before reconnecting.
        self.connection = connection


@dataclass(frozen=True)
class Accepted:
    code: int
    response: str
    # Recipients the server refused permanently while accepting the others.
    refused: dict[str, str]


def _reply(error: aiosmtplib.SMTPResponseException) -> tuple[int, str]:
    return error.code, f"{error.code} {error.message}"


def _classify(error: BaseException, stage: str) -> SmtpFailure:
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        code, response = _reply(error)
        return SmtpFailure(
            temporary=True,
            code=code,
            response=response,
            error=f"SMTP authentication refused: {response}",
            connection=True,
        )
    if isinstance(error, aiosmtplib.SMTPResponseException) and not isinstance(
        error, aiosmtplib.SMTPConnectResponseError | aiosmtplib.SMTPHeloError
    ):
        code, response = _reply(error)
        # 421 closes the connection (RFC 5321 3.8).
        return SmtpFailure(
            temporary=code < 500,
            code=code,
            response=response,
            error=f"{stage} refused: {response}",
            connection=code == 421,
        )
    if isinstance(error, aiosmtplib.SMTPResponseException):
        code, response = _reply(error)
        return SmtpFailure(
            temporary=True,
            code=code,
            response=response,
            error=f"{stage} refused: {response}",
            connection=True,
        )
    if isinstance(error, TimeoutError | aiosmtplib.SMTPTimeoutError):
        return SmtpFailure(temporary=True, error=f"{stage}: timeout", connection=True)
    if isinstance(error, ConnectionError | OSError | aiosmtplib.SMTPException):
        return SmtpFailure(
            temporary=True, error=f"{stage}: {error.__class__.__name__}: {error}", connection=True
        )
    raise error


class SmtpConnection:
    def __init__(self, settings: MailerSettings) -> None:
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    async def connect(self) -> None:
        await self.close()
        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            use_tls=s.smtp_tls,
            start_tls=s.smtp_starttls and not s.smtp_tls,
            validate_certs=s.smtp_validate_certs,
            cert_bundle=s.smtp_ca_file or None,
            timeout=s.smtp_timeout,
            local_hostname=s.mail_domain,
        )
        try:
            await client.connect()
        except BaseException as error:
            client.close()
            raise _classify(error, "connect") from error
        self._client = client

    async def envelope(self, sender: str, recipients: Sequence[str]) -> dict[str, str]:
        """MAIL FROM and RCPT TO; returns the recipients refused permanently (others accepted)."""
        client = self._require()
        try:
            await client.mail(sender)
        except BaseException as error:
            raise await self._failed(error, "sender") from error
        refused: dict[str, str] = {}
        temporary: list[str] = []
        last_code = 0
        for recipient in recipients:
            try:
                await client.rcpt(recipient)
            except aiosmtplib.SMTPRecipientRefused as error:
                code, response = _reply(error)
                last_code = code
                if code < 500:
                    temporary.append(response)
                else:
                    refused[recipient] = response
            except BaseException as error:
                raise await self._failed(error, "recipient") from error
        if temporary or len(refused) == len(recipients):
            await self._reset()
            response = "; ".join(temporary or refused.values())
            raise SmtpFailure(
                temporary=bool(temporary),
                code=last_code,
                response=response,
                error=f"recipient refused: {response}",
                connection=False,
            )
        return refused

    async def data(self, content: bytes) -> tuple[int, str]:
        client = self._require()
        try:
            reply = await client.data(content)
        except BaseException as error:
            raise await self._failed(error, "message") from error
        return reply.code, f"{reply.code} {reply.message}"

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await client.quit()
            client.close()

    def _require(self) -> aiosmtplib.SMTP:
        if self._client is None or not self._client.is_connected:
            raise SmtpFailure(temporary=True, error="not connected", connection=True)
        return self._client

    async def _failed(self, error: BaseException, stage: str) -> SmtpFailure:
        failure = _classify(error, stage)
        if failure.connection:
            await self.close()
        else:
            await self._reset()
        return failure

    async def _reset(self) -> None:
        """Clears the envelope after a refusal; a connection that cannot do that is dropped."""
        if self._client is None:
            return
        try:
            await self._client.rset()
        except Exception:
            await self.close()
