"""What every request carries through the gateway: its id and its W3C trace context.

Both live in the platform's context variables (``request_id_var``, ``traceparent_var``) while
the request is served, so log lines carry the id and the proxy reads them without a lookup.
"""

from __future__ import annotations

import os
import re

from marketplace_platform.tracing import valid_traceparent

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def request_context(request_id: str | None, traceparent: str | None) -> tuple[str, str]:
    """The caller's request id if it is sane (it ends up in logs and headers) and its
    ``traceparent`` if valid; fresh ones otherwise.

    Fresh ids come from one ``os.urandom`` call for both (a system call each would be a
    measurable share of a proxied request's cost).
    """
    sane_id = request_id if request_id and _SANE_REQUEST_ID.fullmatch(request_id) else None
    valid_trace = valid_traceparent(traceparent)
    if sane_id is None or valid_trace is None:
        fresh = os.urandom(40).hex()
        sane_id = sane_id or fresh[:32]
        valid_trace = valid_trace or f"00-{fresh[32:64]}-{fresh[64:80]}-01"
    return sane_id, valid_trace

