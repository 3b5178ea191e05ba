"""The proxy's own HTTP client, against real sockets: scripted servers that answer exactly
the bytes each test needs (framing, closes, stalls), and an aiohttp server for the rest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from gateway_service.upstream_client import (
    ConnectFailed,
    UpstreamClosed,
    UpstreamPool,
    UpstreamProtocolError,
    UpstreamTimeout,
)

pytestmark = pytest.mark.integration

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


@dataclass
class Scripted:
    """A TCP server whose connections are handled by ``serve(reader, writer, number)``."""

    port: int = 0
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    # What a server that stalls waits for: set at teardown.
    released: asyncio.Event = field(default_factory=asyncio.Event)


Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int, Scripted], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader, record: Scripted) -> bytes | None:
    """The next request's head, or None when the client closed the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    record.requests.append(head)
    return head


@pytest.fixture
async def scripted() -> AsyncIterator[Callable[[Serve], Awaitable[Scripted]]]:
    servers: list[tuple[asyncio.Server, Scripted]] = []
    handlers: set[asyncio.Task[None]] = set()

    async def start(serve: Serve) -> Scripted:
        record = Scripted()

        async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
            record.connections += 1
            task = asyncio.current_task()
            assert task is not None
            handlers.add(task)
            try:
                await serve(reader, writer, record.connections, record)
            finally:
                writer.close()

        server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
        servers.append((server, record))
        record.port = server.sockets[0].getsockname()[1]
        return record

    yield start
    for server, record in servers:
        record.released.set()
        server.close()
    # The pools closed their connections first (fixture order): every handler ends.
    await asyncio.gather(*handlers)
    for server, _ in servers:
        await server.wait_closed()


@pytest.fixture
async def pools() -> AsyncIterator[Callable[..., UpstreamPool]]:
    made: list[UpstreamPool] = []

    def make(port: int, **overrides: float) -> UpstreamPool:
        options = {"connect_timeout": 2.0, "read_timeout": 5.0, "max_idle": 8,
                   "idle_timeout": 30.0} | overrides
        pool = UpstreamPool(f"http://127.0.0.1:{port}", **options)
        made.append(pool)
        return pool

    yield make
    for pool in made:
        pool.close()


async def get(pool: UpstreamPool, target: bytes = b"/x", **options) -> tuple[int, bytes]:
    response = await pool.request("GET", target, b"", **options)
    try:
        return response.status, await response.read()
    finally:
        response.release()


async def serve_ok_forever(reader, writer, _number, record) -> None:
    while await read_request(reader, record) is not None:
        writer.write(OK)
        await writer.drain()


async def test_a_connection_is_kept_alive_and_reused(scripted, pools):
    server = await scripted(serve_ok_forever)
    pool = pools(server.port)

    first = await get(pool)
    second = await get(pool)

    assert first == second == (200, b"ok")
    assert server.connections == 1
    assert pool.idle_count == 1


async def test_the_request_head_carries_host_headers_and_framing(scripted, pools):
    server = await scripted(serve_ok_forever)
    pool = pools(server.port)

    response = await pool.request(
        "POST", b"/api/x?a=%20b", b"X-Custom: kept\r\n", body=b"{}"
    )
    await response.read()
    response.release()

    host = f"Host: 127.0.0.1:{server.port}\r\n".encode()
    assert server.requests[0] == (
        b"POST /api/x?a=%20b HTTP/1.1\r\n" + host + b"X-Custom: kept\r\nContent-Length: 2\r\n\r\n"
    )


async def test_a_chunked_answer_is_read_whole(scripted, pools):
    async def chunked(reader, writer, _number, record):
        while await read_request(reader, record) is not None:
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for part in (b"hello", b", ", b"world"):
                writer.write(b"%x\r\n%s\r\n" % (len(part), part))
                await writer.drain()
            writer.write(b"0\r\n\r\n")

    server = await scripted(chunked)
    pool = pools(server.port)

    response = await pool.request("GET", b"/", b"")
    assert response.content_length is None
    body = await response.read()
    response.release()

    assert body == b"hello, world"
    assert pool.idle_count == 1  # the chunked answer ended cleanly: reusable


async def test_an_answer_framed_by_the_close_of_the_connection(scripted, pools):
    async def until_close(reader, writer, _number, record):
        await read_request(reader, record)
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it")
        await writer.drain()

    server = await scripted(until_close)
    pool = pools(server.port)

    assert await get(pool) == (200, b"all of it")
    assert pool.idle_count == 0


async def test_connection_close_from_the_upstream_is_honoured(scripted, pools):
    async def closing(reader, writer, _number, record):
        await read_request(reader, record)
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    server = await scripted(closing)
    pool = pools(server.port)

    assert await get(pool) == (200, b"ok")
    assert await get(pool) == (200, b"ok")
    assert server.connections == 2


async def close_on_second_request(reader, writer, number, record) -> None:
    """Answers one request per connection; a second one on it finds the connection closed
    (the upstream's keep-alive timeout racing the client's reuse)."""
    await read_request(reader, record)
    writer.write(OK)
    await writer.drain()
    await read_request(reader, record)


async def test_a_stale_reused_connection_is_retried_once_on_a_fresh_one(scripted, pools):
    server = await scripted(close_on_second_request)
    pool = pools(server.port)
    await get(pool)

    answer = await get(pool, retry_stale=True)

    assert answer == (200, b"ok")
    assert server.connections == 2


