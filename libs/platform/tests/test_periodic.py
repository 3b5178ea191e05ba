"""The background job every service's timers run on: when the first round comes, a failing
round does not end it, and stop ends it."""

import asyncio
import logging
from datetime import timedelta

import pytest

from marketplace_platform.periodic import Periodic

pytestmark = pytest.mark.unit

AN_HOUR = timedelta(hours=1)


async def test_the_first_round_runs_at_start() -> None:
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    timer = Periodic(job, interval=AN_HOUR, name="job")
    timer.start()
    async with asyncio.timeout(5):
        await ran.wait()
    await timer.stop()


async def test_without_run_first_the_first_round_waits_one_interval() -> None:
    rounds = 0

    async def job() -> None:
        nonlocal rounds
        rounds += 1

    timer = Periodic(job, interval=AN_HOUR, name="job", run_first=False)
    timer.start()
    for _ in range(20):
        await asyncio.sleep(0)
    await timer.stop()
    assert rounds == 0


async def test_a_failing_round_is_logged_and_the_next_one_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rounds = 0
    second = asyncio.Event()

    async def job() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            raise RuntimeError("the database is away")
        second.set()

    timer = Periodic(job, interval=timedelta(0), name="flaky-job")
    with caplog.at_level(logging.WARNING, logger="marketplace_platform.periodic"):
        timer.start()
        async with asyncio.timeout(5):
            await second.wait()
        await timer.stop()
    assert "flaky-job failed this round" in caplog.text


async def test_stop_ends_the_rounds() -> None:
    rounds = 0

    async def job() -> None:
        nonlocal rounds
        rounds += 1

    timer = Periodic(job, interval=timedelta(0), name="job")
    timer.start()
    await asyncio.sleep(0.01)
    await timer.stop()
    stopped_at = rounds
    await asyncio.sleep(0.01)
    assert rounds == stopped_at
    assert stopped_at >= 1
