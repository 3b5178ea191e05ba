"""Fault injection for teaching labs and tests, off by default: make a service's consumers
fail chosen events, to watch retries, the dead-letter stream and ``marketplace dlq replay``
on a running system (docs/labs/dead-letter-and-replay.md).

``<PREFIX>FAULT_FAIL_EVENTS_FILE`` names a file (relative paths are under the var dir).
While it exists, every consumer of that service fails each event whose type is a line of
it (``orders.order.paid.v1``); an empty file fails every event. Remove the file and the
next delivery (or a replay) succeeds. Unset, the service runs the plain ``EventBus``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from marketplace_contracts import Envelope
from marketplace_platform.events.bus import EventBus, Handler


class InjectedFault(RuntimeError):
    """The failure a fault-injection setting asked for (it names the setting's file)."""


def failing_types(path: Path) -> frozenset[str] | None:
    """The event types to fail while ``path`` exists (empty: all of them); None when it
    does not exist. Lines starting with ``#`` are comments."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        return None
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def failing(handler: Handler, path: Path) -> Handler:
    """``handler``, failing the events ``path`` lists while it exists."""

    async def handle(envelope: Envelope) -> None:
        types = failing_types(path)
        if types is not None and (not types or envelope.type in types):
            raise InjectedFault(f"fault injected while {path} exists: {envelope.type}")
        await handler(envelope)

    return handle


class FailingEventBus(EventBus):
    """An ``EventBus`` whose consumers fail the events ``fail_file`` lists, while it exists."""

    def __init__(self, nats_url: str, *, fail_file: Path, **options: Any) -> None:
        super().__init__(nats_url, **options)
        self.fail_file = fail_file

    def consume(
        self, durable: str, subjects: Sequence[str], handler: Handler, **options: Any
    ) -> None:
        super().consume(durable, subjects, failing(handler, self.fail_file), **options)
