"""Stopping background tasks that sit inside nats-py.

On Python 3.11 ``asyncio.wait_for`` can swallow a cancellation that arrives just as the awaited
operation finishes (fixed in 3.12), and nats-py's connect and request paths use it inside retry
loops: one ``cancel()`` may then be lost and the loop goes on. So cancel until the task is done.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any], *, retry_every: float = 0.1) -> None:
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=retry_every)
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()
