"""The proxy's HTTP/1.1 client: a keep-alive connection pool per upstream replica.

Built on an asyncio protocol with ``httptools`` (llhttp) parsing the answers, because a
general-purpose client does far more per request than a proxy needs (URL objects, header
multidicts built twice, cookie jar, tracing signals, a timeout object per request): with
aiohttp's ``ClientSession`` the client side was the largest share of the gateway's CPU per
request (docs/benchmarks.md). Here a request goes out as one bytes buffer built by the
caller, and an answer comes back as the status, the raw header pairs and the body.

Semantics, nginx-like:
- ``read_timeout`` is the longest wait for the upstream's next bytes (``proxy_read_timeout``),
  answer headers included, or for it to take more of a streamed request body; it does not
  run while the caller is the one holding things up (a slow client uploading, or reading a
  streamed answer).
- An idle connection is kept for reuse at most ``idle_timeout`` seconds, and at most
  ``max_idle`` of them per replica (``keepalive N``); busy connections are not capped.
- A request that finds its reused connection already closed by the upstream (the keep-alive
  race, RFC 9112 section 9.3.1) is sent again once on a fresh connection when the caller says
  it may be (an idempotent request whose body was not streamed).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ssl as ssl_module
from collections.abc import AsyncIterable

from httptools import HttpParserError, HttpResponseParser
from yarl import URL

_CRLF = b"\r\n"
# Past this much buffered answer, reading from the upstream pauses until the caller catches
# up; it resumes once the buffer is drained.
_HIGH_WATER = 256 * 1024
_MAX_HEADER_BYTES = 64 * 1024


class UpstreamError(Exception):
    """The upstream gave no usable answer."""


class ConnectFailed(UpstreamError):
    """No connection could be made: the request never left, so any method may go elsewhere."""

    def __init__(self, message: str, *, timed_out: bool) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class UpstreamClosed(UpstreamError):
    """The connection closed before the whole answer arrived. ``answered`` says whether any
    byte of an answer came first (then the upstream surely saw the request)."""

    def __init__(self, message: str, *, answered: bool) -> None:
        super().__init__(message)
        self.answered = answered


class UpstreamTimeout(UpstreamError):
    """The upstream sent nothing for ``read_timeout`` seconds."""


class UpstreamProtocolError(UpstreamError):
    """The upstream's bytes are not a valid HTTP/1.1 answer."""


class UpstreamResponse:
    """An answer whose status and headers have arrived; the body may still be on its way.

    Exactly one of ``read()`` or ``chunks()`` consumes the body; ``release()`` must follow
    (in a ``finally``), which puts the connection back in the pool only if the answer was
    read to its end.
    """

    __slots__ = ("_connection", "content_length", "headers", "reason", "status")

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection
        self.status = connection.status
        self.reason = connection.reason
        self.headers = connection.headers
        self.content_length = connection.content_length

    async def read(self) -> bytes:
        connection = self._connection
        while not connection.complete:
            await connection.wait()
        parts = connection.take()
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def chunks(self) -> AsyncIterable[bytes]:
        connection = self._connection
        while True:
            parts = connection.take()
            if parts:
                yield parts[0] if len(parts) == 1 else b"".join(parts)
            elif connection.complete:
                return
            else:
                await connection.wait()

    def release(self) -> None:
        self._connection.finish()


