"""Client connections: how long the gateway waits for a slow client, and how many
connections it holds open, in all and per client address.

aiohttp's low-level server has an idle keep-alive timeout (about an hour by default) and
nothing else: a client trickling a request head a byte at a time held its connection, its
file descriptor and its memory for as long as it liked, and a few hundred of them from one
address starve everyone. ``EdgeServer`` is that server with:

- ``client_header_timeout``: a request's head must arrive whole within this long of its
  first byte (for a connection's first request, of the connection's start); else a 408 and
  the connection is closed (nginx's ``client_header_timeout``);
- ``client_keepalive_timeout``: an idle keep-alive connection is closed after this long
  (aiohttp's own timer, set from the setting);
- ``max_connections`` and ``max_connections_per_address``: past either cap a new connection
  is answered 503 or 429 at once and closed, before anything of it is read. An IPv6 client
  is counted per /64 (one host commonly holds a whole one); a trusted proxy is counted in
  the total only, since every client behind it shares its address. The answer is written,
  the write side shut, and whatever the client sends meanwhile discarded until it closes
  (or ``_CLOSE_LINGER`` passes; the 408 above is closed the same way): closing a socket
  with unread data in it sends a reset, which can destroy the answer before it is read.

A request aiohttp cannot parse (a malformed head, a header line longer than its 8 KiB
limit) is answered with a problem: 431 for a line too long, else 400, instead of aiohttp's
plain-text page.

Bodies are the proxy's to read: ``client_body_timeout`` is applied there (proxy.py).
The cost is per connection plus a few attribute tests per read from the socket: a head
that arrives whole (nearly all of them) is parsed before any timer is set, so the request
path of the gateway allocates nothing more; only a head still incomplete after a read
starts the header clock.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong
from aiohttp.web_protocol import RequestHandler

from gateway_service.client_address import TrustedProxies
from gateway_service.problem_responses import closing_answer, problem_response
from gateway_service.settings import GatewaySettings
from marketplace_platform.addresses import address_key

_TOO_MANY_FROM_YOU = closing_answer(
    429, "Too many open connections from this address; reuse or close some.", retry_after=1
)
_TOO_MANY = closing_answer(503, "The gateway is at its connection limit.", retry_after=1)
_HEAD_TOO_SLOW = closing_answer(408, "The request head did not arrive in time.")
# Seconds a connection closed with an answer (a refusal, a 408) is kept to read and discard
# what its client sends, so the close is not a reset; short, since a flood of refusals holds
# a descriptor each meanwhile.
_CLOSE_LINGER = 1.0


class ConnectionLimits:
    def __init__(
        self, *, max_total: int, max_per_address: int, trusted_proxies: TrustedProxies
    ) -> None:
        self.max_total = max_total
        self.max_per_address = max_per_address
        self.trusted_proxies = trusted_proxies
        self.total = 0
        self.per_address: dict[str, int] = {}

    def admit(self, host: str) -> tuple[bytes | None, str | None]:
        """``(refusal, key)``: the answer to close a refused connection with, or ``None``
        and the key to ``release`` (``None`` for a trusted proxy, not capped per address)."""
        if self.total >= self.max_total:
            return _TOO_MANY, None
        key = None if self.trusted_proxies.is_trusted(host) else address_key(host)
        if key is not None:
            count = self.per_address.get(key, 0)
            if count >= self.max_per_address:
                return _TOO_MANY_FROM_YOU, None
            self.per_address[key] = count + 1
        self.total += 1
        return None, key

    def release(self, key: str | None) -> None:
        self.total -= 1
        if key is not None:
            count = self.per_address[key] - 1
            if count:
                self.per_address[key] = count
            else:
                del self.per_address[key]


class EdgeServer(web.Server):
    """aiohttp's low-level server, with the timeouts and caps above."""

    def __init__(
        self,
        handler: Any,
        *,
        settings: GatewaySettings,
        trusted_proxies: TrustedProxies,
        **kwargs: Any,
    ) -> None:
        super().__init__(handler, keepalive_timeout=settings.client_keepalive_timeout, **kwargs)
        self.header_timeout = settings.client_header_timeout
        self.limits = ConnectionLimits(
            max_total=settings.max_connections,
            max_per_address=settings.max_connections_per_address,
            trusted_proxies=trusted_proxies,
        )

    def __call__(self) -> RequestHandler:
        return ClientConnection(self, loop=self._loop, **self._kwargs)


