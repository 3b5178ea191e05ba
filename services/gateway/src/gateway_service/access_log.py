"""The gateway's access log: one JSON line per request, written in batches like nginx's
``access_log ... buffer= flush=``.

The lines have the shape of every other log line of the system (the platform's
``JsonFormatter``: ``time``, ``level``, ``service``, ``logger``, ``msg``, ``request_id``,
``trace_id``, then ``status``, ``duration_ms``, ``client``), but they do not go through
``logging``: a ``Logger.info`` call (caller lookup, a ``LogRecord``, handler locks, the
generic formatter) cost about a tenth of the gateway's CPU per request (docs/benchmarks.md),
where a tuple appended here and formatted in the batch costs a fraction of that. Lines are
written at most ``flush_interval`` seconds later, or as soon as ``max_lines`` are waiting,
and at shutdown.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

import orjson

LOGGER_NAME = "marketplace.access"

_Entry = tuple[float, str, str, int, float, str | None, str, str]


class AccessLog:
    def __init__(
        self,
        service: str,
        stream: TextIO | None = None,
        *,
        flush_interval: float = 0.2,
        max_lines: int = 256,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._service = service
        self._stream = stream
        self._flush_interval = flush_interval
        self._max_lines = max_lines
        self._clock = clock
        self._entries: list[_Entry] = []
        self._timer: asyncio.TimerHandle | None = None
        self._second = -1
        self._second_text = ""

    @property
    def stream(self) -> TextIO:
        # Looked up when written: tests and launchers may swap sys.stdout.
        return self._stream or sys.stdout

    def record(
        self, method: str, path: str, status: int, seconds: float, client: str | None,
        request_id: str, traceparent: str = "",
    ) -> None:
        entries = self._entries
        entries.append(
            (self._clock(), method, path, status, seconds, client, request_id, traceparent)
        )
        if len(entries) >= self._max_lines:
            self.flush()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop in this thread: write now
                self.flush()
                return
            self._timer = loop.call_later(self._flush_interval, self.flush)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._entries:
            return
        entries, self._entries = self._entries, []
        text = b"\n".join([self._line(entry) for entry in entries]).decode() + "\n"
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # stdout is gone (closed pipe): nothing left to tell

    def close(self) -> None:
        self.flush()

    def _line(self, entry: _Entry) -> bytes:
        at, method, path, status, seconds, client, request_id, traceparent = entry
        line = {
            "time": self._time_text(at),
            "level": "info",
            "service": self._service,
            "logger": LOGGER_NAME,
            "msg": f"{method} {path} {status}",
            "request_id": request_id,
            # The W3C trace id (``00-<trace id>-<span>-<flags>``): what joins the lines of one
            # flow across services and events, as the platform's ``JsonFormatter`` writes it.
            "trace_id": traceparent[3:35] or None,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "client": client,
        }
        if line["trace_id"] is None:
            del line["trace_id"]
        return orjson.dumps(line)

    def _time_text(self, at: float) -> str:
        """``at`` as ``JsonFormatter`` writes it (ISO 8601, milliseconds, UTC offset)."""
        second = int(at)
        if second != self._second:
            self._second = second
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self._second_text}.{int((at - second) * 1000):03d}+00:00"
