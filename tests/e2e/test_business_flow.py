"""The business flow end to end on the local stack: `aquaerp up` with every service as a real
process, a real PostgreSQL and the development SMTP sink.

A contract with a monthly plan is activated; its visits appear (contract-activated
workflow); a technician is assigned (the appointment email) and completes one with a billable
part; the intervention is invoiced (intervention-completed) and the invoice email with its
Factur-X PDF reaches the sink (invoice-issued); the monthly billing run invoices the contract
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

import asyncio
import email
import email.policy
import io
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import grpc
import pytest
import pytest_asyncio
from aquaerp_runtime.postgres import with_database
from aquaerp_runtime.service import service_names
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc

PARIS = ZoneInfo("Europe/Paris")
REQUIRED = ("auth", "contrat", "intervention", "facture", "mailer", "workflow")
MISSING = [name for name in REQUIRED if name not in service_names()]
ADMIN_EMAIL = "admin@e2e.aquaerp.local"
ADMIN_PASSWORD = "an end-to-end passphrase 2026"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1200),
    pytest.mark.skipif(bool(MISSING), reason=f"services not installed yet: {', '.join(MISSING)}"),
]

if not MISSING:
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


# -- the local stack as real processes ------------------------------------------------------
def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_block(size: int) -> int:
    for _ in range(200):
        base = random.randrange(20_000, 60_000 - size)
        if all(_port_free(base + offset) for offset in range(size)):
            return base
    raise RuntimeError("no free block of ports")


class LocalStack:
    """`aquaerp up` in a subprocess, with its own database, ports and data directory."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.database_url = database_url
        self.data_dir = data_dir
        base = _free_block(40)
        self.grpc_base, self.metrics_base = base, base + 10
        self.http_port, self.smtp_port = base + 20, base + 21
        self.process: asyncio.subprocess.Process | None = None
        self.output: list[str] = []
        self.services: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    def port(self, service: str) -> int:
        return self.grpc_base + self.services.index(service)

    def target(self, service: str) -> str:
        return f"127.0.0.1:{self.port(service)}"

    async def start(self) -> None:
        env = {
            **os.environ,
            "AQUAERP_DATABASE_URL": self.database_url,
            "AQUAERP_DATA_DIR": str(self.data_dir),
            "AQUAERP_ADMIN_EMAIL": ADMIN_EMAIL,
            "AQUAERP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        }
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "aquaerp_runtime.stack.cli",
            "up",
            "--port",
            str(self.http_port),
            "--grpc-base-port",
            str(self.grpc_base),
            "--metrics-base-port",
            str(self.metrics_base),
            "--smtp-port",
            str(self.smtp_port),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        ready = asyncio.Event()

        async def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            async for raw in self.process.stdout:
                line = raw.decode(errors="replace").rstrip()
                self.output.append(line)
                if line.startswith("services: "):
                    self.services = line.removeprefix("services: ").split(", ")
                if line == "AquaERP is running.":
                    ready.set()
            ready.set()

        self._reader = asyncio.create_task(read())
        await asyncio.wait_for(ready.wait(), 240)
        if self.process.returncode is not None or not self.services:
            raise AssertionError("aquaerp up failed:\n" + "\n".join(self.output[-60:]))

    def service_pid(self, service: str) -> int:
        assert self.process is not None
        listing = subprocess.run(
            ["ps", "-o", "pid=,args=", "--ppid", str(self.process.pid)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for line in listing.splitlines():
            pid, _, args = line.strip().partition(" ")
            if args.endswith(f"-m aquaerp_{service}"):
                return int(pid)
        raise AssertionError(f"no {service} process under the stack:\n{listing}")

    async def restart(self, service: str) -> None:
        """SIGTERM to one service process; the stack starts it again. Returns once it serves."""
        pid = self.service_pid(service)
        os.kill(pid, signal.SIGTERM)
        for _ in range(300):
            await asyncio.sleep(0.1)
            try:
                if self.service_pid(service) != pid and await self.serving(service):
                    return
            except AssertionError:
                continue
        raise AssertionError(f"{service} did not come back")

    async def serving(self, service: str) -> bool:
        async with grpc.aio.insecure_channel(self.target(service)) as channel:
            try:
                answer = await health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=1
                )
            except grpc.aio.AioRpcError:
                return False
        return answer.status == health_pb2.HealthCheckResponse.SERVING

    def emails(self) -> list[EmailMessage]:
        folder = self.data_dir / "mail"
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for path in sorted(folder.glob("*.eml"))
        ]

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 60)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._reader is not None:
            await self._reader


