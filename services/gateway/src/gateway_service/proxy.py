"""The HTTP reverse proxy: ``/api/<service>/...`` goes to a replica of that service.

The path and query go upstream byte for byte; bodies stream both ways (small answers of
known length are read whole, which costs less than relaying them chunk by chunk). Decisions
(which service, public or not) are made on the decoded path, and a path with ``.`` or ``..``
segments is refused so that the path checked is the path the service will route.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from gateway_service.authentication import InvalidToken, TokenCheck
from gateway_service.balancer import Balancer, Replica
from gateway_service.metrics import GatewayMetrics
from gateway_service.problem_responses import problem_response, unauthorized
from gateway_service.public_routes import PublicRouteTable
from gateway_service.settings import SERVICES
from marketplace_platform.logs import request_id_var
from marketplace_platform.security.jwks import bearer_token
from marketplace_platform.tracing import traceparent_var

log = logging.getLogger("gateway.proxy")

# RFC 9110 section 7.6.1 hop-by-hop fields, plus what the gateway handles itself: Host (the
# upstream's is set by the client library), Expect (the gateway already answered it).
_HOP_BY_HOP = (
    "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
    "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
)
_REQUEST_DROP = (*_HOP_BY_HOP, "Expect")
_REQUEST_HOP_BY_HOP = frozenset(_REQUEST_DROP)
_RESPONSE_HOP_BY_HOP = frozenset(_HOP_BY_HOP)

# Only requests that change nothing are sent to a second replica after the first may
# already have received them (the connection broke after the request went out). PUT and
# DELETE are idempotent in HTTP's terms, but their bodies are streamed, so they cannot be
# sent again, and a retried DELETE after a success would answer 404 to a client whose
# delete worked. A request that never left (connection refused, connect timeout) is retried
# whatever its method: no replica saw it. (Below this, aiohttp itself resends an idempotent
# request once when a pooled keep-alive connection turns out to be closed, on a fresh
# connection to the same replica, unless its body was already consumed: RFC 9112 9.3.1.)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NO_BODY_STATUSES = frozenset({204, 304})

# Answers up to this size are read whole and sent in one write.
_BUFFER_LIMIT = 256 * 1024
_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    pass


def _drop_hop_by_hop(headers: CIMultiDict[str], names: tuple[str, ...]) -> None:
    # A Connection header names further hop-by-hop fields of this hop.
    connection = headers.get("Connection")
    if connection:
        for name in connection.split(","):
            headers.popall(name.strip(), None)
    for name in names:
        headers.popall(name, None)


def _upstream_headers(request: web.Request) -> CIMultiDict[str]:
    headers = request.headers.copy()
    headers.popall("Host", None)
    if not headers.keys().isdisjoint(_REQUEST_HOP_BY_HOP):
        _drop_hop_by_hop(headers, _REQUEST_DROP)
    remote = request.remote or ""
    prior = headers.get("X-Forwarded-For")
    headers["X-Forwarded-For"] = f"{prior}, {remote}" if prior else remote
    headers["X-Forwarded-Proto"] = request.scheme
    headers["X-Forwarded-Host"] = request.host
    headers["X-Request-ID"] = request_id_var.get() or ""
    headers["traceparent"] = traceparent_var.get() or ""
    # Without it the client library would ask for gzip on the client's behalf.
    headers.setdefault("Accept-Encoding", "identity")
    return headers


def _with_upstream_headers(
    response: web.StreamResponse, upstream: aiohttp.ClientResponse
) -> web.StreamResponse:
    """``response`` carrying the upstream's headers, less this hop's own."""
    headers = response.headers
    headers.extend(upstream.headers)
    if not headers.keys().isdisjoint(_RESPONSE_HOP_BY_HOP):
        _drop_hop_by_hop(headers, _HOP_BY_HOP)
    return response


def has_dot_segment(path: str) -> bool:
    if "/." not in path:
        return False
    return any(segment in (".", "..") for segment in path.split("/"))


class Proxy:
    def __init__(
        self,
        *,
        balancer: Balancer,
        public_routes: PublicRouteTable,
        token_check: TokenCheck,
        metrics: GatewayMetrics,
        max_body_bytes: int,
    ) -> None:
        self.balancer = balancer
        self.public_routes = public_routes
        self.token_check = token_check
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        # The hot path of the gateway: kept flat (no helper coroutines on the way of a
        # small answer) because each layer costs as much as the checks it would hold.
        path = request.path
        service = request.match_info["service"]
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

        data: object = None
        if request.body_exists:
            length = request.content_length
            if length is not None and length > self.max_body_bytes:
                return self._too_large(path)
            data = request.content if length is not None else self._capped(request)

        headers = _upstream_headers(request)
        target = request.raw_path
        if not target.startswith("/"):  # absolute-form request target
            target = str(request.rel_url)
        session = self.session
        assert session is not None, "the proxy is used before the app started"

        replica = pool.pick()
        if replica is None:
            return problem_response(
                503, f"No replica of service '{service}' is healthy.", instance=path,
                headers={"Retry-After": "1"},
            )
        # One try, and one more on another replica after a connection failure.
        for attempt in (1, 2):
            try:
                upstream = await session.request(
                    method, URL(replica.base + target, encoded=True), headers=headers,
                    data=data, allow_redirects=False,
                )
            except aiohttp.ConnectionTimeoutError:
                self._connection_failed(replica, "connect_timeout")
            except aiohttp.ClientConnectorError:
                self._connection_failed(replica, "connect")
            except aiohttp.ServerTimeoutError:
                self.metrics.upstream_error(service, "timeout")
                return problem_response(
                    504, f"Service '{service}' did not answer in time.", instance=path
                )
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                if request.get(_BODY_TOO_LARGE):
                    return self._too_large(path)
                self._connection_failed(replica, "disconnect")
                if method not in _SAFE_METHODS or data is not None:
                    return problem_response(
                        502, f"Service '{service}' dropped the connection.", instance=path
                    )
            except aiohttp.ClientError:
                if request.get(_BODY_TOO_LARGE):
                    return self._too_large(path)
                self.metrics.upstream_error(service, "protocol")
                log.warning("bad answer from upstream", exc_info=True,
                            extra={"service": service, "replica": replica.base})
                return problem_response(
                    502, f"Service '{service}' sent an invalid answer.", instance=path
                )
            else:
                try:
                    status = upstream.status
                    if method == "HEAD" or status in _NO_BODY_STATUSES or status < 200:
                        return _with_upstream_headers(
                            web.Response(status=status, reason=upstream.reason), upstream
                        )
                    length = upstream.content_length
                    if length is None or length > _BUFFER_LIMIT:
                        return await self._stream(request, upstream, service)
                    try:
                        body = await upstream.read()
                    except aiohttp.ServerTimeoutError:
                        self.metrics.upstream_error(service, "timeout")
                        return problem_response(
                            504, f"Service '{service}' did not answer in time.", instance=path
                        )
                    except aiohttp.ClientError:
                        self.metrics.upstream_error(service, "protocol")
                        return problem_response(
                            502, f"Service '{service}' broke off its answer.", instance=path
                        )
                    return _with_upstream_headers(
                        web.Response(status=status, reason=upstream.reason, body=body), upstream
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
        self, request: web.Request, upstream: aiohttp.ClientResponse, service: str
    ) -> web.StreamResponse:
        """Relay a big answer, or one of unknown length, chunk by chunk."""
        response = _with_upstream_headers(
            web.StreamResponse(status=upstream.status, reason=upstream.reason), upstream
        )
        # Set here: once prepared, the answer's headers are on the wire.
        response.headers["X-Request-ID"] = request_id_var.get() or ""
        await response.prepare(request)
        try:
            async for chunk in upstream.content.iter_chunked(_CHUNK):
                await response.write(chunk)
        except (aiohttp.ClientError, TimeoutError):
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

    def _capped(self, request: web.Request) -> AsyncIterator[bytes]:
        """A chunked upload (no Content-Length), streamed on until it passes the cap."""
        limit = self.max_body_bytes

        async def chunks() -> AsyncIterator[bytes]:
            seen = 0
            async for chunk in request.content.iter_chunked(_CHUNK):
                seen += len(chunk)
                if seen > limit:
                    request[_BODY_TOO_LARGE] = True
                    raise BodyTooLarge
                yield chunk

        return chunks()


_BODY_TOO_LARGE = web.RequestKey("gateway_body_too_large", bool)
