"""Waiting with a time limit without losing a cancellation.

On Python 3.11, `asyncio.wait_for` returns normally when its task is cancelled just as the
awaited thing finishes: the cancellation is lost, and a background loop that should stop with
its service goes on for ever. `asyncio.timeout` keeps the cancellation, so the product waits
with it (a convention test forbids `asyncio.wait_for`)."""

import asyncio


async def wait_for_event(event: asyncio.Event, timeout: float | None) -> bool:
    """Waits until `event` is set or `timeout` seconds pass (None: no limit); True if set."""
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True