class _Connection(asyncio.Protocol):
    """One upstream connection; it serves one request at a time."""

    def __init__(self, pool: UpstreamPool) -> None:
        self.pool = pool
        self.loop = pool.loop
        self.transport: asyncio.Transport | None = None
        self.parser = HttpResponseParser(self)
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        # The exchange in progress.
        self.busy = False
        self.keep_alive_blocked = False
        self.status = 0
        self.reason = ""
        self.headers: list[tuple[bytes, bytes]] = []
        self.content_length: int | None = None
        self.keep_alive = False
        self.headers_done = False
        self.complete = False
        self.answered = False
        self.error: UpstreamError | None = None
        self._reason = b""
        self._header_bytes = 0
        self._chunked = False
        self._no_body = False
        self._parts: list[bytes] = []
        self._buffered = 0
        self._read_paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._write_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self._last_progress = 0.0
        self._awaiting_caller = False
        self._timer: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if not self.busy or self.complete:
            # Bytes nobody asked for: the connection's state is unknown, so it goes.
            self.close()
            return
        self.answered = True
        self._last_progress = self.loop.time()
        try:
            self.parser.feed_data(data)
        except HttpParserError as exc:
            if not self.complete:
                self._fail(UpstreamProtocolError(f"invalid answer: {exc}"))
            # Past a whole answer (bytes after it) the answer stands; the connection goes.
            self.close()

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.forget(self)
        if self.busy and not self.complete:
            if self.headers_done and self.content_length is None and not self._chunked:
                # An answer framed by the end of the connection ends here.
                self._complete()
            else:
                self._fail(UpstreamClosed(
                    "the upstream closed the connection" + (f": {exc}" if exc else ""),
                    answered=self.answered,
                ))
        drain = self._drain_waiter
        if drain is not None and not drain.done():
            drain.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._last_progress = self.loop.time()
        drain = self._drain_waiter
        if drain is not None and not drain.done():
            drain.set_result(None)

    # -- httptools callbacks

    def on_message_begin(self) -> None:
        if self.complete:
            raise UpstreamProtocolError("a second answer to one request")
        self.headers = []
        self._reason = b""
        self._header_bytes = 0
        self._chunked = False

    def on_status(self, reason: bytes) -> None:
        self._reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > _MAX_HEADER_BYTES:
            raise UpstreamProtocolError("answer headers too large")
        self.headers.append((name, value))
        if len(name) == 14 and name.lower() == b"content-length":
            self.content_length = int(value)
        elif len(name) == 17 and name.lower() == b"transfer-encoding":
            self._chunked = True

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if status < 200:
            # An interim answer (103 Early Hints and the like): the real one follows.
            self.content_length = None
            return
        self.status = status
        self.reason = self._reason.decode("latin-1")
        self.keep_alive = self.parser.should_keep_alive()
        self.headers_done = True
        if self._no_body:
            # llhttp cannot be told that this answers a HEAD, so it would wait for the body
            # the headers announce. The answer ends here; a fresh parser reads the next one.
            self.parser = HttpResponseParser(self)
            self._complete()
        else:
            self._wake()

    def on_body(self, body: bytes) -> None:
        if self.complete:  # the rest of a HEAD answer's announced body: not allowed
            raise UpstreamProtocolError("bytes after the end of the answer")
        self._parts.append(body)
        self._buffered += len(body)
        if self._buffered > _HIGH_WATER and not self._read_paused and self.transport:
            self._read_paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.headers_done and not self.complete:
            self._complete()

    # -- used by the pool and the response

    async def exchange(
        self,
        head: bytes,
        body: bytes | None,
        stream: AsyncIterable[bytes] | None,
        chunked: bool,
        no_body: bool,
    ) -> UpstreamResponse:
        self.busy = True
        self.status = 0
        self.content_length = None
        self.headers_done = self.complete = self.answered = False
        self.error = None
        self._no_body = no_body
        self._parts = []
        self._buffered = 0
        transport = self.transport
        assert transport is not None
        self._last_progress = now = self.loop.time()
        self._timer = self.loop.call_at(now + self.pool.read_timeout, self._check_timeout)
        if stream is None:
            transport.write(head + body if body else head)
        else:
            transport.write(head)
            await self._send_stream(stream, chunked)
        while not self.headers_done:
            await self.wait()
        return UpstreamResponse(self)

    async def _send_stream(self, stream: AsyncIterable[bytes], chunked: bool) -> None:
        transport = self.transport
        assert transport is not None
        loop = self.loop
        # Waiting for the client's next piece of body is not the upstream's delay.
        self._awaiting_caller = True
        try:
            async for chunk in stream:
                self._awaiting_caller = False
                self._last_progress = loop.time()
                if self.closed or self.headers_done:
                    # The upstream answered (or hung up) before taking the whole body: the
                    # rest is not sent, so the connection cannot carry another request.
                    self.keep_alive_blocked = True
                    return
                if not chunk:
                    continue
                if chunked:
                    transport.writelines((b"%x\r\n" % len(chunk), chunk, _CRLF))
                else:
                    transport.write(chunk)
                if self._write_paused:
                    self._drain_waiter = loop.create_future()
                    await self._drain_waiter
                    self._drain_waiter = None
                self._awaiting_caller = True
        finally:
            self._awaiting_caller = False
        if chunked and not self.closed:
            transport.write(b"0\r\n\r\n")
        self._last_progress = loop.time()

    async def wait(self) -> None:
        """Until more of the answer arrives, or raise what went wrong."""
        if self.error is not None:
            raise self.error
        if self._read_paused and self.transport is not None:
            self._read_paused = False
            self.transport.resume_reading()
        waiter = self._waiter = self.loop.create_future()
        try:
            await waiter
        finally:
            self._waiter = None
        if self.error is not None:
            raise self.error

    def take(self) -> list[bytes]:
        """The body bytes received so far, handed over once."""
        if self.error is not None:
            raise self.error
        parts = self._parts
        if parts:
            self._parts = []
            self._buffered = 0
        return parts

    def finish(self) -> None:
        """The caller is done with the answer: back to the pool if it was read whole."""
        self._cancel_timer()
        self.busy = False
        if (
            self.complete and self.keep_alive and not self.keep_alive_blocked
            and not self.closed and self.error is None
        ):
            self.reused = True
            self.pool.put(self)
        else:
            self.close()

    def close(self) -> None:
        self._cancel_timer()
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()

    # -- internals

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _complete(self) -> None:
        self.complete = True
        self._cancel_timer()
        self._wake()

    def _fail(self, error: UpstreamError) -> None:
        if self.error is None:
            self.error = error
        self._cancel_timer()
        self._wake()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check_timeout(self) -> None:
        self._timer = None
        if not self.busy or self.complete or self.closed:
            return
        timeout = self.pool.read_timeout
        now = self.loop.time()
        if self._read_paused or self._awaiting_caller or (
            self._waiter is None and self.headers_done
        ):
            # Waiting on the caller, not on the upstream.
            self._timer = self.loop.call_at(now + timeout, self._check_timeout)
            return
        deadline = self._last_progress + timeout
        if now < deadline:
            self._timer = self.loop.call_at(deadline, self._check_timeout)
            return
        self._fail(UpstreamTimeout(f"no answer for {timeout:g} s"))
        self.close()


