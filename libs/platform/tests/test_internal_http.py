"""Calls to a peer's internal API: replicas in turn, the token and the request's trace on
every call, and the few ways a call can fail."""

import asyncio
import contextlib
import sys
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from pydantic import BaseModel

from marketplace_platform.internal_http import (
    BadAnswer,
    InternalClient,
    PeerTimedOut,
    PeerUnavailable,
    Unreachable,
    json_of,
)
from marketplace_platform.logs import request_id_var
from marketplace_platform.tracing import traceparent_var

pytestmark = pytest.mark.unit

TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, *urls: str) -> InternalClient:
    return InternalClient(
        urls or ("http://a:1",),
        token="t0ken",
        timeout=timedelta(seconds=2),
        transport=httpx.MockTransport(handler),
    )


def down(*hosts: str) -> Handler:
    """A peer whose replicas on ``hosts`` refuse connections; the others answer their host."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host in hosts:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"host": request.url.host})

    return handle


async def test_replicas_take_turns() -> None:
    peer = client(down(), "http://a:1/", "http://b:1", "http://c:1")
    hosts = [(await peer.request("GET", "/internal/x")).json()["host"] for _ in range(6)]
    assert hosts == ["a", "b", "c", "a", "b", "c"]
    await peer.close()


async def test_a_replica_that_refuses_the_connection_is_skipped() -> None:
    peer = client(down("a"), "http://a:1", "http://b:1")
    hosts = [(await peer.request("GET", "/internal/x")).json()["host"] for _ in range(4)]
    assert hosts == ["b", "b", "b", "b"]
    await peer.close()


async def test_no_replica_taking_the_connection_is_unreachable() -> None:
    peer = client(down("a", "b"), "http://a:1", "http://b:1")
    with pytest.raises(Unreachable) as caught:
        await peer.request("GET", "/internal/x")
    assert "http://a:1" in str(caught.value)
    assert "http://b:1" in str(caught.value)
    await peer.close()


async def test_a_sent_request_without_an_answer_is_not_sent_again() -> None:
    sent: list[str] = []

    def slow(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.host)
        raise httpx.ReadTimeout("no answer", request=request)

    peer = client(slow, "http://a:1", "http://b:1")
    with pytest.raises(PeerTimedOut):
        await peer.request("POST", "/internal/x", json={})
    assert sent == ["a"]
    await peer.close()


async def test_every_status_is_an_answer() -> None:
    peer = client(lambda request: httpx.Response(503, json={"type": "x"}))
    assert (await peer.request("GET", "/internal/x")).status_code == 503
    await peer.close()


async def test_the_token_and_the_requests_trace_go_along() -> None:
    seen: list[httpx.Headers] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(204)

    peer = client(record)
    await peer.request("GET", "/internal/x")  # outside any request: no trace to pass on
    request_token = request_id_var.set("req-1")
    trace_token = traceparent_var.set(TRACE)
    try:
        await peer.request("GET", "/internal/x")
    finally:
        traceparent_var.reset(trace_token)
        request_id_var.reset(request_token)
    await peer.close()
    assert seen[0]["X-Internal-Token"] == "t0ken"
    assert "X-Request-ID" not in seen[0]
    assert "traceparent" not in seen[0]
    assert seen[1]["X-Internal-Token"] == "t0ken"
    assert (seen[1]["X-Request-ID"], seen[1]["traceparent"]) == ("req-1", TRACE)


def test_a_client_needs_a_replica() -> None:
    with pytest.raises(ValueError, match="base URL"):
        InternalClient((), token="t", timeout=timedelta(seconds=1))


class Thing(BaseModel):
    id: int
    name: str


async def test_json_of_reads_the_model_or_says_the_answer_is_bad() -> None:
    answers = iter([{"id": 1, "name": "one"}, {"id": "one"}])
    peer = client(lambda request: httpx.Response(200, json=next(answers)))
    assert json_of(await peer.request("GET", "/internal/things/1"), Thing) == Thing(
        id=1, name="one"
    )
    with pytest.raises(BadAnswer, match="/internal/things/2") as caught:
        json_of(await peer.request("GET", "/internal/things/2"), Thing)
    assert isinstance(caught.value, PeerUnavailable)
    await peer.close()


class _Imports:
    """A finder first on ``sys.meta_path`` that notes each module the import system looks
    for (a module already imported is not looked for) and leaves finding it to the others."""

    def __init__(self) -> None:
        self.sought: list[str] = []

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        self.sought.append(name)


async def test_a_request_looks_for_no_module() -> None:
    # httpcore asks sniffio for the event loop on every request; were sniffio missing, each
    # ask would be a failed import searching sys.path (~5 % of a service's CPU under load).
    connections: list[asyncio.StreamWriter] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    peer = InternalClient(
        (f"http://127.0.0.1:{port}",), token="t0ken", timeout=timedelta(seconds=5)
    )
    imports = _Imports()
    try:
        await peer.request("GET", "/internal/x")  # the first one may import what it uses
        sys.meta_path.insert(0, imports)
        try:
            response = await peer.request("GET", "/internal/x")
        finally:
            sys.meta_path.remove(imports)
    finally:
        await peer.close()
        server.close()
        for writer in connections:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        await server.wait_closed()
    assert response.status_code == 200
    assert imports.sought == []
