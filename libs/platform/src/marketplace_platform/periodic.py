"""A job that runs in the background every ``interval``, in one task per process: payments'
recovery and refund reconciler, orders' sweeper, auth's signing-key refresh and the catalog's
view counter are each one. A failing round (the database or a peer away) is logged and the
next round tries again; a job that wants its own words for that catches its errors itself."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from marketplace_platform.events.cancellation import cancel_and_wait

log = logging.getLogger(__name__)


class Periodic:
    def __init__(
        self,
        job: Callable[[], Awaitable[Any]],
        *,
        interval: timedelta,
        name: str,
        run_first: bool = True,
    ) -> None:
        """``run_first``: a round at start, then every ``interval``; otherwise the first
        round comes one interval after start."""
        self._job = job
        self._interval = interval
        self._name = name
        self._run_first = run_first
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self._name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(task)

    async def _loop(self) -> None:
        if not self._run_first:
            await asyncio.sleep(self._interval.total_seconds())
        while True:
            try:
                await self._job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("%s failed this round", self._name, exc_info=True)
            await asyncio.sleep(self._interval.total_seconds())
