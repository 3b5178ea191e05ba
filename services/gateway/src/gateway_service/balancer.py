"""Which replica of a service gets the next request.

Round-robin over the replicas that are usable. A replica stops being usable two ways:
- passively, for ``eject_seconds`` after the proxy failed to reach it (connection refused,
  reset, connect timeout): no request waits for the next probe to learn it is gone;
- actively, while its last ``/health/ready`` probe failed (a replica that answers TCP but
  says it is not ready, e.g. its database is down, gets no traffic).

A replica not probed yet counts as usable, so the gateway routes from its first second. When
every replica of a service is only passively ejected (say the single replica had one blip),
the balancer still offers them, ejection-soonest-over first: refusing everything for seconds
would turn a blip into an outage. Only replicas whose probe failed are never offered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence

import aiohttp
from yarl import URL

log = logging.getLogger("gateway.balancer")

Clock = Callable[[], float]


class NoReplicaAvailable(Exception):
    """Every replica of the service is down."""


class Replica:
    __slots__ = ("base", "ejected_until", "healthy", "service", "url")

    def __init__(self, service: str, base: str) -> None:
        self.service = service
        self.base = base
        self.url = URL(base)
        # None until the first probe answers: usable for routing, not counted as ready.
        self.healthy: bool | None = None
        self.ejected_until = 0.0

    def usable(self, now: float) -> bool:
        return self.healthy is not False and now >= self.ejected_until

    def state(self, now: float) -> str:
        if self.healthy is False:
            return "down"
        if now < self.ejected_until:
            return "ejected"
        return "unknown" if self.healthy is None else "up"


class ServicePool:
    def __init__(self, service: str, bases: Sequence[str], *, clock: Clock) -> None:
        self.service = service
        self.replicas = tuple(Replica(service, base) for base in bases)
        self._clock = clock
        self._next = 0

    def pick(self) -> Replica | None:
        """The replica for the next request: the next usable one round-robin or, if none is
        usable, the passively ejected one whose cool-down ends first."""
        replicas = self.replicas
        count = len(replicas)
        start = self._next
        self._next = (start + 1) % count
        now = self._clock()
        for offset in range(count):
            replica = replicas[(start + offset) % count]
            if replica.healthy is not False and now >= replica.ejected_until:
                return replica
        return self._least_ejected(exclude=None)

    def pick_other(self, tried: Replica) -> Replica | None:
        """Another replica than ``tried``, for the one retry after a connection failure."""
        now = self._clock()
        start = self.replicas.index(tried)
        count = len(self.replicas)
        for offset in range(1, count):
            replica = self.replicas[(start + offset) % count]
            if replica.usable(now):
                return replica
        return self._least_ejected(exclude=tried)

    def _least_ejected(self, *, exclude: Replica | None) -> Replica | None:
        ejected = [r for r in self.replicas if r.healthy is not False and r is not exclude]
        return min(ejected, key=lambda r: r.ejected_until) if ejected else None

    def ready_count(self) -> int:
        now = self._clock()
        return sum(1 for r in self.replicas if r.healthy is True and now >= r.ejected_until)


class Balancer:
    def __init__(
        self,
        upstreams: Mapping[str, Sequence[str]],
        *,
        eject_seconds: float,
        clock: Clock = time.monotonic,
    ) -> None:
        self.pools = {
            service: ServicePool(service, bases, clock=clock)
            for service, bases in upstreams.items()
            if bases
        }
        self._eject_seconds = eject_seconds
        self._clock = clock

    def pool(self, service: str) -> ServicePool | None:
        return self.pools.get(service)

    def eject(self, replica: Replica) -> None:
        if self._clock() >= replica.ejected_until:
            log.warning(
                "ejecting replica", extra={"service": replica.service, "replica": replica.base}
            )
        replica.ejected_until = self._clock() + self._eject_seconds

    def mark(self, replica: Replica, *, healthy: bool) -> None:
        if replica.healthy is not healthy and replica.healthy is not None:
            log.warning(
                "replica is %s", "up" if healthy else "down",
                extra={"service": replica.service, "replica": replica.base},
            )
        replica.healthy = healthy
        if healthy:
            replica.ejected_until = 0.0

    def snapshot(self) -> dict[str, dict[str, object]]:
        now = self._clock()
        return {
            service: {
                "ready": pool.ready_count() > 0,
                "replicas": [{"url": r.base, "state": r.state(now)} for r in pool.replicas],
            }
            for service, pool in self.pools.items()
        }

    def all_ready(self) -> bool:
        return all(pool.ready_count() > 0 for pool in self.pools.values())


class HealthProber:
    """Probes every replica's ``/health/ready`` every ``interval`` seconds, all in parallel."""

    def __init__(
        self,
        balancer: Balancer,
        session: aiohttp.ClientSession,
        *,
        interval: float,
        timeout: float,
        on_probe: Callable[[Replica, bool], None] | None = None,
    ) -> None:
        self._balancer = balancer
        self._session = session
        self._interval = interval
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._on_probe = on_probe
        self._task: asyncio.Task[None] | None = None

    async def probe(self, replica: Replica) -> bool:
        try:
            async with self._session.get(
                replica.url.with_path("/health/ready"), timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                await response.read()
                healthy = response.status == 200
        except (TimeoutError, aiohttp.ClientError):
            healthy = False
        self._balancer.mark(replica, healthy=healthy)
        if self._on_probe is not None:
            self._on_probe(replica, healthy)
        return healthy

    async def probe_all(self) -> None:
        replicas = [r for pool in self._balancer.pools.values() for r in pool.replicas]
        await asyncio.gather(*(self.probe(r) for r in replicas))

    async def _run(self) -> None:
        while True:
            await self.probe_all()
            await asyncio.sleep(self._interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="gateway-health-prober")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
