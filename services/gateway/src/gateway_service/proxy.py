"""The HTTP reverse proxy: ``/api/<service>/...`` goes to a replica of that service.

The path and query go upstream byte for byte, and so do the client's header lines (less
this hop's own); bodies stream both ways (small ones of known length are read whole, which
costs less than relaying them chunk by chunk). Decisions (which service, public or not) are
made on the decoded path, and a path with ``.`` or ``..`` segments is refused so that the
path checked is the path the service will route.

Upstream requests go through ``upstream_client`` (one keep-alive pool per replica), not a
general-purpose client: see that module and docs/benchmarks.md for why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import HttpVersion11, web

from gateway_service.authentication import InvalidToken, KeysUnavailable, TokenCheck
from gateway_service.balancer import Balancer, Replica
from gateway_service.metrics import GatewayMetrics
from gateway_service.problem_responses import keys_unavailable, problem_response, unauthorized
from gateway_service.public_routes import PublicRouteTable
from gateway_service.settings import SERVICES, GatewaySettings
from gateway_service.upstream_client import (
    ConnectFailed,
    UpstreamClosed,
    UpstreamPool,
    UpstreamProtocolError,
    UpstreamResponse,
    UpstreamTimeout,
)
from marketplace_platform.forwarded import gateway_token
from marketplace_platform.security.jwks import bearer_token

log = logging.getLogger("gateway.proxy")

# RFC 9110 section 7.6.1 hop-by-hop fields, lower-cased as compared.
_HOP_BY_HOP = frozenset({
    b"connection", b"keep-alive", b"proxy-connection", b"proxy-authenticate",
    b"proxy-authorization", b"te", b"trailer", b"transfer-encoding", b"upgrade",
})
# Not passed upstream as the client sent them: this hop's own fields, the body framing (the
# upstream client frames the body it sends), Host (the upstream's own is sent), Expect (the
# gateway answers it), and what the gateway sets itself (its credential among them: a
# client's copy is never passed on).
_REQUEST_DROP = _HOP_BY_HOP | {
    b"host", b"content-length", b"expect", b"x-forwarded-for", b"x-forwarded-proto",
    b"x-forwarded-host", b"x-request-id", b"traceparent", b"x-gateway-token",
}
_RESPONSE_DROP = _HOP_BY_HOP | {b"content-length"}
_RESPONSE_DROP_NO_BODY = _HOP_BY_HOP

# Only requests that change nothing are sent to a second replica after the first may
# already have received them (the connection broke after the request went out). PUT and
# DELETE are idempotent in HTTP's terms, but a retried DELETE after a success would answer
# 404 to a client whose delete worked. A request that never left (connection refused,
# connect timeout) is retried whatever its method: no replica saw it.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What the client may resend by itself on a fresh connection to the same replica when a
# reused keep-alive connection turns out to be closed before any answer (RFC 9112 9.3.1).
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
_NO_BODY_STATUSES = frozenset({204, 304})

# Bodies up to this size are read whole and sent in one write, both ways.
_BUFFER_LIMIT = 256 * 1024
_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    """The client sent no more of its body for ``client_body_timeout`` seconds."""


def has_dot_segment(path: str) -> bool:
    if "/." not in path:
        return False
    return any(segment in (".", "..") for segment in path.split("/"))


def _connection_tokens(request: web.BaseRequest) -> frozenset[bytes]:
    """Fields the client's Connection header names as hop-by-hop for this hop."""
    names = set()
    for value in request.headers.getall("Connection", ()):
        names.update(part.strip().lower().encode("latin-1") for part in value.split(","))
    return frozenset(names)


