"""The business flow end to end on the local stack: `aquaerp up` with every service as a real
process, a real PostgreSQL and the development SMTP sink.

A contract with a monthly plan is activated; its visits appear (contract-activated
workflow); a technician is assigned (the appointment email) and completes one with a billable
part; the intervention's invoice waits as a draft in the review queue (intervention-completed),
the office issues it and the invoice email with its Factur-X PDF reaches the sink
(invoice-issued); the monthly billing run invoices the contract
and that invoice is emailed too.

The monthly billing workflow runs on the 1st of the month: to reach that point within a test,
the test adds a definition calling facture.StartBillingRun the same way every minute. The
event-driven workflows run exactly as shipped.

The last part of the flow, an invoice unpaid past due and the daily cron's reminder, needs 45
days to pass, which real processes on the system clock cannot do (facture refuses to run
dunning for a future day): `test_dunning_flow.py` runs that part with the same services in one
process, facture on a clock the test moves forward.

The second test does the same while each service is restarted once at a random point, and
must end with exactly the same documents and emails: nothing lost, nothing twice.
"""

from __future__ import annotations

import io
import random
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import grpc
import pyotp
import pytest
import pytest_asyncio
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp.facture.v1 import facture_pb2 as fpb
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp.intervention.v1 import intervention_pb2 as ipb
from aquaerp.intervention.v1 import intervention_pb2_grpc
from aquaerp.workflow.v1 import workflow_pb2 as wpb
from aquaerp.workflow.v1 import workflow_pb2_grpc
from aquaerp_runtime.clock import SYSTEM_CLOCK
from aquaerp_runtime.postgres import with_database
from aquaerp_runtime.service import service_names
from aquaerp_runtime.testing import polling
from google.protobuf.timestamp_pb2 import Timestamp

from .stack import LocalStack

PARIS = ZoneInfo("Europe/Paris")
# Every installed service takes part (the stack starts them all).
SERVICES = tuple(service_names())
ADMIN_EMAIL = "admin@e2e.aquaerp.local"
ADMIN_PASSWORD = "an end-to-end passphrase 2026"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1200),
]


@pytest_asyncio.fixture
async def local_stack(postgres_server_url: str, tmp_path: Path) -> AsyncIterator[LocalStack]:
    database = with_database(postgres_server_url, f"aquaerp_e2e_{secrets.token_hex(4)}")
    stack = LocalStack(
        database, tmp_path / "stack", admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD
    )
    try:
        await stack.start()
        yield stack
    finally:
        await stack.stop()


# -- helpers ------------------------------------------------------------------------------
def day(value: date) -> common_pb2.Date:
    return common_pb2.Date(year=value.year, month=value.month, day=value.day)


def stamp(value: datetime) -> Timestamp:
    result = Timestamp()
    result.FromDatetime(value)
    return result


def png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 40, 12, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff" * 40 for _ in range(12)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def eventually(
    check: Callable[[], Awaitable[Any]],
    what: str,
    within: float = 180,
    explain: Callable[[], Awaitable[str]] | None = None,
) -> Any:
    """Polls `check` until it returns something truthy; the failure says what else went wrong."""
    try:
        return await polling.eventually(check, timeout=within, interval=0.5, what=what)
    except AssertionError as error:
        details = await explain() if explain else ""
        raise AssertionError(f"{error}{details}") from None


def attachments(message: EmailMessage) -> dict[str, bytes]:
    found = {}
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes), part.get_content_type()
        found[part.get_filename() or part.get_content_type()] = payload
    return found


