"""A job that runs at start and then every ``interval`` in the background: recovery of
pending payments and the refund reconciler are both one. A failing round (the database or
the processor away) is logged and the next round tries again."""

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
        self, job: Callable[[], Awaitable[Any]], *, interval: timedelta, name: str
    ) -> None:
        self._job = job
        self._interval = interval
        self._name = name
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self._name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(task)

    async def _loop(self) -> None:
        while True:
            try:
                await self._job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("%s failed this round", self._name, exc_info=True)
            await asyncio.sleep(self._interval.total_seconds())