async def test_a_stale_connection_is_not_retried_unless_allowed(scripted, pools):
    server = await scripted(close_on_second_request)
    pool = pools(server.port)
    await get(pool)

    with pytest.raises(UpstreamClosed) as caught:
        await get(pool, retry_stale=False)

    assert caught.value.answered is False
    assert server.connections == 1


async def test_a_connection_cut_mid_answer_is_an_error(scripted, pools):
    async def cut(reader, writer, _number, record):
        await read_request(reader, record)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
        await writer.drain()

    server = await scripted(cut)
    pool = pools(server.port)
    response = await pool.request("GET", b"/", b"")

    with pytest.raises(UpstreamClosed) as caught:
        await response.read()
    response.release()

    assert caught.value.answered is True
    assert pool.idle_count == 0


async def test_an_upstream_that_never_answers_times_out(scripted, pools):
    async def silent(reader, writer, _number, record):
        await read_request(reader, record)
        await record.released.wait()

    server = await scripted(silent)
    pool = pools(server.port, read_timeout=0.05)

    with pytest.raises(UpstreamTimeout):
        await get(pool)


async def test_a_body_that_stalls_times_out(scripted, pools):
    async def stalls(reader, writer, _number, record):
        await read_request(reader, record)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        await writer.drain()
        await record.released.wait()

    server = await scripted(stalls)
    pool = pools(server.port, read_timeout=0.05)
    response = await pool.request("GET", b"/", b"")

    with pytest.raises(UpstreamTimeout):
        await response.read()
    response.release()


async def test_nothing_listening_is_a_connect_failure(pools):
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    pool = pools(port)

    with pytest.raises(ConnectFailed) as caught:
        await get(pool)

    assert caught.value.timed_out is False


async def test_an_invalid_answer_is_a_protocol_error(scripted, pools):
    async def garbage(reader, writer, _number, record):
        await read_request(reader, record)
        writer.write(b"SPDY/9 banana\r\n\r\n")
        await writer.drain()
        await record.released.wait()

    server = await scripted(garbage)
    pool = pools(server.port)

    with pytest.raises(UpstreamProtocolError):
        await get(pool)


async def test_a_head_answer_ends_with_its_headers_and_the_connection_is_reused(
    scripted, pools
):
    async def head_then_get(reader, writer, _number, record):
        while await read_request(reader, record) is not None:
            if record.requests[-1].startswith(b"HEAD"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 321\r\n\r\n")
            else:
                writer.write(OK)
            await writer.drain()

    server = await scripted(head_then_get)
    pool = pools(server.port)

    head = await pool.request("HEAD", b"/", b"")
    assert await head.read() == b""
    assert head.content_length == 321
    head.release()
    after = await get(pool)

    assert after == (200, b"ok")
    assert server.connections == 1


async def test_an_interim_answer_is_skipped(scripted, pools):
    async def early_hints(reader, writer, _number, record):
        await read_request(reader, record)
        writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + OK)
        await writer.drain()
        await read_request(reader, record)

    server = await scripted(early_hints)
    pool = pools(server.port)

    assert await get(pool) == (200, b"ok")


async def test_large_bodies_stream_both_ways(pools):
    payload = bytes(range(256)) * 8 * 1024  # 2 MiB

    async def upload(request: web.Request) -> web.Response:
        received = await request.read()
        return web.json_response({
            "size": len(received), "same": received == payload,
            "chunked": request.headers.get("Transfer-Encoding") == "chunked",
        })

    async def download(_: web.Request) -> web.Response:
        return web.Response(body=payload)

    app = web.Application(client_max_size=len(payload) + 1)
    app.router.add_put("/up", upload)
    app.router.add_get("/down", download)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        pool = pools(port)

        async def pieces() -> AsyncIterator[bytes]:
            for start in range(0, len(payload), 100_000):
                yield payload[start : start + 100_000]

        uploaded = await pool.request("PUT", b"/up", b"", stream=pieces())
        upload_answer = await uploaded.read()
        uploaded.release()

        downloaded = await pool.request("GET", b"/down", b"")
        received = bytearray()
        async for chunk in downloaded.chunks():
            received += chunk
        downloaded.release()
    finally:
        await runner.cleanup()

    assert upload_answer == b'{"size": 2097152, "same": true, "chunked": true}'
    assert downloaded.content_length == len(payload)
    assert bytes(received) == payload


async def test_a_slow_uploader_is_not_taken_for_a_slow_upstream(scripted, pools):
    async def reads_body(reader, writer, _number, record):
        await read_request(reader, record)
        await reader.readexactly(len(b"5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n"))
        writer.write(OK)
        await writer.drain()
        await read_request(reader, record)

    server = await scripted(reads_body)
    pool = pools(server.port, read_timeout=0.02)

    async def slow_client() -> AsyncIterator[bytes]:
        yield b"first"
        await asyncio.sleep(0.1)  # a client pausing mid-upload, longer than the timeout
        yield b"second"

    response = await pool.request("POST", b"/up", b"", stream=slow_client())
    body = await response.read()
    response.release()

    assert (response.status, body) == (200, b"ok")


async def test_bytes_after_a_whole_answer_keep_the_answer_but_not_the_connection(
    scripted, pools
):
    async def chatty(reader, writer, _number, record):
        await read_request(reader, record)
        writer.write(OK + b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        await read_request(reader, record)

    server = await scripted(chatty)
    pool = pools(server.port)

    assert await get(pool) == (200, b"ok")
    assert pool.idle_count == 0
