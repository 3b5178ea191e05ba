"""Group commit: concurrent calls joined into batches, one batch handled at a time.

A small write (a like: two short statements and an outbox row) costs far less in SQL than in
what surrounds it once per transaction: a session, ``BEGIN``, the outbox insert, ``COMMIT``
and its write to the log, and on SQLite the wait for the one write lock. ``Batcher`` takes
the calls that arrive while a batch is being handled and hands them to ``handle`` together
the moment it is free, so one transaction (one commit, one write to the log) serves them
all; each caller is answered with its own outcome once its batch is done, so nobody hears
"done" before the commit that made it so.

Nothing waits to fill a batch: a call that finds the batcher idle is handled at once (a batch
of one), and batches grow only when calls come faster than they are handled, which is when
sharing a transaction pays.

``handle`` receives the items in the order they were submitted and returns one outcome per
item, in the same order: a result, or an exception for that item alone (a refused request),
which its caller gets raised. If ``handle`` raises instead, the batch's transaction is gone
and it is not known which item caused it: each item of the batch is handled again, alone, so
one item's failure is never another's.

``handle`` runs in the batcher's own task, not in its callers': their context variables (a
request's ``traceparent``) are not set there, so an item carries what the handler needs of its
caller's context.

A caller that is cancelled before its item is taken (a client gone) withdraws it; once taken,
the item is handled with its batch and its outcome dropped, as for any request whose client
leaves during its transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from marketplace_platform.events.cancellation import cancel_and_wait

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

Handler = Callable[[Sequence[T]], Awaitable[Sequence["R | BaseException"]]]


class Batcher(Generic[T, R]):
    def __init__(self, handle: Handler[T, R], *, max_size: int = 100, name: str = "batcher"):
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self._handle = handle
        self._max_size = max_size
        self._name = name
        self._waiting: deque[tuple[T, asyncio.Future[R]]] = deque()
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """Handle ``item`` with whatever else is waiting; its outcome once its batch is done."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        entry = (item, future)
        self._waiting.append(entry)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name=self._name)
        try:
            return await future
        except asyncio.CancelledError:
            if entry in self._waiting:  # not taken yet: withdrawn
                self._waiting.remove(entry)
            raise

    async def close(self) -> None:
        """Stop handling (at shutdown); calls still waiting are cancelled."""
        worker, self._worker = self._worker, None
        if worker is not None:
            await cancel_and_wait(worker)
        while self._waiting:
            _, future = self._waiting.popleft()
            future.cancel()

    async def _work(self) -> None:
        while self._waiting:
            batch = [
                self._waiting.popleft() for _ in range(min(self._max_size, len(self._waiting)))
            ]
            live = [(item, future) for item, future in batch if not future.done()]
            if live:
                await self._run(live)

    async def _run(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            outcomes = await self._handle([item for item, _ in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"{len(outcomes)} outcomes for a batch of {len(batch)}")
        except asyncio.CancelledError:  # closing: its callers are not left waiting
            for _, future in batch:
                future.cancel()
            raise
        except Exception as error:
            if len(batch) > 1:
                log.debug("a batch of %d failed (%r): each item again alone", len(batch), error)
                for entry in batch:
                    await self._run([entry])
                return
            outcomes = [error]
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # its caller was cancelled meanwhile
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