class ClientConnection(RequestHandler):
    """One client connection: admitted or refused when it opens, and given
    ``header_timeout`` for each request head."""

    __slots__ = (
        "_address_key", "_admitted", "_closing", "_header_timer", "_linger_timer", "_server"
    )

    def __init__(self, manager: EdgeServer, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._server = manager
        self._admitted = False
        self._address_key: str | None = None
        self._header_timer: asyncio.TimerHandle | None = None
        # Set once a closing answer (a refusal, a 408) is written: the transport, whose
        # client's bytes are discarded until it closes or the linger timer fires.
        self._closing: Any = None
        self._linger_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        host = peer[0] if isinstance(peer, tuple) and peer else ""
        refusal, self._address_key = self._server.limits.admit(host)
        if refusal is not None:
            self._answer_and_close(transport, refusal)
            return
        self._admitted = True
        super().connection_made(transport)
        self._arm_header_timer()

    def _answer_and_close(self, transport: Any, answer: bytes) -> None:
        """Write ``answer``, shut the write side, and close once the client has (or after
        ``_CLOSE_LINGER``), discarding what it sends meanwhile."""
        # ``Any``: uvloop's transports are not ``asyncio.WriteTransport`` subclasses, though
        # they have its methods (an isinstance assertion here once aborted every refusal).
        self._closing = transport
        transport.write(answer)
        if transport.can_write_eof():
            transport.write_eof()
        self._linger_timer = self._loop.call_later(_CLOSE_LINGER, self._close_now)

    def _close_now(self) -> None:
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None
        if self._admitted:
            self.force_close()  # aiohttp's request loop ends and closes the transport
        else:
            self._closing.close()

    def eof_received(self) -> None:
        if self._closing is not None:
            self._close_now()  # the client has read the answer, or gave up on it
            return
        super().eof_received()

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None
        if not self._admitted and self._closing is not None:
            return  # refused: aiohttp never knew of it
        if self._admitted:
            self._admitted = False
            self._server.limits.release(self._address_key)
        self._cancel_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._closing is not None:
            return  # read only so that the close is not a reset (it would lose the answer)
        # The first bytes of a request while the connection waits for one: its head has
        # ``header_timeout`` to arrive. (Bytes read while a request is served are its body.)
        # A head that arrives whole, the common case, is parsed at once and needs no timer:
        # only one still incomplete after these bytes starts the clock.
        waiting = self._header_timer is None and self._waiter is not None
        super().data_received(data)
        if self._messages:
            self._cancel_header_timer()
        elif waiting and self._closing is None:
            self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self._header_timer = self._loop.call_later(
            self._server.header_timeout, self._head_timed_out
        )

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _head_timed_out(self) -> None:
        self._header_timer = None
        if self._messages or self.transport is None:
            return
        self._answer_and_close(self.transport, _HEAD_TOO_SLOW)

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        # A request aiohttp could not parse: the client's error, answered as a problem and
        # not logged (the edge's handler answers everything else, 500s included).
        if not isinstance(exc, BadHttpMessage) or request.writer.output_size > 0:
            return super().handle_error(request, status, exc, message)
        if isinstance(exc, LineTooLong):
            response = problem_response(
                431, f"A header (or the request line) is longer than {exc.args[1]} bytes."
            )
        else:
            response = problem_response(400, f"The request could not be parsed: {exc.message}")
        response.force_close()
        return response
