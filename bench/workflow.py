"""Events through the whole pipeline: a service's outbox -> its relay -> the workflow service
(Publish, run, worker) -> a no-op step on a downstream gRPC server. Events are produced at a
steady rate; the figures are the achieved events/s and the latency from the event's commit to
the step's call arriving downstream. The baseline, in the same run, is the raw Publish RPC
throughput for events that start no run.

    uv run python bench/workflow.py [--events 10000] [--rate 400]

The workflow service and auth run as their own processes (as deployed); the producer, the
relay and the downstream server share this process; PostgreSQL is the embedded server unless
AQUAERP_DATABASE_URL is set. Everything shares the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from datetime import UTC, datetime

import grpc
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.mailer.v1 import mailer_pb2, mailer_pb2_grpc
from aquaerp.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.db import Database
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.outbox import OutboxRelay, grpc_publisher, outbox_table
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.ports import free_port
from common import ADMIN_EMAIL, ADMIN_PASSWORD, ROOT, bench_database, start_process, wait_grpc
from sqlalchemy import MetaData, func, insert, select, text

SECRET = "bench-service-secret-0123456789"
EVENT_TYPE = "bench.order.placed"
NOISE_TYPE = "bench.order.noticed"

source_metadata = MetaData(schema="bench_source")
outbox = outbox_table(source_metadata)


class NoOpMailer(mailer_pb2_grpc.MailerServiceServicer):
    """The downstream step: answers at once and notes when each event's call arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.done = asyncio.Event()
        self.expected = 0

    async def SendInvoiceEmail(self, request, context):  # type: ignore[no-untyped-def]
        self.arrivals.setdefault(request.invoice_id, time.time())
        if len(self.arrivals) >= self.expected:
            self.done.set()
        return mailer_pb2.Email(id=request.invoice_id)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def baseline_publish(
    stub: workflow_pb2_grpc.WorkflowServiceStub, token: str, count: int
) -> float:
    """Events/s of Publish alone (200 per call, as the relay sends them), no run started."""
    batches = [
        [
            common_pb2.Event(
                id=str(uuid.uuid4()),
                type=NOISE_TYPE,
                source="bench",
                aggregate_type="order",
                aggregate_id=str(i),
                sequence=i,
                occurred_at=datetime.now(UTC).isoformat(),
                payload_json=json.dumps({"n": i}),
            )
            for i in range(start, min(count, start + 200))
        ]
        for start in range(0, count, 200)
    ]
    metadata = (("authorization", f"Bearer {token}"),)
    started = time.perf_counter()
    for batch in batches:
        await stub.Publish(common_pb2.PublishEventsRequest(events=batch), metadata=metadata)
    return count / (time.perf_counter() - started)


async def produce(
    database: Database, relay: OutboxRelay, prefix: str, count: int, rate: float
) -> None:
    """Writes `count` events into the outbox at `rate` per second (0: as fast as possible),
    one transaction every 20 ms (as a busy service's requests would, several per tick)."""
    tick = 0.02
    per_tick = max(1, round(rate * tick)) if rate else 500
    started = time.perf_counter()
    written = 0
    while written < count:
        batch = range(written, min(count, written + per_tick))
        async with database.unit_of_work() as session:
            await session.execute(
                insert(outbox).values(
                    [
                        {
                            "id": uuid.uuid4(),
                            "event_type": EVENT_TYPE,
                            "aggregate_type": "order",
                            "aggregate_id": f"{prefix}{n}",
                            "payload": {"n": f"{prefix}{n}"},
                        }
                        for n in batch
                    ]
                )
            )
        written += len(batch)
        relay.notify()
        delay = started + (written / per_tick) * tick - time.perf_counter()
        if rate and delay > 0:
            await asyncio.sleep(delay)


async def run_phase(
    source: Database, relay: OutboxRelay, mailer: NoOpMailer, prefix: str, count: int, rate: float
) -> tuple[float, list[float], float]:
    """Events/s (first commit -> last step call), latencies, and the production time."""
    mailer.arrivals.clear()
    mailer.done.clear()
    mailer.expected = count
    started = time.time()
    await produce(source, relay, prefix, count, rate)
    produced = time.time() - started
    await asyncio.wait_for(mailer.done.wait(), timeout=max(120.0, count / 20))
    finished = max(mailer.arrivals.values())
    async with source.unit_of_work() as session:
        rows = (
            await session.execute(
                select(outbox.c.aggregate_id, outbox.c.occurred_at).where(
                    outbox.c.aggregate_id.like(f"{prefix}%")
                )
            )
        ).all()
    latencies = [mailer.arrivals[key] - occurred.timestamp() for key, occurred in rows]
    return count / (finished - started), latencies, produced


def report(title: str, throughput: float, latencies: list[float]) -> None:
    print(
        f"{title:<34}{throughput:>8,.0f} events/s   event-to-step"
        f" p50 {statistics.median(latencies) * 1000:,.0f} ms"
        f"  p99 {percentile(latencies, 0.99) * 1000:,.0f} ms"
        f"  max {max(latencies) * 1000:,.0f} ms"
    )


