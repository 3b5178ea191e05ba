"""``marketplace dlq list|replay``: the operator's view of the dead-letter stream.

The functions live with the event bus (``marketplace_platform.events.dead_letters``); this
module finds the broker and its credentials, calls them and prints the result.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from marketplace_launcher import local_secrets
from marketplace_launcher.broker import NatsCredentials, embedded_url, external_credentials
from marketplace_launcher.console import Console
from marketplace_launcher.options import DEFAULT_NATS_PORT, DlqOptions
from marketplace_launcher.run_state import read_published
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.dead_letters import (
    DeadLetter,
    DeadLetterNotFound,
    list_dead_letters,
    replay,
)

CONNECT_TIMEOUT = 5.0


def broker_url(options: DlqOptions) -> str:
    """``--nats``, else the running launcher's broker, else the embedded default."""
    if options.nats:
        return options.nats
    state = read_published(options.var_dir.resolve())
    if state and isinstance(state.get("nats_url"), str):
        return str(state["nats_url"])
    return embedded_url(DEFAULT_NATS_PORT)


def broker_credentials(options: DlqOptions, environ: Mapping[str, str]) -> NatsCredentials:
    """``MARKETPLACE_NATS_USER``/``_PASSWORD``; else, with ``--nats URL``, what the URL
    carries; else the embedded broker's, from the var dir (unless the running launcher uses
    an external one)."""
    given = external_credentials(environ)
    if given.user or options.nats:
        return given
    var_dir = options.var_dir.resolve()
    state = read_published(var_dir)
    if state is not None and not state.get("nats_embedded", True):
        return given
    stored = local_secrets.load(var_dir)
    if stored is None:
        return given
    return NatsCredentials(stored.nats_user, stored.nats_password)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def format_letters(letters: Sequence[DeadLetter]) -> list[str]:
    """One aligned line per dead letter, oldest first, under a header."""
    rows = [("SEQ", "FAILED AT (UTC)", "CONSUMER", "SUBJECT", "TRIES", "ERROR")]
    for letter in letters:
        rows.append(
            (
                str(letter.seq),
                _when(letter.failed_at),
                letter.consumer,
                letter.subject,
                str(letter.deliveries or "-"),
                letter.error,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True))
        + "  "
        + row[5]
        for row in rows
    ]


async def run(
    options: DlqOptions, console: Console, environ: Mapping[str, str] = os.environ
) -> int:
    url = broker_url(options)
    try:
        credentials = broker_credentials(options, environ)
    except local_secrets.SecretsUnreadable as error:
        console.error(str(error))
        return 1
    # An operator's client publishes nothing of its own, so it declares no stream of its own.
    bus = EventBus(
        url,
        service="operator",
        own_stream=False,
        user=credentials.user,
        password=credentials.password,
    )
    await bus.start()
    try:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await bus.wait_connected()
        except TimeoutError:
            console.error(
                f"cannot reach NATS at {bus.nats_url} (is `marketplace up` running? are its "
                f"credentials right?)"
            )
            return 1
        if options.action == "list":
            letters = await list_dead_letters(bus, limit=options.limit)
            if not letters:
                console.info("no dead letters")
                return 0
            for line in format_letters(letters):
                console.info(line)
            return 0
        assert options.sequence is not None
        try:
            letter = await replay(bus, options.sequence)
        except DeadLetterNotFound as error:
            console.error(str(error))
            return 1
        console.info(
            f"replayed {letter.seq}: {letter.subject} for {letter.consumer} "
            "(removed from the dead-letter stream)"
        )
        return 0
    finally:
        await bus.close()
