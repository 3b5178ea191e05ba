"""The analytics service's own verbs, beside ``serve``, ``migrate`` and ``revision``.

- ``rebuild --into URL``: migrate the database at URL and replay into it every event the
  service consumes, from the start of each publisher's JetStream stream, through the same
  consumer code and inbox as the live service. Run into a fresh store, it ends with the
  figures of the live one; run again into the same store, the inbox skips what it has and
  only the newer events are applied, so an operator catches up before switching over
  (docs/analytics.md). Needs streams that still hold every event (no ``max_age``).
- ``seed --orders N ...``: fill an empty store with generated history for benchmarks,
  straight into the facts and rollups; it publishes nothing (``demo``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from functools import partial

from analytics_service.adapters.unit_of_work import AnalyticsUnitOfWork
from analytics_service.consumers import events
from analytics_service.demo.command import configure_seed, run_seed
from analytics_service.migrations import MIGRATIONS_DIR
from analytics_service.settings import AnalyticsSettings
from marketplace_contracts import Envelope
from marketplace_platform import migrations
from marketplace_platform.cli import Command
from marketplace_platform.db import Database
from marketplace_platform.events import EventBus, handle_once, replay_streams
from marketplace_platform.settings import ServiceSettings

CONNECT_TIMEOUT = 10.0


async def rebuild(settings: AnalyticsSettings, url: str) -> int:
    """Replay every stream into the (migrated) store at ``url``; the events handled."""
    database = Database(url, pool_size=2)
    bus = EventBus(
        settings.nats_url,
        service=settings.service_name,
        own_stream=False,
        user=settings.nats_user,
        password=settings.nats_password,
    )
    unit_of_work = partial(AnalyticsUnitOfWork, database, source=settings.service_name)

    async def apply(envelope: Envelope) -> None:
        effect = events.effect_of(envelope)
        if effect is not None:
            await handle_once(
                unit_of_work(), consumer=events.CONSUMER, envelope=envelope, effect=effect
            )

    try:
        await bus.start()
        async with asyncio.timeout(CONNECT_TIMEOUT):
            await bus.wait_connected()
        return await replay_streams(bus, events.SUBJECTS, apply)
    finally:
        await bus.close()
        await database.dispose()


def _configure_rebuild(parser: argparse.ArgumentParser) -> None:
    parser.description = "Replay every stream from its start into the store at --into."
    parser.add_argument("--into", required=True, help="the database URL of the new store")


def _rebuild(args: argparse.Namespace, settings: ServiceSettings) -> int:
    assert isinstance(settings, AnalyticsSettings)
    migrations.upgrade(MIGRATIONS_DIR, args.into)
    handled = asyncio.run(rebuild(settings, args.into))
    sys.stdout.write(f"rebuilt: {handled} events replayed into the new store\n")
    return 0


def commands() -> dict[str, tuple[Callable[[argparse.ArgumentParser], None], Command]]:
    return {"rebuild": (_configure_rebuild, _rebuild), "seed": (configure_seed, run_seed)}
