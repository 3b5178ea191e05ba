"""Product page views, tallied in memory between two flushes.

A view must not cost a database write, so a replica only adds 1 to a counter here; every few
seconds the tally is taken whole and written as one event (``service.views``). The tally is
plain data: one event loop touches it, so it needs no lock.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime


class ViewTally:
    def __init__(self, *, since: datetime, max_products: int = 100_000) -> None:
        self._counts: Counter[uuid.UUID] = Counter()
        self.since = since
        # A flood of views of distinct ids (a crawler) cannot grow memory without bound:
        # past this many products in one interval, views of further ones are dropped, which
        # a view counter can afford.
        self._max_products = max_products

    def add(self, product_id: uuid.UUID) -> None:
        if product_id in self._counts or len(self._counts) < self._max_products:
            self._counts[product_id] += 1

    def __len__(self) -> int:
        return len(self._counts)

    def take(self, *, until: datetime) -> tuple[datetime, dict[uuid.UUID, int]]:
        """The counts since the last take (and that time), leaving the tally empty."""
        counts, since = dict(self._counts), self.since
        self._counts.clear()
        self.since = until
        return since, counts

    def give_back(self, *, since: datetime, counts: dict[uuid.UUID, int]) -> None:
        """Return counts that could not be written: they go out with the next flush."""
        self._counts.update(counts)
        self.since = min(self.since, since)
