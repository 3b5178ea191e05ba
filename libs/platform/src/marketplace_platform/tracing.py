"""W3C trace context: the ``traceparent`` of the request being served, if any.

The gateway makes one when a request arrives without it; every service passes it on in the
events it publishes and the calls it makes, so one trace id joins the logs of a whole flow.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar

# The header that carries it, on requests (and on the events' NATS messages).
TRACEPARENT_HEADER = "traceparent"

traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)

_TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def current_traceparent() -> str | None:
    return traceparent_var.get()


def valid_traceparent(value: str | None) -> str | None:
    return value if value and _TRACEPARENT.match(value) else None


def new_traceparent() -> str:
    return f"00-{os.urandom(16).hex()}-{os.urandom(8).hex()}-01"
