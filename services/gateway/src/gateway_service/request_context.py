"""What every request carries through the gateway: its id and its W3C trace context.

Both live in the platform's context variables (``request_id_var``, ``traceparent_var``) while
the request is served, so log lines carry the id and the proxy reads them without a lookup.
"""

from __future__ import annotations

import os
import re

from marketplace_platform.tracing import new_traceparent, valid_traceparent

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def request_id_from(value: str | None) -> str:
    """The caller's id if it is sane (it ends up in logs and headers), else a fresh one."""
    if value is not None and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return os.urandom(16).hex()


def traceparent_from(value: str | None) -> str:
    return valid_traceparent(value) or new_traceparent()
