"""The batched access-log handler."""

from __future__ import annotations

import asyncio
import io
import logging

import pytest

from gateway_service.access_log import BufferedLineHandler

pytestmark = pytest.mark.unit


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("marketplace.access", logging.INFO, __file__, 1, message, None, None)


async def test_lines_are_written_together_after_the_interval():
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, flush_interval=0.01)

    handler.emit(record("one"))
    handler.emit(record("two"))
    written_at_once = stream.getvalue()
    while not stream.getvalue():
        await asyncio.sleep(0.005)

    assert written_at_once == ""
    assert stream.getvalue() == "one\ntwo\n"


async def test_a_full_buffer_is_written_at_once():
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, flush_interval=60, max_lines=2)

    handler.emit(record("one"))
    handler.emit(record("two"))

    assert stream.getvalue() == "one\ntwo\n"


def test_outside_an_event_loop_each_line_is_written_at_once():
    stream = io.StringIO()
    handler = BufferedLineHandler(stream)

    handler.emit(record("alone"))

    assert stream.getvalue() == "alone\n"


async def test_close_writes_what_is_left():
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, flush_interval=60)
    handler.emit(record("last"))

    handler.close()

    assert stream.getvalue() == "last\n"
