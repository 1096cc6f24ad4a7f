"""Mailer service settings (env prefix MAILER_)."""

from __future__ import annotations

from aquaerp_runtime.settings import ServiceSettings
from pydantic import BaseModel, model_validator
from pydantic_settings import SettingsConfigDict


class CompanyBranding(BaseModel):
    """Who the emails come from, as shown in every template (MAILER_COMPANY as JSON, or
    MAILER_COMPANY__NAME=... per field)."""

    name: str = "AquaERP Piscines"
    address: str = "12 rue des Tilleuls, 69003 Lyon"
    phone: str = "04 78 00 00 00"
    email: str = "contact@aquaerp.local"
    website: str = ""
    logo_url: str = ""
    # Legal mentions printed at the bottom of every email (legal form, capital, RCS, SIRET, VAT).
    legal_footer: str = "SAS au capital de 10 000 € · RCS Lyon 123 456 789 · TVA FR12123456789"
    # Bank details shown with invoices and reminders.
    iban: str = "FR76 3000 6000 0112 3456 7890 189"
    bic: str = "AGRIFRPP"


class MailerSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="MAILER_", env_nested_delimiter="__", extra="ignore"
    )

    company: CompanyBranding = CompanyBranding()

    # Envelope sender and From header.
    from_address: str = "factures@aquaerp.local"
    reply_to: str = ""
    # Right-hand side of the deterministic Message-ID (<hash@mail_domain>) and of calendar UIDs.
    mail_domain: str = "aquaerp.local"

    # SMTP relay (the provider). STARTTLS is required when smtp_starttls is true; smtp_tls is
    # implicit TLS (port 465). Both off only for the local sink.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_tls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_validate_certs: bool = True
    # CA certificates (PEM file) to verify the server with, instead of the system's.
    smtp_ca_file: str = ""
    # Seconds for connecting and for each SMTP command.
    smtp_timeout: float = 30.0
    # Name of the provider, the key of its shared send-rate bucket.
    smtp_provider: str = "default"
    # Messages per second for all replicas together, and the burst; 0 means no limit.
    send_rate_per_second: float = 0.0
    send_rate_burst: int = 50

    # Run the delivery worker in this process.
    worker_enabled: bool = True
    # SMTP connections per process, each sending its own claimed messages.
    smtp_connections: int = 3
    # Messages claimed at once per connection.
    claim_batch_size: int = 10
    # A claimed message belongs to its sender this long; after that another sender may take it.
    lease_seconds: float = 120.0
    # Messages that may be accepted by the SMTP server and not yet recorded as sent, per
    # process. A crash resends at most this many messages; 1 bounds duplicates to one per crash.
    max_unrecorded_per_process: int = 1
    # Idle wait between polls when there is nothing to send.
    poll_interval: float = 0.5
    # Backoff after a temporary failure: base * 2^(attempt-1), capped, with jitter in [50%, 100%].
    retry_base_delay: float = 30.0
    retry_max_delay: float = 3600.0
    # After this many attempts a temporary failure becomes permanent.
    max_attempts: int = 12

    # Inline attachments of one message together, and any message as sent, in bytes.
    max_inline_attachment_bytes: int = 10 * 1024 * 1024
    max_message_bytes: int = 25 * 1024 * 1024

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> MailerSettings:
        # A sender starts no send later than lease - 2 x timeout after its claim.
        if self.lease_seconds <= 2 * self.smtp_timeout + 1:
            raise ValueError("lease_seconds must exceed 2 x smtp_timeout + 1")
        return self
