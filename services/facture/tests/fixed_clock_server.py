"""A facture server in a process of its own, living at a fixed instant (`argv[1]`, ISO 8601),
with its settings from the `FACTURE_` environment as in production: the crash test kills it
half-way through a billing run and lets another replica, at the same instant, finish the run."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import datetime


async def serve(instant: datetime) -> None:
    # Imported here, not at the top: the rendering workers are spawned processes that import
    # this script again as their main module, and must not load the whole service first.
    from aquaerp_runtime.clock import FixedClock
    from aquaerp_runtime.service import start_service

    from aquaerp_facture.app import SPEC

    running = await start_service(SPEC, SPEC.load_settings(), clock=FixedClock(instant))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await running.stop()


if __name__ == "__main__":
    asyncio.run(serve(datetime.fromisoformat(sys.argv[1])))
