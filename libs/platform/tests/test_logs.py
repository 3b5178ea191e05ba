"""Every log line written while a flow's trace context is current carries its trace id, so
that one ``grep`` finds the flow in every service's log; none is made up when there is none."""

from __future__ import annotations

import logging
from pathlib import Path

import orjson
import pytest

from marketplace_platform.events.bus import EVENT_LOGGER
from marketplace_platform.logs import JsonFormatter, request_id_var, trace_id
from marketplace_platform.runtime import ServiceRuntime
from marketplace_platform.settings import ServiceSettings
from marketplace_platform.tracing import traceparent_var

pytestmark = pytest.mark.unit

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _line(message: str = "hello") -> dict[str, object]:
    record = logging.LogRecord("tests", logging.WARNING, __file__, 1, message, None, None)
    return orjson.loads(JsonFormatter("orders").format(record))


def test_every_line_written_while_a_trace_is_current_carries_its_id() -> None:
    trace = traceparent_var.set(TRACEPARENT)
    request = request_id_var.set("req-1")
    try:
        line = _line()
    finally:
        request_id_var.reset(request)
        traceparent_var.reset(trace)

    assert line["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert line["request_id"] == "req-1"
    assert line["service"] == "orders"


def test_a_line_outside_any_flow_has_no_trace_id() -> None:
    assert "trace_id" not in _line()


def test_the_trace_id_is_the_second_field_of_the_traceparent() -> None:
    assert trace_id(TRACEPARENT) == TRACEPARENT.split("-")[1]


def test_a_service_without_access_lines_writes_no_event_lines_either(tmp_path: Path) -> None:
    events = logging.getLogger(EVENT_LOGGER)
    level = events.level
    try:
        ServiceRuntime(ServiceSettings(environment="test", var_dir=tmp_path, access_log=False))
        assert not events.isEnabledFor(logging.INFO)
    finally:
        events.setLevel(level)
