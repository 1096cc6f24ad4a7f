"""Metrics observed with the final code, secrets scrubbed before Sentry, JSON logs with ids."""

from __future__ import annotations

import json
import logging

import grpc
import pytest
from aquaerp_runtime.context import TraceContext, request_id_var, trace_var
from aquaerp_runtime.sentry import FILTERED, scrub
from aquaerp_runtime.structured_logging import JsonFormatter
from aquaerp_runtime.testing.plugin import ServiceHarness
from prometheus_client import REGISTRY

from . import slow_service


def _identity(data: bytes) -> bytes:
    return data


def _handled(code: str) -> float:
    return (
        REGISTRY.get_sample_value(
            "grpc_server_handled_total",
            {"grpc_service": slow_service.SERVICE, "grpc_method": "Sleep", "grpc_code": code},
        )
        or 0.0
    )


async def test_metrics_count_calls_by_final_code(services: ServiceHarness) -> None:
    running = await services.start(slow_service.SPEC)
    ok_before, deadline_before = _handled("OK"), _handled("DEADLINE_EXCEEDED")
    async with grpc.aio.insecure_channel(running.target) as channel:
        call = channel.unary_unary(
            slow_service.SLEEP, request_serializer=_identity, response_deserializer=_identity
        )
        await call(b"0")
        await call(b"0")
        with pytest.raises(grpc.aio.AioRpcError):
            await call(b"2000", timeout=0.05)
    await slow_service.RECORDER.cancelled.wait()
    assert _handled("OK") == ok_before + 2
    assert _handled("DEADLINE_EXCEEDED") == deadline_before + 1
    count = REGISTRY.get_sample_value(
        "grpc_server_handling_seconds_count",
        {"grpc_service": slow_service.SERVICE, "grpc_method": "Sleep"},
    )
    assert count is not None and count >= 3


def test_scrub_removes_secrets_everywhere() -> None:
    event = {
        "request": {
            "headers": {
                "Authorization": "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2ln",
                "Accept": "*/*",
            },
            "data": {"email": "a@b.fr", "password": "hunter2hunter2", "totp_code": "123456"},
        },
        "breadcrumbs": [{"message": "calling with Bearer abc.def.ghi and token eyJa.eyJb.sig"}],
        "extra": {"refresh_token": "xyz", "iban": "FR7630006000011234567890189"},
    }
    cleaned = scrub(event)
    assert cleaned["request"]["headers"]["Authorization"] == FILTERED
    assert cleaned["request"]["headers"]["Accept"] == "*/*"
    assert cleaned["request"]["data"] == {
        "email": "a@b.fr",
        "password": FILTERED,
        "totp_code": FILTERED,
    }
    assert "abc.def.ghi" not in json.dumps(cleaned) and "eyJa.eyJb.sig" not in json.dumps(cleaned)
    assert cleaned["extra"] == {"refresh_token": FILTERED, "iban": FILTERED}


def test_json_log_lines_carry_request_and_trace_ids() -> None:
    trace = TraceContext.new()
    request_id_var.set("req-1")
    trace_var.set(trace)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    record.invoice = "FA-2026-000001"
    line = json.loads(JsonFormatter("facture").format(record))
    assert line["msg"] == "hello world" and line["service"] == "facture"
    assert line["request_id"] == "req-1" and line["trace_id"] == trace.trace_id
    assert line["invoice"] == "FA-2026-000001"


def test_traceparent_round_trip() -> None:
    parent = TraceContext.new()
    child = parent.child()
    parsed = TraceContext.parse(child.header())
    assert (
        parsed == child and parsed.trace_id == parent.trace_id and parsed.span_id != parent.span_id
    )
    for bad in ("", "00-zz-yy-01", "00-" + "a" * 31 + "-" + "b" * 16 + "-01"):
        assert TraceContext.parse(bad) is None