def _upstream_headers(
    request: web.BaseRequest, request_id: str, traceparent: str, forwarded_for: str | None,
    credential: bytes,
) -> bytes:
    """The header lines sent upstream: the client's, as it sent them, less the fields
    dropped above, then the gateway's own. ``X-Forwarded-For`` ends with the client:
    ``forwarded_for`` when given (client_address.py), else the chain the client sent and
    its address; ``credential`` (X-Gateway-Token) is what makes the service believe it."""
    drop = _REQUEST_DROP
    lines: list[bytes] = []
    client_chain: list[bytes] = []
    accept_encoding = False
    for name, value in request.raw_headers:
        lower = name.lower()
        if lower in drop:
            if lower == b"x-forwarded-for":
                client_chain.append(value)
            elif lower == b"connection":
                drop = drop | _connection_tokens(request)
            continue
        if lower == b"accept-encoding":
            accept_encoding = True
        lines.append(b"%s: %s\r\n" % (name, value))
    if forwarded_for is None:
        client_chain.append((request.remote or "").encode("latin-1"))
        chain = b", ".join(client_chain)
    else:
        # The client's own entries survive on the left, in whatever bytes it sent: give
        # them back as they came (aiohttp decoded them as UTF-8), never raise on them.
        chain = forwarded_for.encode("utf-8", "surrogateescape")
    host = request.host.encode("utf-8", "surrogateescape")
    lines.append(
        b"X-Forwarded-For: %s\r\nX-Forwarded-Proto: %s\r\nX-Forwarded-Host: %s\r\n"
        b"X-Request-ID: %s\r\ntraceparent: %s\r\nX-Gateway-Token: %s\r\n" % (
            chain, request.scheme.encode("ascii"), host,
            request_id.encode("ascii"), traceparent.encode("ascii"), credential,
        )
    )
    if not accept_encoding:
        # Answers pass through as encoded; ask for none the client did not ask for.
        lines.append(b"Accept-Encoding: identity\r\n")
    return b"".join(lines)


def _answer_headers(
    upstream: UpstreamResponse, drop: frozenset[bytes]
) -> list[tuple[str, str]]:
    """The upstream's answer headers, less this hop's own (a list: the response makes its
    header multidict from it in one go)."""
    headers: list[tuple[str, str]] = []
    for name, value in upstream.headers:
        lower = name.lower()
        if lower in drop:
            if lower == b"connection":
                drop = drop | {part.strip().lower() for part in value.split(b",")}
            continue
        headers.append((name.decode("latin-1"), value.decode("utf-8", "replace")))
    return headers


