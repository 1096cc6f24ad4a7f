"""An unexpected exception in the gateway answers a 500 problem and keeps the caller's keep-alive
connection: two requests on one socket, both answered (the server would otherwise close it)."""

from __future__ import annotations

import asyncio

import uvicorn
from aquaerp_gateway.problems import UnhandledErrors, install_handlers
from fastapi import FastAPI

from .auth_fixtures import free_port


def failing_app() -> FastAPI:
    app = FastAPI()
    install_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("an unexpected bug")

    app.add_middleware(UnhandledErrors)
    return app


async def read_response(reader: asyncio.StreamReader) -> tuple[bytes, dict[str, str], bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    status, *lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines if line)
    body = await reader.readexactly(int(headers["content-length"]))
    return status.encode(), {k.lower(): v for k, v in headers.items()}, body


async def test_an_unhandled_error_keeps_the_connection() -> None:
    port = free_port()
    config = uvicorn.Config(failing_app(), host="127.0.0.1", port=port, log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(2):
            writer.write(b"GET /boom HTTP/1.1\r\nHost: gateway\r\n\r\n")
            await writer.drain()
            status, headers, body = await read_response(reader)
            assert status == b"HTTP/1.1 500 Internal Server Error"
            assert headers["content-type"] == "application/problem+json"
            assert b"an unexpected bug" not in body and b'"status":500' in body
            assert headers.get("connection", "keep-alive") != "close"
    finally:
        writer.close()
        server.should_exit = True
        await task