def embedded_files(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return sorted(PdfReader(io.BytesIO(pdf)).attachments)


Checkpoint = Callable[[str], Awaitable[None]]


async def no_restart(phase: str) -> None:
    return None


async def admin_with_second_factor(auth: auth_pb2_grpc.AuthServiceStub) -> str:
    """The administrator's access token: administrators must use a second factor (the shipped
    AUTH_MFA_REQUIRED_ROLES), so the first login enrols TOTP and logs in again with a code."""
    credentials = auth_pb2.LoginRequest(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    first = await auth.Login(credentials)
    if first.WhichOneof("result") == "tokens":
        enrolling = (("authorization", f"Bearer {first.tokens.access_token}"),)
        secret = (await auth.EnrollTotp(auth_pb2.EnrollTotpRequest(), metadata=enrolling)).secret
        step = int(SYSTEM_CLOCK.timestamp()) // 30
        await auth.ConfirmTotp(
            auth_pb2.ConfirmTotpRequest(code=pyotp.TOTP(secret).at(step * 30)), metadata=enrolling
        )
        challenge = (await auth.Login(credentials)).mfa_required.mfa_token
        # The next step's code: the current one was just used, each is accepted once.
        tokens = await auth.VerifyMfa(
            auth_pb2.VerifyMfaRequest(
                mfa_token=challenge, code=pyotp.TOTP(secret).at((step + 1) * 30)
            )
        )
        return str(tokens.access_token)
    raise AssertionError("the stack's administrator already has a second factor")


# -- the flow -------------------------------------------------------------------------------
async def business_flow(stack: LocalStack, checkpoint: Checkpoint) -> dict[str, Any]:
    """Runs the flow; `checkpoint(phase)` is awaited between phases. Returns what it made."""
    auth_channel = grpc.aio.insecure_channel(stack.target("auth"))
    auth = auth_pb2_grpc.AuthServiceStub(auth_channel)
    admin = (("authorization", f"Bearer {await admin_with_second_factor(auth)}"),)
    channels = {name: grpc.aio.insecure_channel(stack.target(name)) for name in SERVICES}
    contrat = contrat_pb2_grpc.ContratServiceStub(channels["contrat"])
    intervention = intervention_pb2_grpc.InterventionServiceStub(channels["intervention"])
    facture = facture_pb2_grpc.FactureServiceStub(channels["facture"])
    workflow = workflow_pb2_grpc.WorkflowServiceStub(channels["workflow"])
    # The stack's services run on the system clock: the test reads the same one.
    today = SYSTEM_CLOCK.today()

    async def failed_runs() -> str:
        answer = await workflow.ListRuns(
            wpb.ListRunsRequest(state=wpb.RUN_STATE_FAILED), metadata=admin
        )
        return "".join(f"\n  failed run {r.definition}: {r.error}" for r in answer.runs)

    def wait(check: Callable[[], Awaitable[Any]], what: str, within: float = 180) -> Awaitable[Any]:
        return eventually(check, what, within, explain=failed_runs)

    billing_email = f"compta-{secrets.token_hex(3)}@flamants.example"
    try:
        # 1. Customer, site, contract with a monthly plan, activated.
        address = common_pb2.Address(
            lines=["12 avenue de la Mer"],
            postal_code="34250",
            city="Palavas-les-Flots",
            country="FR",
        )
        customer = await contrat.CreateCustomer(
            cpb.CreateCustomerRequest(
                customer=cpb.CustomerInput(
                    type=cpb.CUSTOMER_TYPE_BUSINESS,
                    name="Hôtel Les Flamants Roses",
                    legal_form="SAS",
                    siren="732829320",
                    siret="73282932000009",
                    vat_number="FR44732829320",
                    billing_address=address,
                    billing_contact_name="Claire Fabre",
                    billing_email=billing_email,
                )
            ),
            metadata=admin,
        )
        site = await contrat.CreateSite(
            cpb.CreateSiteRequest(
                customer_id=customer.id,
                site=cpb.SiteInput(
                    name="Piscine de l'hôtel",
                    address=address,
                    geo=common_pb2.GeoPoint(latitude=43.5283, longitude=3.9275),
                ),
            ),
            metadata=admin,
        )
        draft = await contrat.CreateContract(
            cpb.CreateContractRequest(
                contract=cpb.ContractInput(
                    customer_id=customer.id,
                    site_ids=[site.id],
                    lines=[
                        cpb.ContractLineInput(
                            product_code="ENT-PISC",
                            label="Entretien piscine",
                            quantity="1",
                            unit_price=common_pb2.Money(amount_cents=18000, currency="EUR"),
                            vat_rate="20",
                        )
                    ],
                    billing_frequency=cpb.BILLING_FREQUENCY_MONTHLY,
                    billing_timing=cpb.BILLING_TIMING_IN_ADVANCE,
                    payment_terms=cpb.PaymentTerms(days=30),
                    start_date=day(today.replace(day=1)),
                    sla_hours=24,
                    plans=[
                        cpb.MaintenancePlan(
                            site_id=site.id,
                            label="Entretien piscine",
                            description="Nettoyage, analyse de l'eau, réglage du traitement",
                            rrule=f"FREQ=MONTHLY;BYMONTHDAY={today.day}",
                            time_window=cpb.TimeWindow(start="08:00", end="12:00"),
                            duration_minutes=60,
                            required_skill="piscine",
                        )
                    ],
                )
            ),
            metadata=admin,
        )
        contract = await contrat.ActivateContract(
            cpb.ActivateContractRequest(id=draft.id), metadata=admin
        )
        await checkpoint("contract activated")

        # 2. The contract-activated workflow plans the visits.
        async def visits() -> list[Any]:
            answer = await intervention.ListInterventions(
                ipb.ListInterventionsRequest(
                    contract_id=contract.id, page=common_pb2.PageRequest(page_size=100)
                ),
                metadata=admin,
            )
            return list(answer.interventions)

        planned = await wait(visits, "the visits of the contract")
        visit = min(
            planned, key=lambda v: (v.planned_date.year, v.planned_date.month, v.planned_date.day)
        )
        await checkpoint("visits planned")

        # 3. A technician does the visit and uses a billable part.
        user = await auth.CreateUser(
            auth_pb2.CreateUserRequest(
                email=f"tech-{secrets.token_hex(3)}@e2e.aquaerp.local",
                display_name="Léa Roussel",
                password="technician passphrase 2026",
                roles=[auth_pb2.ROLE_TECHNICIEN],
            ),
            metadata=admin,
        )
        tech_login = await auth.Login(
            auth_pb2.LoginRequest(email=user.email, password="technician passphrase 2026")
        )
        technician_credentials = (("authorization", f"Bearer {tech_login.tokens.access_token}"),)
        technician = await intervention.CreateTechnician(
            ipb.CreateTechnicianRequest(
                user_id=user.id,
                display_name="Léa Roussel",
                skills=["piscine"],
                working_hours=[
                    ipb.WorkingPeriod(
                        weekday=weekday, start=ipb.TimeOfDay(hours=7), end=ipb.TimeOfDay(hours=19)
                    )
                    for weekday in range(1, 8)
                ],
                home_base=common_pb2.GeoPoint(latitude=43.6108, longitude=3.8767),
            ),
            metadata=admin,
        )
        visit_day = date(visit.planned_date.year, visit.planned_date.month, visit.planned_date.day)
        await intervention.AssignIntervention(
            ipb.AssignInterventionRequest(
                id=visit.id,
                technician_id=technician.id,
                scheduled_start=stamp(
                    datetime.combine(visit_day, datetime.min.time(), PARIS).replace(hour=9)
                ),
            ),
            metadata=admin,
        )
        await checkpoint("visit assigned")
        await intervention.StartIntervention(
            ipb.StartInterventionRequest(id=visit.id), metadata=technician_credentials
        )
        await intervention.SaveReport(
            ipb.SaveReportRequest(
                id=visit.id,
                measurements=ipb.Measurements(ph=7.3, free_chlorine_mg_l=1.2, temperature_c=24.5),
                actions=["Nettoyage du skimmer", "Remplacement du joint de pompe"],
                parts=[
                    ipb.PartUsed(
                        description="Joint de couvercle de pompe",
                        product_code="JNT-PMP",
                        quantity="1",
                        unit="pièce",
                        unit_price=common_pb2.Money(amount_cents=3490, currency="EUR"),
                        billable=True,
                    )
                ],
                time_spent_minutes=50,
            ),
            metadata=technician_credentials,
        )
        signed = stamp(SYSTEM_CLOCK.now())
        await intervention.CompleteIntervention(
            ipb.CompleteInterventionRequest(
                id=visit.id,
                customer_signature=ipb.Signature(
                    signer_name="Claire Fabre", signed_at=signed, png=png()
                ),
                technician_signature=ipb.Signature(
                    signer_name="Léa Roussel", signed_at=signed, png=png()
                ),
            ),
            metadata=technician_credentials,
        )
        await checkpoint("visit completed")

        # 4. The part's invoice waits in the review queue as a draft; issued from there, it is
        # emailed with its Factur-X PDF.
        async def invoices() -> list[Any]:
            answer = await facture.ListInvoices(
                fpb.ListInvoicesRequest(
                    customer_id=customer.id, page=common_pb2.PageRequest(page_size=100)
                ),
                metadata=admin,
            )
            return [i for i in answer.invoices if i.number]

        async def review_queue() -> list[Any]:
            answer = await facture.ListInvoices(
                fpb.ListInvoicesRequest(
                    customer_id=customer.id,
                    source=fpb.INVOICE_SOURCE_INTERVENTION,
                    statuses=[fpb.INVOICE_STATUS_DRAFT],
                ),
                metadata=admin,
            )
            return list(answer.invoices)

        [queued] = await wait(review_queue, "the intervention's draft in the review queue")
        assert await invoices() == []
        await facture.IssueInvoice(fpb.IssueInvoiceRequest(id=queued.id), metadata=admin)
        [intervention_invoice] = await wait(invoices, "the invoice of the intervention")

        def mails_to_customer() -> list[EmailMessage]:
            return [m for m in stack.emails() if billing_email in str(m["To"])]

        async def invoice_mail() -> list[EmailMessage]:
            return [
                m for m in mails_to_customer() if intervention_invoice.number in str(m["Subject"])
            ]

        [mail] = await wait(invoice_mail, "the invoice email in the sink")
        pdfs = [data for name, data in attachments(mail).items() if name.endswith(".pdf")]
        assert len(pdfs) == 1, attachments(mail).keys()
        assert embedded_files(pdfs[0]) == ["factur-x.xml"]
        await checkpoint("intervention invoiced")

        # 5. The monthly billing run invoices the contract.
        async def cron_definition(
            name: str, call: str, args: dict[str, str], enabled: bool
        ) -> None:
            spec = {
                "description": "End-to-end test: the shipped cron workflow, every minute.",
                "trigger": {"cron": "* * * * *", "timezone": "Europe/Paris"},
                "steps": [
                    {
                        "name": "call",
                        "call": call,
                        "args": args,
                        "retry": {"attempts": 5, "backoff_seconds": 2},
                        "timeout_seconds": 120,
                    }
                ],
                "enabled": enabled,
            }
            message = wpb.DefinitionSpec()
            from google.protobuf import json_format

            json_format.ParseDict(spec, message)
            await workflow.UpsertDefinition(
                wpb.UpsertDefinitionRequest(name=name, spec=message), metadata=admin
            )

        billing_args = {"up_to": "{{ run.scheduled_date }}"}
        await cron_definition("e2e-monthly-billing", "facture.StartBillingRun", billing_args, True)
        contract_invoices = await wait(
            lambda: _contract_invoices(invoices, contract.id), "the contract invoice", within=240
        )
        await cron_definition("e2e-monthly-billing", "facture.StartBillingRun", billing_args, False)
        [contract_invoice] = contract_invoices
        await wait(
            lambda: _async(
                [m for m in mails_to_customer() if contract_invoice.number in str(m["Subject"])]
            ),
            "the contract invoice email",
        )
        await checkpoint("contract billed")

        # The visit's service report: a restart during its workflow delays it by a step's
        # backoff (up to 120 s for the send), it never loses it.
        async def service_report_mail() -> list[EmailMessage]:
            return [
                m
                for m in mails_to_customer()
                if _subject_kind(str(m["Subject"])) == "service-report"
            ]

        await wait(service_report_mail, "the service report email", within=330)

        # Nothing late arrives (a duplicate invoice or email) before counting.
        counted = (len(await invoices()), len(mails_to_customer()))

        async def unchanged() -> bool:
            return (len(await invoices()), len(mails_to_customer())) == counted

        await polling.consistently(unchanged, during=10, what="no late invoice or email")
        final_invoices = await invoices()
        final_mails = mails_to_customer()
        return {
            "invoices": sorted(
                (i.source, i.total_including_vat.amount_cents) for i in final_invoices
            ),
            "invoice_count": len(final_invoices),
            "subjects": sorted(_subject_kind(str(m["Subject"])) for m in final_mails),
            "message_ids": [str(m["Message-ID"]) for m in final_mails],
        }
    finally:
        await auth_channel.close()
        for channel in channels.values():
            await channel.close()


async def _async(value: Any) -> Any:
    return value


async def _contract_invoices(
    invoices: Callable[[], Awaitable[list[Any]]], contract_id: str
) -> list[Any]:
    return [
        i
        for i in await invoices()
        if i.contract_id == contract_id and i.source == fpb.INVOICE_SOURCE_BILLING_RUN
    ]


def _subject_kind(subject: str) -> str:
    for prefix, kind in (
        ("Votre facture", "invoice"),
        ("Rappel", "reminder"),
        ("Votre rendez-vous", "appointment"),
        ("Mise en demeure", "formal-notice"),
        ("Rapport d'intervention", "service-report"),
    ):
        if subject.startswith(prefix):
            return kind
    return subject


# The visit's appointment, its service report, the part's invoice and the contract's invoice.
EXPECTED_SUBJECTS = ["appointment", "invoice", "invoice", "service-report"]


async def test_business_flow(local_stack: LocalStack) -> None:
    outcome = await business_flow(local_stack, no_restart)
    assert outcome["invoice_count"] == 2
    assert outcome["subjects"] == EXPECTED_SUBJECTS
    assert len(set(outcome["message_ids"])) == len(outcome["message_ids"])


async def test_business_flow_survives_a_restart_of_each_service(local_stack: LocalStack) -> None:
    phases = [
        "contract activated",
        "visits planned",
        "visit assigned",
        "visit completed",
        "intervention invoiced",
        "contract billed",
    ]
    rng = random.Random()
    plan = {service: rng.choice(phases) for service in SERVICES}

    async def restart_planned(phase: str) -> None:
        for service, when in plan.items():
            if when == phase:
                await local_stack.restart(service)

    outcome = await business_flow(local_stack, restart_planned)
    assert outcome["invoice_count"] == 2, plan
    assert outcome["subjects"] == EXPECTED_SUBJECTS, plan
    assert len(set(outcome["message_ids"])) == len(outcome["message_ids"]), plan