class Proxy:
    def __init__(
        self,
        *,
        balancer: Balancer,
        public_routes: PublicRouteTable,
        token_check: TokenCheck,
        metrics: GatewayMetrics,
        settings: GatewaySettings,
    ) -> None:
        self.balancer = balancer
        self.public_routes = public_routes
        self.token_check = token_check
        self.metrics = metrics
        self.max_body_bytes = settings.max_body_bytes
        self.body_timeout = settings.client_body_timeout
        self._settings = settings
        self._credential = gateway_token(settings.internal_token).encode("ascii")
        self._pools: dict[Replica, UpstreamPool] = {}

    def start(self) -> None:
        """Open a connection pool per replica (inside the running loop)."""
        settings = self._settings
        for pool in self.balancer.pools.values():
            for replica in pool.replicas:
                self._pools[replica] = UpstreamPool(
                    replica.base,
                    connect_timeout=settings.connect_timeout,
                    read_timeout=settings.read_timeout,
                    max_idle=settings.pool_size_per_host,
                    idle_timeout=settings.keepalive_timeout,
                )

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    async def handle(
        self, request: web.BaseRequest, service: str, request_id: str, traceparent: str,
        forwarded_for: str | None = None,
    ) -> web.StreamResponse:
        # The hot path of the gateway: kept flat (no helper coroutines on the way of a
        # small answer) because each layer costs as much as the checks it would hold.
        path = request.path
        pool = self.balancer.pools.get(service)
        if pool is None:
            detail = (
                f"Service '{service}' is not configured on this gateway."
                if service in SERVICES
                else f"No API is served under /api/{service}."
            )
            return problem_response(404, detail, instance=path)
        if "/." in path and has_dot_segment(path):
            return problem_response(400, "Paths may not contain '.' or '..' segments.",
                                    instance=path)

        method = request.method
        if not self.public_routes.is_public(method, service, path):
            token = bearer_token(request.headers.get("Authorization"))
            if token is None:
                return unauthorized("A bearer token is required.", instance=path,
                                    invalid_token=False)
            if not self.token_check.remembers(token):
                try:
                    await self.token_check.verify(token)
                except InvalidToken as exc:
                    return unauthorized(f"The token was refused: {exc}", instance=path,
                                        invalid_token=True)
                except KeysUnavailable as exc:
                    return keys_unavailable(exc, instance=path)

        body: bytes | None = None
        stream: AsyncIterator[bytes] | None = None
        length: int | None = None
        if request.body_exists:
            length = request.content_length
            if length is not None and length > self.max_body_bytes:
                return self._too_large(path)
            expect = request.headers.get("Expect")
            if expect is not None:
                if request.version != HttpVersion11 or expect.lower() != "100-continue":
                    return problem_response(417, f"Unknown expectation: {expect}",
                                            instance=path)
                # Only now that the request may go: the client sends its body after this.
                await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                request.writer.output_size = 0
            if length is not None and length <= _BUFFER_LIMIT:
                # Read whole before any upstream connection is taken: a slow client holds
                # only its own connection.
                try:
                    body = await self._read_body(request)
                except BodyTimeout:
                    return self._body_timed_out(path)
            else:
                stream = self._body_chunks(
                    request, None if length is not None else self.max_body_bytes
                )

        headers = _upstream_headers(
            request, request_id, traceparent, forwarded_for, self._credential
        )
        target = request.raw_path
        if not target.startswith("/"):  # absolute-form request target
            target = str(request.rel_url)
        raw_target = target.encode("utf-8", "surrogateescape")
        retry_stale = stream is None and method in _IDEMPOTENT_METHODS

        replica = pool.pick()
        if replica is None:
            return problem_response(
                503, f"No replica of service '{service}' is healthy.", instance=path,
                headers={"Retry-After": "1"},
            )
        # One try, and one more on another replica after a connection failure.
        for attempt in (1, 2):
            connections = self._pools[replica]
            try:
                upstream = await connections.request(
                    method, raw_target, headers, body=body, stream=stream,
                    stream_length=length, retry_stale=retry_stale,
                )
            except BodyTooLarge:
                return self._too_large(path)
            except BodyTimeout:
                # The upstream connection the body was streaming to is closed, not reused.
                return self._body_timed_out(path)
            except ConnectFailed as exc:
                self._connection_failed(replica, "connect_timeout" if exc.timed_out
                                        else "connect")
            except UpstreamTimeout:
                self.metrics.upstream_error(service, "timeout")
                return problem_response(
                    504, f"Service '{service}' did not answer in time.", instance=path
                )
            except UpstreamClosed:
                self._connection_failed(replica, "disconnect")
                if method not in _SAFE_METHODS or body is not None or stream is not None:
                    return problem_response(
                        502, f"Service '{service}' dropped the connection.", instance=path
                    )
            except (UpstreamProtocolError, OSError):
                self.metrics.upstream_error(service, "protocol")
                log.warning("bad answer from upstream", exc_info=True,
                            extra={"service": service, "replica": replica.base})
                return problem_response(
                    502, f"Service '{service}' sent an invalid answer.", instance=path
                )
            else:
                try:
                    status = upstream.status
                    if method == "HEAD" or status in _NO_BODY_STATUSES:
                        return web.Response(
                            status=status, reason=upstream.reason,
                            headers=_answer_headers(upstream, _RESPONSE_DROP_NO_BODY),
                        )
                    answer_length = upstream.content_length
                    if answer_length is None or answer_length > _BUFFER_LIMIT:
                        return await self._stream(request, upstream, service, request_id)
                    try:
                        answer = await upstream.read()
                    except UpstreamTimeout:
                        self.metrics.upstream_error(service, "timeout")
                        return problem_response(
                            504, f"Service '{service}' did not answer in time.", instance=path
                        )
                    except (UpstreamClosed, UpstreamProtocolError):
                        self.metrics.upstream_error(service, "protocol")
                        return problem_response(
                            502, f"Service '{service}' broke off its answer.", instance=path
                        )
                    return web.Response(
                        status=status, reason=upstream.reason, body=answer,
                        headers=_answer_headers(upstream, _RESPONSE_DROP),
                    )
                finally:
                    upstream.release()
            if attempt == 2:
                break
            replica = pool.pick_other(replica)
            if replica is None:
                break
        return problem_response(
            503, f"Service '{service}' is unreachable.", instance=path,
            headers={"Retry-After": "1"},
        )

    async def _stream(
        self, request: web.BaseRequest, upstream: UpstreamResponse, service: str,
        request_id: str,
    ) -> web.StreamResponse:
        """Relay a big answer, or one of unknown length, chunk by chunk."""
        response = web.StreamResponse(
            status=upstream.status, reason=upstream.reason,
            headers=_answer_headers(upstream, _RESPONSE_DROP),
        )
        if upstream.content_length is not None:
            response.content_length = upstream.content_length
        # Set here: once prepared, the answer's headers are on the wire.
        response.headers["X-Request-ID"] = request_id
        await response.prepare(request)
        try:
            async for chunk in upstream.chunks():
                await response.write(chunk)
        except (UpstreamTimeout, UpstreamClosed, UpstreamProtocolError):
            # The status line is out: the only honest signal left is to cut the connection,
            # so the client sees a truncated answer rather than a complete-looking one.
            self.metrics.upstream_error(service, "broken_stream")
            log.warning("upstream broke off a streamed answer", extra={"service": service})
            if request.transport is not None:
                request.transport.close()
            return response
        except ConnectionResetError:
            return response  # the client went away; releasing the upstream is enough
        await response.write_eof()
        return response

    def _connection_failed(self, replica: Replica, kind: str) -> None:
        self.metrics.upstream_error(replica.service, kind)
        self.balancer.eject(replica)

    def _too_large(self, path: str) -> web.Response:
        response = problem_response(
            413, f"The request body exceeds {self.max_body_bytes} bytes.", instance=path
        )
        # The rest of the body is not read: close rather than drain it.
        response.force_close()
        return response

    def _body_timed_out(self, path: str) -> web.Response:
        response = problem_response(
            408, f"The request body stalled for {self.body_timeout:g} s.", instance=path
        )
        response.force_close()  # the rest of the body is not read
        return response

    async def _read_body(self, request: web.BaseRequest) -> bytes:
        """A small body, whole; its next bytes are awaited ``body_timeout`` at most."""
        content = request.content
        if content.is_eof():  # the common case: it came with the head
            return await request.read()
        parts = []
        while True:
            try:
                async with asyncio.timeout(self.body_timeout):
                    part = await content.readany()
            except TimeoutError:
                raise BodyTimeout from None
            if not part:
                return b"".join(parts)
            parts.append(part)

    async def _body_chunks(
        self, request: web.BaseRequest, limit: int | None
    ) -> AsyncIterator[bytes]:
        """A big or chunked upload, streamed on; each chunk is awaited ``body_timeout`` at
        most, and one of unknown length (``limit``) is cut when it passes the cap."""
        content = request.content
        seen = 0
        while True:
            try:
                async with asyncio.timeout(self.body_timeout):
                    chunk = await content.read(_CHUNK)
            except TimeoutError:
                raise BodyTimeout from None
            if not chunk:
                return
            if limit is not None:
                seen += len(chunk)
                if seen > limit:
                    raise BodyTooLarge
            yield chunk
