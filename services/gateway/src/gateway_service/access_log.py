"""The access log written in batches, like nginx's ``access_log ... buffer= flush=``.

The gateway writes one JSON line per request (the platform's ``JsonFormatter``). Written
and flushed one by one, that is one ``write`` system call per request, which measured as a
fifth of the gateway's throughput (docs/benchmarks.md). Here lines are formatted at once
(so each carries its request id) and written together at most ``flush_interval`` seconds
later, or as soon as ``max_lines`` are waiting, and at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TextIO


class BufferedLineHandler(logging.Handler):
    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        flush_interval: float = 0.2,
        max_lines: int = 256,
    ) -> None:
        super().__init__()
        self._stream = stream
        self._flush_interval = flush_interval
        self._max_lines = max_lines
        self._lines: list[str] = []
        self._timer: asyncio.TimerHandle | None = None

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stdout

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.append(self.format(record))
        except Exception:  # logging must never break a request
            self.handleError(record)
            return
        if len(self._lines) >= self._max_lines:
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
        if not self._lines:
            return
        lines, self._lines = self._lines, []
        try:
            self.stream.write("\n".join(lines) + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass  # stdout is gone (closed pipe): nothing left to tell

    def close(self) -> None:
        self.flush()
        super().close()


def buffer_access_log(logger_name: str, *, formatter: logging.Formatter | None) -> None:
    """Give ``logger_name`` a buffered handler of its own, with the root handler's format."""
    logger = logging.getLogger(logger_name)
    handler = BufferedLineHandler()
    if formatter is not None:
        handler.setFormatter(formatter)
    logger.handlers[:] = [handler]
    logger.propagate = False
