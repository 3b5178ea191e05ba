"""Token buckets per client IP, in memory.

One gateway replica counts only what it sees; with several replicas behind a load balancer
each client gets roughly N times the budget, which is acceptable for a throttle whose job is
to blunt floods and password guessing (the auth service also throttles login per account).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Rate:
    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


class TokenBuckets:
    """Buckets keyed by client; ``take`` answers 0 when a request may go, else the seconds
    until it may. Full (idle) buckets are dropped when the table grows past ``max_clients``,
    so memory stays bounded under a spray of source addresses."""

    def __init__(self, rate: Rate, *, max_clients: int = 100_000, clock: Clock = time.monotonic):
        self._rate = rate.per_second
        self._burst = float(rate.burst)
        self._max_clients = max_clients
        self._clock = clock
        # client -> [tokens, last refill time]; a list so an update is no new allocation.
        self._buckets: dict[str, list[float]] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, client: str) -> float:
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) >= self._max_clients:
                self._prune(now)
            self._buckets[client] = [self._burst - 1.0, now]
            return 0.0
        tokens = min(self._burst, bucket[0] + (now - bucket[1]) * self._rate)
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / self._rate

    def _prune(self, now: float) -> None:
        full_after = self._burst / self._rate
        idle = [key for key, (_, last) in self._buckets.items() if now - last >= full_after]
        for key in idle:
            del self._buckets[key]
        if len(self._buckets) >= self._max_clients:
            # Still full of active clients: forget the oldest half rather than grow forever.
            for key in list(self._buckets)[: len(self._buckets) // 2]:
                del self._buckets[key]


class RateLimiter:
    """The general bucket for every request, plus the strict one for login and register."""

    STRICT_ROUTES = frozenset({("POST", "/api/auth/login"), ("POST", "/api/auth/register")})

    def __init__(self, general: Rate, strict: Rate, *, clock: Clock = time.monotonic) -> None:
        self.general = TokenBuckets(general, clock=clock)
        self.strict = TokenBuckets(strict, clock=clock)

    def check(self, client: str, method: str, path: str) -> int:
        """0 if the request may go, else the whole seconds to put in ``Retry-After``."""
        wait = self.general.take(client)
        if not wait and (method, path) in self.STRICT_ROUTES:
            wait = self.strict.take(client)
        return math.ceil(wait) if wait else 0
