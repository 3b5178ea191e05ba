"""The category tree held in memory, per process.

Every product page shows its category's breadcrumbs and every search its per-category
counts, so reading the tree from the database each time would be most of their cost; yet the
tree is small (tens of categories) and changes only when an admin edits it. So each process
keeps a snapshot and knows when it is stale by one number: ``category_tree_version``, bumped
in the same transaction as every change of the tree (``service.categories``).

- **This process's changes** are visible at once: the admin use cases call ``invalidate()``
  after they commit, and the next read compares versions and reloads.
- **Another replica's changes** (a rename, a move, a delete) are visible within
  ``refresh_interval`` (``CATALOG_CATEGORY_REFRESH_INTERVAL``): a read compares the stored
  version with the snapshot's at most that often, one primary-key read of one row; 0 checks
  on every read.
- **A category the snapshot does not know** (created on another replica a moment ago) makes
  the reader check the version at once (``find``): new categories are never missing.

The snapshot is immutable and replaced whole, so a request holds a consistent tree even while
a reload swaps in the next one.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from catalog_service.adapters.orm import Category
from catalog_service.adapters.unit_of_work import UnitOfWorkFactory
from catalog_service.domain import categories as rules


@dataclass(frozen=True, slots=True)
class CachedCategory:
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    path: str  # materialised: "/<top id>/.../<own id>/"
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, category: Category) -> CachedCategory:
        return cls(
            id=category.id,
            name=category.name,
            parent_id=category.parent_id,
            path=category.path,
            created_at=category.created_at,
            updated_at=category.updated_at,
        )


@dataclass(frozen=True)
class CategorySnapshot:
    """The whole tree at one version: parents before children, siblings by name."""

    version: int
    categories: tuple[CachedCategory, ...]
    by_id: Mapping[uuid.UUID, CachedCategory] = field(init=False, repr=False)
    trails: Mapping[uuid.UUID, tuple[CachedCategory, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_id = {category.id: category for category in self.categories}
        trails = {
            category.id: tuple(by_id[i] for i in rules.path_ids(category.path) if i in by_id)
            for category in self.categories
        }
        object.__setattr__(self, "by_id", by_id)
        object.__setattr__(self, "trails", trails)

    @classmethod
    def of(cls, version: int, categories: Iterable[Category]) -> CategorySnapshot:
        return cls(version, tuple(CachedCategory.of(category) for category in categories))

    def trail(self, category_id: uuid.UUID) -> tuple[CachedCategory, ...]:
        """The categories from the top of the tree down to ``category_id``, itself included."""
        return self.trails[category_id]


class CategoryCache:
    """Hands out the current ``CategorySnapshot``, reloading it when the tree's version moved."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        *,
        refresh_interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._interval = refresh_interval
        self._clock = clock
        self._snapshot: CategorySnapshot | None = None
        self._checked_at = -math.inf
        self._invalidations = 0
        # One check at a time: a burst of requests when the interval ends makes one query.
        self._lock = asyncio.Lock()

    async def snapshot(self) -> CategorySnapshot:
        """The tree, checked against the database if the last check is older than the
        refresh interval (or was invalidated)."""
        snapshot = self._snapshot
        if snapshot is not None and self._clock() - self._checked_at < self._interval:
            return snapshot
        return await self._check(since=self._checked_at)

    async def find(self, category_ids: Iterable[uuid.UUID]) -> CategorySnapshot:
        """A snapshot knowing ``category_ids`` if the database does: on a miss the version is
        checked at once. A category still missing after that does not exist."""
        snapshot = await self.snapshot()
        if all(category_id in snapshot.by_id for category_id in category_ids):
            return snapshot
        return await self._check(since=self._checked_at)

    def invalidate(self) -> None:
        """This process changed the tree: the next read checks the version."""
        self._invalidations += 1
        self._checked_at = -math.inf

    async def _check(self, *, since: float) -> CategorySnapshot:
        async with self._lock:
            if self._snapshot is not None and self._checked_at > since:
                return self._snapshot  # someone else checked while this request waited
            checked_at, invalidations = self._clock(), self._invalidations
            async with self._unit_of_work(read_only=True) as uow:
                # The version first: a change committed between the two reads leaves a
                # snapshot newer than its version, which the next check merely reloads.
                version = await uow.categories.tree_version()
                if self._snapshot is None or self._snapshot.version != version:
                    self._snapshot = CategorySnapshot.of(version, await uow.categories.get_all())
            if invalidations == self._invalidations:
                # Else a change was committed while this check ran, maybe after its read.
                self._checked_at = checked_at
            return self._snapshot
