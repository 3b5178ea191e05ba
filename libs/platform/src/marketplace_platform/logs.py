"""JSON logs, one object a line, with the request id of the request being served and the
trace id of the flow it belongs to (``trace_id``: the W3C trace id of ``traceparent``, which
the gateway makes, every hop passes on and events carry into their consumers), so that
``grep <trace id> var/logs/*.log`` shows one flow through every service.

Quiet by default: the access log writes one line per request, the consumers one line per
event handled (``marketplace.events``), and the broker nothing at INFO. ``LOG_LEVEL=DEBUG``
(or the launcher's ``--verbose``) turns the rest on.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson

from marketplace_platform.tracing import traceparent_var

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName", "color_message"}
)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        traceparent = traceparent_var.get()
        if traceparent:
            entry["trace_id"] = trace_id(traceparent)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def trace_id(traceparent: str) -> str:
    """The trace id of a W3C ``traceparent`` (``00-<32 hex>-<16 hex>-<2 hex>``)."""
    return traceparent[3:35]


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    verbose = level.upper() == "DEBUG"
    # Libraries that narrate every connection or message stay at WARNING unless asked;
    # uvicorn.error too: it tells start-up and shutdown in four INFO lines a process, and the
    # launcher already says when each service is ready.
    for noisy in (
        "nats",
        "aiosqlite",
        "asyncio",
        "sqlalchemy.engine",
        "httpx",
        "httpcore",
        "uvicorn.access",
        "uvicorn.error",
        "alembic",
        "multipart",
        "PIL",
    ):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
    # uvicorn's own error logger keeps its handlers out of the way of ours.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
