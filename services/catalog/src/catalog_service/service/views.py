"""View counters without a write per view.

Opening a product page only adds 1 to an in-memory tally (``domain.views``). Every
``view_flush_interval`` the tally is taken whole and written as one
``catalog.product.views_counted.v1`` event through the outbox: one small insert per
interval, however many views. The catalog's own consumer adds the counts to each
product's ``views`` (``service.figures``); analytics can read the same events.

What a crash costs: the views counted since the last flush, at most one interval (5 s by
default). A clean shutdown flushes once more, so a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta

from catalog_service.adapters.unit_of_work import UnitOfWorkFactory
from catalog_service.domain.views import ViewTally
from marketplace_contracts import ProductViews, ProductViewsCounted
from marketplace_platform.clock import utcnow
from marketplace_platform.periodic import Periodic

log = logging.getLogger(__name__)

# Products per event: keeps one event (one NATS message) well under the 1 MB default limit.
BATCH = 500


class ViewCounter:
    def __init__(self, unit_of_work: UnitOfWorkFactory, *, interval: timedelta) -> None:
        self._unit_of_work = unit_of_work
        self._tally = ViewTally(since=utcnow())
        self._timer = Periodic(self._flush, interval=interval, name="view-counter", run_first=False)
        self._lock = asyncio.Lock()

    def record(self, product_id: uuid.UUID) -> None:
        """Count one view; no I/O."""
        self._tally.add(product_id)

    @property
    def pending(self) -> int:
        """Products with views not yet flushed."""
        return len(self._tally)

    async def flush(self) -> int:
        """Write what was counted since the last flush as events; the number of products.
        If the write fails, the counts stay for the next flush."""
        async with self._lock:
            if not len(self._tally):
                return 0
            until = utcnow()
            since, counts = self._tally.take(until=until)
            try:
                await _publish(self._unit_of_work, since, until, counts)
            except BaseException:
                self._tally.give_back(since=since, counts=counts)
                raise
            return len(counts)

    async def start(self) -> None:
        self._timer.start()

    async def stop(self) -> None:
        """Stop the timer and flush once more."""
        await self._timer.stop()
        try:
            await self.flush()
        except Exception:
            log.exception("could not write the last view counts")

    async def _flush(self) -> None:
        try:
            await self.flush()
        except Exception as error:
            log.warning("could not write view counts, keeping them for later: %s", error)


async def _publish(
    unit_of_work: UnitOfWorkFactory,
    since: datetime,
    until: datetime,
    counts: dict[uuid.UUID, int],
) -> None:
    entries = [ProductViews(product_id=pid, views=n) for pid, n in sorted(counts.items())]
    async with unit_of_work() as uow:
        for start in range(0, len(entries), BATCH):
            uow.publish(
                ProductViewsCounted(since=since, until=until, counts=entries[start : start + BATCH])
            )
        await uow.commit()