class UpstreamPool:
    """Keep-alive connections to one replica."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        max_idle: int,
        idle_timeout: float,
    ) -> None:
        url = URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"not an http(s) base URL: {base_url!r}")
        self.host = url.host
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.ssl = ssl_module.create_default_context() if url.scheme == "https" else None
        self.host_header = url.host_port_subcomponent.encode("idna")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_idle = max_idle
        self.idle_timeout = idle_timeout
        self.loop = asyncio.get_running_loop()
        # Most recently used last: reused first (warm), the oldest expire first.
        self._idle: collections.deque[_Connection] = collections.deque()
        self._busy: set[_Connection] = set()
        self._closing = False

    @property
    def idle_count(self) -> int:
        return len(self._idle)

    async def request(
        self,
        method: str,
        target: bytes,
        headers: bytes,
        *,
        body: bytes | None = None,
        stream: AsyncIterable[bytes] | None = None,
        stream_length: int | None = None,
        retry_stale: bool = False,
    ) -> UpstreamResponse:
        """Send ``method target`` with ``headers`` (``name: value\\r\\n`` lines, without
        Host and framing, which are added here) and a body given whole or as a stream.
        A stream of unknown length goes chunked."""
        framing: bytes
        chunked = False
        if stream is not None:
            if stream_length is None:
                chunked = True
                framing = b"Transfer-Encoding: chunked\r\n"
            else:
                framing = b"Content-Length: %d\r\n" % stream_length
        elif body:
            framing = b"Content-Length: %d\r\n" % len(body)
        elif method in ("POST", "PUT", "PATCH"):
            framing = b"Content-Length: 0\r\n"
        else:
            framing = b""
        head = b"".join((
            method.encode("ascii"), b" ", target, b" HTTP/1.1\r\nHost: ", self.host_header,
            _CRLF, headers, framing, _CRLF,
        ))
        no_body = method == "HEAD"
        connection = self._reuse()
        if connection is None:
            connection = await self._connect()
        else:
            retry_stale = retry_stale and stream is None
        try:
            return await connection.exchange(head, body, stream, chunked, no_body)
        except UpstreamClosed as exc:
            connection.close()
            if not (connection.reused and retry_stale and not exc.answered):
                raise
        except BaseException:
            connection.close()
            raise
        # The reused connection had been closed by the upstream: once more on a fresh one.
        connection = await self._connect()
        try:
            return await connection.exchange(head, body, None, False, no_body)
        except BaseException:
            connection.close()
            raise

    def _reuse(self) -> _Connection | None:
        idle = self._idle
        while idle:
            connection = idle.pop()
            if connection.closed:
                continue
            if self.loop.time() - connection.idle_since > self.idle_timeout:
                connection.close()
                continue
            self._busy.add(connection)
            return connection
        return None

    async def _connect(self) -> _Connection:
        try:
            _, connection = await asyncio.wait_for(
                self.loop.create_connection(
                    lambda: _Connection(self), self.host, self.port, ssl=self.ssl,
                    server_hostname=self.host if self.ssl else None,
                ),
                self.connect_timeout,
            )
        except TimeoutError as exc:
            raise ConnectFailed(f"connect to {self.host}:{self.port} timed out",
                                timed_out=True) from exc
        except OSError as exc:
            raise ConnectFailed(f"connect to {self.host}:{self.port} failed: {exc}",
                                timed_out=False) from exc
        if self._closing:
            connection.close()
            raise ConnectFailed("the pool is closed", timed_out=False)
        self._busy.add(connection)
        return connection

    def put(self, connection: _Connection) -> None:
        self._busy.discard(connection)
        idle = self._idle
        now = self.loop.time()
        # The oldest idle connection is checked on every return, so none lingers unused.
        if idle and now - idle[0].idle_since > self.idle_timeout:
            idle.popleft().close()
        if self._closing or len(idle) >= self.max_idle:
            connection.close()
            return
        connection.idle_since = now
        idle.append(connection)

    def forget(self, connection: _Connection) -> None:
        """A connection closed: drop it wherever it is."""
        self._busy.discard(connection)
        if not connection.busy:
            with contextlib.suppress(ValueError):  # not idle: closed while being set up
                self._idle.remove(connection)

    def close(self) -> None:
        self._closing = True
        for connection in (*self._idle, *self._busy):
            connection.close()
        self._idle.clear()
