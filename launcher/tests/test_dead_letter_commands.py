import io
import json
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from marketplace_launcher import dead_letter_commands
from marketplace_launcher.console import Console
from marketplace_launcher.dead_letter_commands import broker_url, format_letters
from marketplace_launcher.options import DlqOptions
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.dead_letters import (
    DeadLetter,
    dead_letter_headers,
    dead_letter_subject,
)
from marketplace_platform.testing.nats import EmbeddedNats

ORIGINAL = "auth.user.registered.v1"


@pytest.mark.unit
def test_dead_letters_are_listed_one_aligned_line_each() -> None:
    letters = [
        DeadLetter(
            seq=seq, subject=ORIGINAL, consumer=consumer, error="boom: no such user",
            deliveries=5, stream="AUTH", stream_seq=seq, envelope_id=None, envelope_type=None,
            failed_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), payload=b"", headers={},
        )
        for seq, consumer in ((7, "orders"), (12, "notifications"))
    ]

    lines = format_letters(letters)

    assert lines[0].split() == ["SEQ", "FAILED", "AT", "(UTC)", "CONSUMER", "SUBJECT", "TRIES",
                                "ERROR"]
    assert lines[1].split()[:6] == ["7", "2025-01-02", "03:04:05", "orders", ORIGINAL, "5"]
    assert lines[2].index(ORIGINAL) == lines[1].index(ORIGINAL)
    assert lines[2].endswith("boom: no such user")


@pytest.mark.integration
def test_the_broker_is_the_given_one_else_the_running_launchers(tmp_path: Path) -> None:
    def options(nats: str | None) -> DlqOptions:
        return DlqOptions(action="list", nats=nats, var_dir=tmp_path)

    assert broker_url(options(None)) == "nats://127.0.0.1:4223"
    (tmp_path / "launcher.json").write_text(json.dumps({"nats_url": "nats://127.0.0.1:5555"}))
    assert broker_url(options(None)) == "nats://127.0.0.1:5555"
    assert broker_url(options("nats://elsewhere:4222")) == "nats://elsewhere:4222"


@pytest.fixture
async def publisher(private_nats_server: EmbeddedNats) -> AsyncIterator[EventBus]:
    bus = EventBus(private_nats_server.url, service="auth")
    await bus.start()
    await bus.wait_connected()
    await bus.declare_streams()
    yield bus
    await bus.close()


async def park(bus: EventBus, consumer: str, error: str) -> None:
    event_id = str(uuid.uuid4())
    payload = orjson.dumps({"id": event_id, "type": ORIGINAL, "data": {}})
    await bus.publish(
        dead_letter_subject(consumer, ORIGINAL),
        payload,
        msg_id=f"parked-{event_id}",
        headers=dead_letter_headers(
            original={"Nats-Msg-Id": event_id}, subject=ORIGINAL, stream="AUTH",
            stream_seq=1, consumer=consumer, error=error, deliveries=5,
        ),
    )


async def dlq(url: str, action: str, sequence: int | None = None) -> tuple[int, str]:
    out = io.StringIO()
    options = DlqOptions(action=action, nats=url, var_dir=Path("var"), sequence=sequence)
    code = await dead_letter_commands.run(options, Console(out, color=False))
    return code, out.getvalue()


@pytest.mark.integration
async def test_list_then_replay_a_dead_letter(publisher: EventBus) -> None:
    url = publisher.nats_url
    await park(publisher, "orders", "boom: no such user")

    listed_code, listed = await dlq(url, "list")
    seq = int(listed.splitlines()[1].split()[0])
    replayed_code, replayed = await dlq(url, "replay", seq)
    after_code, after = await dlq(url, "list")

    assert listed_code == 0
    assert "orders" in listed
    assert ORIGINAL in listed
    assert "boom: no such user" in listed
    assert replayed_code == 0
    assert replayed.startswith(f"replayed {seq}: {ORIGINAL} for orders")
    # Back on its original subject, addressed to the consumer that failed it.
    message = await publisher.jetstream.get_last_msg("AUTH", ORIGINAL)
    assert message.headers is not None
    assert message.headers["Dlq-Replay-For"] == "orders"
    assert (after_code, after) == (0, "no dead letters\n")


@pytest.mark.integration
async def test_replaying_an_unknown_sequence_fails_and_says_so(publisher: EventBus) -> None:
    code, output = await dlq(publisher.nats_url, "replay", 999)

    assert code == 1
    assert "no dead letter with sequence 999" in output


@pytest.mark.integration
async def test_no_broker_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dead_letter_commands, "CONNECT_TIMEOUT", 0.5)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]

    code, output = await dlq(f"nats://127.0.0.1:{port}", "list")

    assert code == 1
    assert f"cannot reach NATS at nats://127.0.0.1:{port}" in output


@pytest.mark.integration
async def test_a_long_error_in_russian_is_listed_whole_and_readable(publisher: EventBus) -> None:
    # Cut to length with a marker, and not ASCII: once a crash in `dlq list`.
    error = "ValueError: заказ не найден " * 40
    await park(publisher, "orders", error)

    code, listed = await dlq(publisher.nats_url, "list")

    assert code == 0
    assert "ValueError: заказ не найден" in listed
    assert listed.rstrip().endswith("...")


@pytest.mark.integration
async def test_a_letter_parked_with_raw_utf8_headers_is_listed(publisher: EventBus) -> None:
    # Parked by an older release, which wrote the error header as it came.
    headers = dead_letter_headers(
        original=None, subject=ORIGINAL, stream="AUTH", stream_seq=2, consumer="orders",
        error="x", deliveries=5,
    )
    headers["Dlq-Error"] = "ошибка: нет пользователя…"
    await publisher.publish(
        dead_letter_subject("orders", ORIGINAL), b"{}", msg_id="parked-raw", headers=headers
    )

    code, listed = await dlq(publisher.nats_url, "list")

    assert code == 0
    assert listed.rstrip().endswith("ошибка: нет пользователя…")
