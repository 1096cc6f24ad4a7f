"""One rendering process pool per process, shared by every facture server it runs.

Starting rendering processes costs seconds (WeasyPrint import, font subsetting, warm-up), so a
pool lives as long as someone holds it: each server acquires it at start and releases it at
stop, and the last release closes it. Tests hold one for the whole session, so the servers they
start and stop reuse warm workers.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from .documents import RenderPool

_pools: dict[tuple[int, Path], tuple[RenderPool, int]] = {}


def acquire_render_pool(processes: int, font_dir: Path) -> RenderPool:
    """The shared pool for this process count and font directory (created on first use)."""
    key = (processes, font_dir)
    pool, holders = _pools.get(key) or (RenderPool(processes=processes, font_dir=font_dir), 0)
    _pools[key] = (pool, holders + 1)
    return pool


async def release_render_pool(pool: RenderPool) -> None:
    """Gives the pool back; the last holder closes it (waiting for its workers to exit)."""
    for key, (held, holders) in list(_pools.items()):
        if held is pool:
            if holders > 1:
                _pools[key] = (held, holders - 1)
            else:
                del _pools[key]
                await asyncio.get_running_loop().run_in_executor(None, pool.close)
            return
