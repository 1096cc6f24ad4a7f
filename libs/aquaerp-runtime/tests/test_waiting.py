"""A background loop idling on an event stops when its task is cancelled, even when the event
is set in the same turn of the loop (the case `asyncio.wait_for` gets wrong on Python 3.11)."""

import asyncio

from aquaerp_runtime.waiting import wait_for_event


async def idle_loop(wakeup: asyncio.Event, rounds: list[bool]) -> None:
    while True:
        wakeup.clear()
        rounds.append(await wait_for_event(wakeup, 0.05))


async def test_a_cancellation_arriving_with_the_event_stops_the_loop() -> None:
    for _ in range(5):
        wakeup, rounds = asyncio.Event(), []
        task = asyncio.create_task(idle_loop(wakeup, rounds))
        await asyncio.sleep(0.01)
        wakeup.set()
        await asyncio.sleep(0)  # the event's waiter finishes in this turn...
        task.cancel()  # ...and the cancellation arrives before the loop resumes
        done, _ = await asyncio.wait({task}, timeout=1.0)
        assert done == {task} and task.cancelled()


async def test_reports_whether_the_event_was_set() -> None:
    event = asyncio.Event()
    assert await wait_for_event(event, 0.01) is False
    event.set()
    assert await wait_for_event(event, 0.01) is True
    assert await wait_for_event(event, None) is True
