"""GDPR rights of a customer, orchestrated from contrat (the customer's owner).

Export (art. 15): contrat's records and each other service's ExportPersonalData.
Erasure (art. 17): each service holding data on the customer erases its own rows first
(ErasePersonalData, idempotent), contrat last; a failure leaves the customer as it was in
contrat, so the office retries and the services already done change nothing more. Issued
invoices, payments and the FEC keep their legal content (facture decides, see its module).
Retention: customers with no live contract and no contact for three years are erased the same
way by the `privacy-retention` workflow.

Each export and erasure is audited: a structured log line and an outbox event without
personal data (`contrat.customer.personal_data_exported`, `contrat.customer.erased`) that the
workflow service keeps in its event log. The platform's audit trail (auth's RecordAuditEvent)
is called through `AUDIT_TRAIL` when the auth API has it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp.intervention.v1 import intervention_pb2_grpc
from aquaerp.mailer.v1 import mailer_pb2_grpc
from aquaerp.workflow.v1 import workflow_pb2_grpc
from aquaerp_runtime.authz import current_principal, require_roles
from aquaerp_runtime.clock import BUSINESS_TZ, Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from aquaerp_runtime.outbox import record_event
from aquaerp_runtime.personal_data import Scrubber, pseudonym_of, records_json
from sqlalchemy.ext.asyncio import AsyncSession

from .models import outbox
from .repository.privacy import PrivacyRecords
from .service.access import MANAGERS, parse_id

log = logging.getLogger(__name__)

# Prospects: three years after the last contact (CNIL's reference for customer and prospect
# management); customers: five years after the last contract (intermediate archive).
PROSPECT_RETENTION_YEARS = 3
CUSTOMER_RETENTION_YEARS = 5
RETENTION_REASON = "durée de conservation écoulée"

Export = Callable[[common_pb2.ExportPersonalDataRequest], Awaitable[common_pb2.PersonalDataExport]]
Erase = Callable[
    [common_pb2.ErasePersonalDataRequest], Awaitable[common_pb2.ErasePersonalDataResponse]
]


@dataclass(frozen=True)
class Peer:
    """Another service holding personal data on customers."""

    name: str
    export: Export
    erase: Erase


def grpc_peers(channel: Callable[[str], grpc.aio.Channel]) -> list[Peer]:
    """The services holding customer data, over channels carrying contrat's account (opened
    on first use)."""

    def facture() -> facture_pb2_grpc.FactureServiceStub:
        return facture_pb2_grpc.FactureServiceStub(channel("facture"))

    def intervention() -> intervention_pb2_grpc.InterventionServiceStub:
        return intervention_pb2_grpc.InterventionServiceStub(channel("intervention"))

    def mailer() -> mailer_pb2_grpc.MailerServiceStub:
        return mailer_pb2_grpc.MailerServiceStub(channel("mailer"))

    def workflow() -> workflow_pb2_grpc.WorkflowServiceStub:
        return workflow_pb2_grpc.WorkflowServiceStub(channel("workflow"))

    return [
        Peer(
            "facture",
            lambda r: facture().ExportPersonalData(r),
            lambda r: facture().ErasePersonalData(r),
        ),
        Peer(
            "intervention",
            lambda r: intervention().ExportPersonalData(r),
            lambda r: intervention().ErasePersonalData(r),
        ),
        Peer(
            "mailer",
            lambda r: mailer().ExportPersonalData(r),
            lambda r: mailer().ErasePersonalData(r),
        ),
        # Last: the events the others emitted while erasing are in its log by then.
        Peer(
            "workflow",
            lambda r: workflow().ExportPersonalData(r),
            lambda r: workflow().ErasePersonalData(r),
        ),
    ]


@dataclass(frozen=True)
class CustomerExport:
    customer_id: str
    customer_code: str
    exported_at: datetime
    parts: list[common_pb2.PersonalDataExport]


@dataclass(frozen=True)
class Consent:
    """Marketing consent of a customer, its service report opt-out, and when it was erased."""

    marketing: bool
    changed_at: datetime | None
    source: str
    erased_at: datetime | None
    service_report_opt_out: bool = False


@dataclass(frozen=True)
class Erasure:
    customer_id: uuid.UUID
    erased_at: datetime


def _values_of(customer: Mapping[str, Any], sites: Sequence[Mapping[str, Any]]) -> list[str]:
    """The person's values other services may hold in free texts. Cities and postal codes
    are shared by many people and stay."""
    values: list[str] = []
    for key in ("name", "billing_contact_name", "billing_email", "phone"):
        values.append(str(customer[key]))
    values.extend(str(line) for line in customer["billing_address_lines"] or [])
    for site in sites:
        values.append(str(site["name"]))
        values.extend(str(line) for line in site["address_lines"] or [])
        values.extend((str(site["access_notes"]), str(site["gate_code"])))
    return values


class CustomerPrivacy:
    def __init__(self, database: Database, clock: Clock, peers: Sequence[Peer]) -> None:
        self.database = database
        self.clock = clock
        self.peers = list(peers)
        # The platform audit trail (auth.RecordAuditEvent), set by the app when available.
        self.audit_trail: Callable[[str, str, dict[str, str]], Awaitable[None]] | None = None

    async def _audit(
        self, session: AsyncSession, action: str, customer_id: uuid.UUID, details: dict[str, str]
    ) -> None:
        principal = current_principal()
        actor = principal.subject or ("service" if principal.is_service else "")
        payload = {"customer_id": str(customer_id), "actor": actor, **details}
        await record_event(
            session, outbox, f"contrat.customer.{action}", "customer", str(customer_id), payload
        )
        log.info("privacy.%s", action, extra={"audit": payload})
        if self.audit_trail is not None:
            await self.audit_trail(action, actor, payload)

    # -- export ----------------------------------------------------------------------------
    async def own_records(self, customer_id: str) -> common_pb2.PersonalDataExport:
        require_roles()
        key = parse_id(customer_id, "customer")
        async with self.database.unit_of_work() as session:
            records = await PrivacyRecords(session).export(key)
        return common_pb2.PersonalDataExport(service="contrat", records_json=records_json(records))

    async def export_customer(self, customer_id: str) -> CustomerExport:
        require_roles(*MANAGERS)
        key = parse_id(customer_id, "customer")
        async with self.database.unit_of_work() as session:
            repo = PrivacyRecords(session)
            customer = await repo.customer(key)
            if customer is None:
                raise NotFound("customer not found")
            parts = [
                common_pb2.PersonalDataExport(
                    service="contrat", records_json=records_json(await repo.export(key))
                )
            ]
            values = _values_of(dict(customer), [dict(s) for s in await repo.sites_of(key)])
        request = common_pb2.ExportPersonalDataRequest(customer_id=str(key), personal_values=values)
        for peer in self.peers:
            try:
                parts.append(await peer.export(request))
            except grpc.aio.AioRpcError as error:
                raise Unavailable(
                    f"the {peer.name} service could not export: {error.details()}"
                ) from None
        exported_at = self.clock.now()
        async with self.database.unit_of_work() as session:
            await self._audit(session, "personal_data_exported", key, {"code": customer["code"]})
        return CustomerExport(str(key), customer["code"], exported_at, parts)

    # -- erasure ---------------------------------------------------------------------------
    async def erase_customer(self, customer_id: str, reason: str) -> Erasure:
        require_roles(*MANAGERS)
        if not reason.strip():
            raise InvalidArgument("a reason is required", fields={"reason": "is required"})
        return await self._erase(parse_id(customer_id, "customer"), reason.strip())

    async def _erase(self, key: uuid.UUID, reason: str) -> Erasure:
        async with self.database.unit_of_work() as session:
            repo = PrivacyRecords(session)
            customer = await repo.customer(key)
            if customer is None:
                raise NotFound("customer not found")
            if customer["erased_at"] is not None:
                return Erasure(key, customer["erased_at"])
            if await repo.live_contract_count(key):
                raise FailedPrecondition(
                    "the customer has a live contract: terminate it before erasing the customer"
                )
            customer = dict(customer)
            sites = [dict(s) for s in await repo.sites_of(key)]
        pseudonym = pseudonym_of(customer["code"])
        values = _values_of(customer, sites)
        request = common_pb2.ErasePersonalDataRequest(
            customer_id=str(key), pseudonym=pseudonym, personal_values=values
        )
        for peer in self.peers:
            try:
                await peer.erase(request)
            except grpc.aio.AioRpcError as error:
                raise Unavailable(
                    f"the {peer.name} service could not erase: {error.details()}; "
                    "nothing is lost, erase again"
                ) from None
        now = self.clock.now()
        async with self.database.unit_of_work() as session:
            repo = PrivacyRecords(session)
            locked = await repo.customer(key, for_update=True)
            if locked is not None and locked["erased_at"] is not None:
                return Erasure(key, locked["erased_at"])
            await repo.anonymise(key, pseudonym, Scrubber(values, pseudonym), now)
            await self._audit(session, "erased", key, {"code": customer["code"], "reason": reason})
        return Erasure(key, now)

    # -- marketing consent -----------------------------------------------------------------
    async def record_consent(
        self, customer_id: str, consent: bool, source: str, service_report_opt_out: bool = False
    ) -> None:
        """Marketing e-mails, and the opt-out of service report e-mails; the caller has just
        created or updated the customer."""
        require_roles(*MANAGERS)
        key = parse_id(customer_id, "customer")
        async with self.database.unit_of_work() as session:
            records = PrivacyRecords(session)
            await records.set_consent(key, consent, source.strip(), self.clock.now())
            await records.set_service_report_opt_out(key, service_report_opt_out)

    async def consents(self, customer_ids: Sequence[str]) -> dict[str, Consent]:
        keys = [parse_id(i, "customer") for i in customer_ids]
        async with self.database.unit_of_work() as session:
            rows = await PrivacyRecords(session).consents(keys)
        return {
            str(key): Consent(
                row["marketing_consent"],
                row["marketing_consent_at"],
                row["marketing_consent_source"],
                row["erased_at"],
                row["service_report_opt_out"],
            )
            for key, row in rows.items()
        }

    # -- retention -------------------------------------------------------------------------
    async def apply_retention(self, as_of: date | None) -> dict[str, int]:
        require_roles()
        day = as_of or self.clock.today()

        def midnight(years: int) -> datetime:
            return datetime.combine(_years_before(day, years), datetime.min.time(), BUSINESS_TZ)

        async with self.database.unit_of_work() as session:
            candidates = await PrivacyRecords(session).retention_candidates(
                midnight(PROSPECT_RETENTION_YEARS), midnight(CUSTOMER_RETENTION_YEARS)
            )
        for key in candidates:
            await self._erase(key, RETENTION_REASON)
        log.info(
            "privacy.retention_applied",
            extra={
                "audit": {
                    "service": "contrat",
                    "as_of": day.isoformat(),
                    "customers_erased": len(candidates),
                }
            },
        )
        return {"customers": len(candidates)}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
