"""Per-address token buckets for the authentication routes (each gateway replica keeps its own;
the ingress adds a cluster-wide limit in Kubernetes). Guessing one account's password from many
addresses is slowed down by auth itself, per account."""

from __future__ import annotations

import math
import time
from collections import OrderedDict

from aquaerp_runtime.context import client_ip_var
from aquaerp_runtime.errors import ResourceExhausted
from fastapi import Request

MAX_TRACKED_CLIENTS = 100_000


class TokenBuckets:
    def __init__(self, burst: int, per_second: float) -> None:
        self.burst = burst
        self.per_second = per_second
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str) -> float:
        """Takes one token; returns 0, or the seconds to wait when the bucket is empty."""
        now = time.monotonic()
        tokens, last = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        if tokens >= 1:
            self._buckets[client] = (tokens - 1, now)
            wait = 0.0
        else:
            self._buckets[client] = (tokens, now)
            wait = (1 - tokens) / self.per_second
        while len(self._buckets) > MAX_TRACKED_CLIENTS:
            self._buckets.popitem(last=False)
        return wait


async def auth_rate_limit(request: Request) -> None:
    buckets: TokenBuckets = request.app.state.auth_buckets
    # The address the request context resolved (trusted proxies only), not a client's header.
    client = client_ip_var.get() or "unknown"
    wait = buckets.take(client)
    if wait > 0:
        raise ResourceExhausted("too many requests; slow down", retry_after=math.ceil(wait))