@pytest_asyncio.fixture
async def local_stack(postgres_server_url: str, tmp_path: Path) -> AsyncIterator[LocalStack]:
    database = with_database(postgres_server_url, f"aquaerp_e2e_{secrets.token_hex(4)}")
    stack = LocalStack(database, tmp_path / "stack")
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
    """Polls `check` until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            details = await explain() if explain else ""
            raise AssertionError(f"gave up waiting for {what}{details}")
        await asyncio.sleep(0.5)


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {
        part.get_filename() or part.get_content_type(): part.get_payload(decode=True)
        for part in message.iter_attachments()
    }


def embedded_files(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return sorted(PdfReader(io.BytesIO(pdf)).attachments)


Checkpoint = Callable[[str], Awaitable[None]]


async def no_restart(phase: str) -> None:
    return None


# -- the flow -------------------------------------------------------------------------------
async def business_flow(stack: LocalStack, checkpoint: Checkpoint) -> dict[str, Any]:
    """Runs the flow; `checkpoint(phase)` is awaited between phases. Returns what it made."""
    auth_channel = grpc.aio.insecure_channel(stack.target("auth"))
    auth = auth_pb2_grpc.AuthServiceStub(auth_channel)
    login = await auth.Login(auth_pb2.LoginRequest(email=ADMIN_EMAIL, password=ADMIN_PASSWORD))
    admin = (("authorization", f"Bearer {login.tokens.access_token}"),)
    channels = {name: grpc.aio.insecure_channel(stack.target(name)) for name in REQUIRED}
    contrat = contrat_pb2_grpc.ContratServiceStub(channels["contrat"])
    intervention = intervention_pb2_grpc.InterventionServiceStub(channels["intervention"])
    facture = facture_pb2_grpc.FactureServiceStub(channels["facture"])
    workflow = workflow_pb2_grpc.WorkflowServiceStub(channels["workflow"])
    today = datetime.now(PARIS).date()

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
        signed = stamp(datetime.now(UTC))
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

        # 4. The part is invoiced and the invoice emailed with its Factur-X PDF.
        async def invoices() -> list[Any]:
            answer = await facture.ListInvoices(
                fpb.ListInvoicesRequest(
                    customer_id=customer.id, page=common_pb2.PageRequest(page_size=100)
                ),
                metadata=admin,
            )
            return [i for i in answer.invoices if i.number]

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

        billing_args = {"period_start": "{{ run.scheduled_date }}"}
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

        # Let anything late (a duplicate) arrive before counting.
        await asyncio.sleep(10)
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
    ):
        if subject.startswith(prefix):
            return kind
    return subject


EXPECTED_SUBJECTS = ["appointment", "invoice", "invoice"]


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
    plan = {service: rng.choice(phases) for service in REQUIRED}

    async def restart_planned(phase: str) -> None:
        for service, when in plan.items():
            if when == phase:
                await local_stack.restart(service)

    outcome = await business_flow(local_stack, restart_planned)
    assert outcome["invoice_count"] == 2, plan
    assert outcome["subjects"] == EXPECTED_SUBJECTS, plan
    assert len(set(outcome["message_ids"])) == len(outcome["message_ids"]), plan
