"""Calls to another service's internal API (``/internal/...``), the one way every service
makes them.

One pooled ``httpx.AsyncClient`` per peer and process, and on every call:

- the shared secret in ``X-Internal-Token`` (the peer refuses ``/internal`` calls without it);
- the request's ``X-Request-ID`` and ``traceparent`` (``marketplace_platform.logs`` and
  ``.tracing``), so that the peer's log lines join the ones of the request that caused them;
- a timeout;
- round robin over the peer's replicas (a ``ReplicaUrls`` setting). A replica that cannot be
  connected to is skipped for the next one: the request was never sent, so sending it
  elsewhere cannot apply it twice. Once sent, a request is never sent again here: a timeout
  does not say whether it was applied, and another replica would likely be as slow.

Every answer comes back as it is, whatever its status: what a 404 or a 409 means is the
caller's business. When no answer comes, the call raises one of a small set of errors, all
``PeerUnavailable``: ``Unreachable`` (no replica took the connection), ``PeerTimedOut`` (sent,
no answer in time), or ``BadAnswer`` (``json_of``: an answer that is not what was asked for).
Adapters map these to their own domain errors, and keep only what is specific to their peer:
paths, payloads, result types.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from marketplace_platform.logs import request_id_var
from marketplace_platform.security.dependencies import INTERNAL_TOKEN_HEADER
from marketplace_platform.tracing import TRACEPARENT_HEADER, current_traceparent

REQUEST_ID_HEADER = "X-Request-ID"

Model = TypeVar("Model", bound=BaseModel)


class PeerUnavailable(Exception):
    """The peer gave no usable answer; the message says why, for the logs."""


class Unreachable(PeerUnavailable):
    """No replica took the connection: the request was sent nowhere."""


class PeerTimedOut(PeerUnavailable):
    """Sent, and no answer in time (or the connection broke): it may have been applied."""


class BadAnswer(PeerUnavailable):
    """An answer that is not the one asked for: a body that does not parse as expected."""


def context_headers() -> dict[str, str]:
    """The current request's id and trace, for a call made on its behalf."""
    headers = {}
    if (request_id := request_id_var.get()) is not None:
        headers[REQUEST_ID_HEADER] = request_id
    if (traceparent := current_traceparent()) is not None:
        headers[TRACEPARENT_HEADER] = traceparent
    return headers


class InternalClient:
    """One peer service, through all its replicas."""

    def __init__(
        self,
        base_urls: Sequence[str],
        *,
        token: str,
        timeout: timedelta,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 100,
    ) -> None:
        """``transport`` lets tests route the calls where they like."""
        if not base_urls:
            raise ValueError("at least one base URL is needed")
        self.base_urls = tuple(url.rstrip("/") for url in base_urls)
        self._next = itertools.cycle(range(len(self.base_urls)))
        self._http = httpx.AsyncClient(
            headers={INTERNAL_TOKEN_HEADER: token},
            timeout=timeout.total_seconds(),
            transport=transport,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=20),
        )

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The first answer a replica gives, whatever its status; ``Unreachable`` if no
        replica takes the connection, ``PeerTimedOut`` if the one that did does not answer."""
        start = next(self._next)
        headers = {**context_headers(), **kwargs.pop("headers", {})}
        refused: list[str] = []
        for offset in range(len(self.base_urls)):
            base = self.base_urls[(start + offset) % len(self.base_urls)]
            try:
                return await self._http.request(method, base + path, headers=headers, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                refused.append(f"{base}: {type(error).__name__}")  # not sent: try the next
            except httpx.TransportError as error:
                raise PeerTimedOut(f"{base} gave no answer: {type(error).__name__}") from error
        raise Unreachable("; ".join(refused))

    async def close(self) -> None:
        await self._http.aclose()


def json_of(response: httpx.Response, model: type[Model]) -> Model:
    """The answer's body as ``model``; ``BadAnswer`` if it is not one."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError as error:
        raise BadAnswer(
            f"{response.request.url.path} answered {response.status_code} with a body that "
            f"is no {model.__name__}"
        ) from error
