"""Waiting for something to become true in a test, with a deadline instead of a fixed sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    timeout: float = 15.0,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Calls `probe` until it returns a truthy value (returned) or `timeout` seconds pass
    (AssertionError naming `what`, with the last value or error seen)."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = await probe()
        except AssertionError as error:  # an assertion failing is "not yet"
            last = error
        else:
            if value:
                return value
            last = value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout:.0f} s (last: {last!r})")
        await asyncio.sleep(interval)


async def consistently(
    probe: Callable[[], Awaitable[object]],
    *,
    during: float,
    interval: float = 0.1,
    what: str = "condition",
) -> None:
    """Checks that `probe` stays truthy for `during` seconds (nothing late arrives, nothing is
    done twice); fails as soon as it does not, naming `what` and the value seen."""
    deadline = time.monotonic() + during
    while True:
        value = await probe()
        if not value:
            raise AssertionError(f"{what} no longer holds (got {value!r})")
        if time.monotonic() >= deadline:
            return
        await asyncio.sleep(interval)
