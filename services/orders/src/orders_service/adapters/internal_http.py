"""Calls to other services' internal APIs: one pooled ``httpx.AsyncClient`` per service
process, the shared ``X-Internal-Token``, a timeout on every call, and round-robin over the
replicas a URL setting lists (a replica that cannot be reached is skipped for the next one:
every call orders makes is safe to repeat, so trying it elsewhere is too)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx

from marketplace_platform.logs import request_id_var
from marketplace_platform.security.dependencies import INTERNAL_TOKEN_HEADER
from marketplace_platform.tracing import current_traceparent


class Unreachable(Exception):
    """No replica answered in time (or at all): the caller decides what that means."""


class InternalClient:
    def __init__(
        self,
        base_urls: Sequence[str],
        *,
        token: str,
        timeout: timedelta,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not base_urls:
            raise ValueError("at least one base URL is needed")
        self.base_urls = tuple(url.rstrip("/") for url in base_urls)
        self._next = itertools.cycle(range(len(self.base_urls)))
        self._http = httpx.AsyncClient(
            headers={INTERNAL_TOKEN_HEADER: token},
            timeout=timeout.total_seconds(),
            transport=transport,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The first answer any replica gives (any status); ``Unreachable`` if none does.
        A 5xx is an answer too: the caller treats it as the service being unavailable."""
        start = next(self._next)
        errors: list[str] = []
        headers: dict[str, str] = {}
        traceparent = current_traceparent()
        if traceparent:
            headers["traceparent"] = traceparent
        request_id = request_id_var.get()
        if request_id:
            headers["X-Request-ID"] = request_id
        for offset in range(len(self.base_urls)):
            base = self.base_urls[(start + offset) % len(self.base_urls)]
            try:
                return await self._http.request(method, base + path, headers=headers, **kwargs)
            except httpx.TimeoutException as error:
                # A timeout is not a refusal: the call may have been applied. Repeating it
                # is safe, but another replica would likely be just as slow.
                raise Unreachable(f"{base} timed out: {type(error).__name__}") from error
            except httpx.TransportError as error:
                errors.append(f"{base}: {type(error).__name__}")
        raise Unreachable("; ".join(errors))

    async def close(self) -> None:
        await self._http.aclose()
