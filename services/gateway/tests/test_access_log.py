"""The batched access log."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime

import pytest

from gateway_service.access_log import AccessLog

pytestmark = pytest.mark.unit

AT = 1_795_700_000.25


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_has_the_shape_of_every_other_json_log_line():
    stream = io.StringIO()
    log = AccessLog("gateway", stream, clock=lambda: AT)

    log.record("GET", "/api/catalog/ping", 200, 0.01234, "127.0.0.1", "req-1")

    assert lines(stream) == [{
        # As the platform's JsonFormatter writes it.
        "time": datetime.fromtimestamp(AT, UTC).isoformat(timespec="milliseconds"),
        "level": "info",
        "service": "gateway",
        "logger": "marketplace.access",
        "msg": "GET /api/catalog/ping 200",
        "request_id": "req-1",
        "status": 200,
        "duration_ms": 12.34,
        "client": "127.0.0.1",
    }]


async def test_lines_are_written_together_after_the_interval():
    stream = io.StringIO()
    log = AccessLog("gateway", stream, flush_interval=0.01)

    log.record("GET", "/one", 200, 0.001, None, "a")
    log.record("GET", "/two", 404, 0.001, None, "b")
    written_at_once = stream.getvalue()
    while not stream.getvalue():
        await asyncio.sleep(0.005)

    assert written_at_once == ""
    assert [line["msg"] for line in lines(stream)] == ["GET /one 200", "GET /two 404"]


async def test_a_full_buffer_is_written_at_once():
    stream = io.StringIO()
    log = AccessLog("gateway", stream, flush_interval=60, max_lines=2)

    log.record("GET", "/one", 200, 0.001, None, "a")
    log.record("GET", "/two", 200, 0.001, None, "b")

    assert len(lines(stream)) == 2


def test_outside_an_event_loop_each_line_is_written_at_once():
    stream = io.StringIO()
    log = AccessLog("gateway", stream)

    log.record("GET", "/alone", 200, 0.001, None, "a")

    assert lines(stream)[0]["msg"] == "GET /alone 200"


async def test_close_writes_what_is_left():
    stream = io.StringIO()
    log = AccessLog("gateway", stream, flush_interval=60)
    log.record("GET", "/last", 200, 0.001, None, "a")

    log.close()

    assert lines(stream)[0]["msg"] == "GET /last 200"
