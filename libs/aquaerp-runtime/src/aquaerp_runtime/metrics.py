"""Prometheus metrics shared by every process, and the /metrics HTTP endpoint."""

from __future__ import annotations

from wsgiref.simple_server import WSGIServer

from prometheus_client import Counter, Histogram, start_http_server

GRPC_STARTED = Counter(
    "grpc_server_started_total", "RPCs started on the server", ["grpc_service", "grpc_method"]
)
GRPC_HANDLED = Counter(
    "grpc_server_handled_total",
    "RPCs completed on the server, by final status code",
    ["grpc_service", "grpc_method", "grpc_code"],
)
GRPC_HANDLING_SECONDS = Histogram(
    "grpc_server_handling_seconds",
    "Time to handle an RPC on the server",
    ["grpc_service", "grpc_method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def serve_metrics(port: int, host: str) -> WSGIServer | None:
    """Starts the /metrics endpoint on its own thread (no-op for port 0); returns its server."""
    if not port:
        return None
    server, _thread = start_http_server(port, addr=host)
    return server
