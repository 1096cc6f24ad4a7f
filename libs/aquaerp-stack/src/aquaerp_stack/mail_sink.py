"""Development SMTP sink: accepts every message and keeps it as an .eml file for inspection.

python -m aquaerp_stack.mail_sink --port 2525 --dir .aquaerp/mail
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import signal
import time
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class MaildirHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or envelope.content
        # Only the header block is parsed (a full parse of an email with a 100 KB PDF takes ~3 ms).
        head = content.partition(b"\r\n\r\n")[0]
        message_id = BytesHeaderParser().parsebytes(head).get("Message-ID", "")
        digest = hashlib.sha256((message_id or content.decode("latin-1")).encode()).hexdigest()[:12]
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**9:09d}-{digest}.eml"
        (self.directory / name).write_bytes(content)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", type=Path, default=Path(".aquaerp/mail"))
    options = parser.parse_args()
    controller = Controller(
        MaildirHandler(options.dir),
        hostname=options.host,
        port=options.port,
        data_size_limit=50 * 2**20,
    )
    controller.start()
    print(
        f"mail sink on {options.host}:{options.port}, keeping messages in {options.dir}", flush=True
    )
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