async def main(events: int, rate: float) -> None:
    url = await bench_database("bench_workflow")
    for name in ("auth", "workflow"):
        spec = load_service(name)
        assert spec.migrations is not None
        await upgrade_async(spec.migrations, url, spec.schema)
    source = Database.from_url(url, pool_size=4)
    async with source.unit_of_work() as session:
        await session.execute(text('CREATE SCHEMA IF NOT EXISTS "bench_source"'))
    async with source.engine.begin() as connection:  # type: ignore[union-attr]
        await connection.run_sync(source_metadata.create_all)

    mailer = NoOpMailer()
    mailer.expected = events
    downstream = grpc.aio.server()
    mailer_pb2_grpc.add_MailerServiceServicer_to_server(mailer, downstream)
    downstream_port = downstream.add_insecure_port("127.0.0.1:0")
    await downstream.start()

    auth_port, workflow_port = free_port(), free_port()
    logs = ROOT / ".aquaerp" / "bench-logs"
    auth = start_process(
        ["-m", "aquaerp_auth"],
        {
            "AUTH_DATABASE_URL": url,
            "AUTH_GRPC_HOST": "127.0.0.1",
            "AUTH_GRPC_PORT": str(auth_port),
            "AUTH_SERVICE_ACCOUNTS": json.dumps({"workflow": SECRET, "bench": SECRET}),
            "AUTH_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
            "AUTH_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            # The benchmark's administrator works without a second factor.
            "AUTH_MFA_REQUIRED_ROLES": "",
            "AUTH_LOG_LEVEL": "WARNING",
        },
        logs / "auth.log",
    )
    workflow = start_process(
        ["-m", "aquaerp_workflow"],
        {
            "WORKFLOW_DATABASE_URL": url,
            "WORKFLOW_GRPC_HOST": "127.0.0.1",
            "WORKFLOW_GRPC_PORT": str(workflow_port),
            "WORKFLOW_TARGETS": json.dumps(
                {
                    "auth": f"ipv4:127.0.0.1:{auth_port}",
                    "mailer": f"ipv4:127.0.0.1:{downstream_port}",
                }
            ),
            "WORKFLOW_SERVICE_CLIENT_ID": "workflow",
            "WORKFLOW_SERVICE_CLIENT_SECRET": SECRET,
            "WORKFLOW_DEFINITIONS_DIR": "",
            "WORKFLOW_SCHEDULER_ENABLED": "false",
            "WORKFLOW_PUBLISH_EVENTS": "false",
            "WORKFLOW_LOG_LEVEL": "WARNING",
        },
        logs / "workflow.log",
    )
    try:
        await wait_grpc(auth_port)
        await wait_grpc(workflow_port)
        auth_channel = create_channel(f"ipv4:127.0.0.1:{auth_port}")
        auth_stub = auth_pb2_grpc.AuthServiceStub(auth_channel)
        admin = (
            await auth_stub.Login(auth_pb2.LoginRequest(email=ADMIN_EMAIL, password=ADMIN_PASSWORD))
        ).tokens.access_token
        service = (
            await auth_stub.IssueServiceToken(
                auth_pb2.IssueServiceTokenRequest(client_id="bench", client_secret=SECRET)
            )
        ).access_token

        async def credentials() -> str:
            return service

        channel = create_channel(f"ipv4:127.0.0.1:{workflow_port}", credentials=credentials)
        stub = workflow_pb2_grpc.WorkflowServiceStub(channel)
        await stub.UpsertDefinition(
            workflow_pb2.UpsertDefinitionRequest(
                name="bench-no-op",
                spec=workflow_pb2.DefinitionSpec(
                    trigger=workflow_pb2.Trigger(event=EVENT_TYPE),
                    steps=[
                        workflow_pb2.Step(
                            name="no-op",
                            call="mailer.SendInvoiceEmail",
                            retry=workflow_pb2.RetryPolicy(attempts=3, backoff_seconds=1),
                            timeout_seconds=10,
                        )
                    ],
                ),
            ),
            metadata=(("authorization", f"Bearer {admin}"),),
        )
        # The step's argument is templated: each event's own number.
        definition = await stub.GetDefinition(
            workflow_pb2.GetDefinitionRequest(name="bench-no-op"),
            metadata=(("authorization", f"Bearer {admin}"),),
        )
        spec = definition.spec
        spec.steps[0].args.update({"invoice_id": "{{ event.payload.n }}"})
        await stub.UpsertDefinition(
            workflow_pb2.UpsertDefinitionRequest(name="bench-no-op", spec=spec),
            metadata=(("authorization", f"Bearer {admin}"),),
        )

        baseline = await baseline_publish(stub, service, events)

        relay = OutboxRelay(
            source,
            outbox,
            grpc_publisher(channel, source="bench"),
            source="bench",
            batch_size=200,
            idle_interval=0.05,
        )
        relay_task = asyncio.create_task(relay.run())
        paced, paced_latencies, paced_time = await run_phase(
            source, relay, mailer, "p", events, rate
        )
        burst, burst_latencies, _ = await run_phase(source, relay, mailer, "b", events, 0)
        relay_task.cancel()
        async with source.unit_of_work() as session:
            pending = await session.scalar(
                select(func.count()).where(outbox.c.published_at.is_(None))
            )
            states = dict(
                (
                    await session.execute(
                        text("SELECT state, count(*) FROM workflow.runs GROUP BY state")
                    )
                ).all()
            )
        print(f"events per phase                  {events} ({pending} undelivered); runs {states}")
        report(f"paced at {rate:.0f}/s ({paced_time:.1f} s)", paced, paced_latencies)
        report("burst (all written at once)", burst, burst_latencies)
        print(
            f"baseline: Publish alone           {baseline:>8,.0f} events/s"
            "   (200 per call, no run started)"
        )
        print(f"burst pipeline / Publish alone    {burst / baseline:>8.2f}")
        await channel.close()
        await auth_channel.close()
    finally:
        for process in (workflow, auth):
            process.terminate()
            process.wait(15)
        await downstream.stop(0)
        await source.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=400.0, help="events produced per second")
    options = parser.parse_args()
    asyncio.run(main(options.events, options.rate))
