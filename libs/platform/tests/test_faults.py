"""The fault-injection setting of the dead-letter lab: while its file exists a service's
consumers fail the events it lists, so they are retried and parked; once it is gone a replay
is handled. Unset, a service runs the plain bus."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import orjson
import pytest

from marketplace_contracts import Envelope
from marketplace_platform.events import EventBus, list_dead_letters, replay
from marketplace_platform.faults import FailingEventBus, InjectedFault, failing, failing_types
from marketplace_platform.runtime import ServiceRuntime
from marketplace_platform.settings import ServiceSettings
from marketplace_platform.testing.nats import EmbeddedNats

Eventually = Callable[..., Awaitable[None]]


def _envelope(type_: str) -> Envelope:
    return Envelope(id=uuid.uuid4(), type=type_, source="tests", data={})


@pytest.mark.unit
def test_the_file_lists_the_types_to_fail_and_empty_means_all(tmp_path: Path) -> None:
    path = tmp_path / "fail-events"
    assert failing_types(path) is None
    path.write_text("# the lab's event\norders.order.paid.v1\n\n")
    assert failing_types(path) == {"orders.order.paid.v1"}
    path.write_text("")
    assert failing_types(path) == frozenset()


@pytest.mark.unit
async def test_a_listed_event_fails_and_others_pass(tmp_path: Path) -> None:
    path = tmp_path / "fail-events"
    path.write_text("orders.order.paid.v1\n")
    handled: list[str] = []

    async def handler(envelope: Envelope) -> None:
        handled.append(envelope.type)

    handle = failing(handler, path)
    with pytest.raises(InjectedFault, match=r"orders\.order\.paid\.v1"):
        await handle(_envelope("orders.order.paid.v1"))
    await handle(_envelope("orders.order.created.v1"))
    path.unlink()
    await handle(_envelope("orders.order.paid.v1"))

    assert handled == ["orders.order.created.v1", "orders.order.paid.v1"]


@pytest.mark.unit
def test_the_setting_is_off_by_default_and_relative_to_the_var_dir(tmp_path: Path) -> None:
    plain = ServiceSettings(environment="test", var_dir=tmp_path)
    faulty = ServiceSettings(
        environment="test", var_dir=tmp_path, fault_fail_events_file=Path("fail-events")
    )

    assert plain.fault_fail_events_file is None
    assert type(ServiceRuntime(plain).bus) is EventBus
    assert faulty.fault_fail_events_file == (tmp_path / "fail-events").resolve()
    bus = ServiceRuntime(faulty).bus
    assert isinstance(bus, FailingEventBus)
    assert bus.fail_file == (tmp_path / "fail-events").resolve()


@pytest.mark.integration
async def test_a_listed_event_is_parked_while_the_file_exists_and_replays_once_it_is_gone(
    nats_server: EmbeddedNats, service: str, tmp_path: Path, eventually: Eventually
) -> None:
    fail_file = tmp_path / "fail-events"
    fail_file.write_text(f"{service}.thing.pinged.v1\n")
    bus = FailingEventBus(nats_server.url, service=service, fail_file=fail_file)
    handled: asyncio.Queue[Envelope] = asyncio.Queue()

    async def handler(envelope: Envelope) -> None:
        await handled.put(envelope)

    await bus.start()
    try:
        # The dead-letter stream is shared by the server: the consumer's name is this test's own.
        lab = f"lab-{service}"
        bus.consume(lab, [f"{service}.>"], handler, max_deliver=2, backoff=[0.01])
        envelope = Envelope(
            id=uuid.uuid4(), type=f"{service}.thing.pinged.v1", source=service, data={}
        )
        await bus.publish(
            envelope.type, orjson.dumps(envelope.model_dump(mode="json")), msg_id=str(envelope.id)
        )

        async def parked() -> bool:
            return bool(await list_dead_letters(bus, consumer=lab))

        await eventually(parked)
        [letter] = await list_dead_letters(bus, consumer=lab)
        assert letter.error.startswith("InjectedFault: fault injected while")
        assert handled.empty()

        fail_file.unlink()
        await replay(bus, letter.seq)
        assert (await asyncio.wait_for(handled.get(), 10)).id == envelope.id
    finally:
        await bus.close()
