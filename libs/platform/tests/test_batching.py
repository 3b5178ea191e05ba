"""Group commit: concurrent calls share a batch, each gets its own outcome, failures stay
with the item that caused them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from marketplace_platform.batching import Batcher

pytestmark = pytest.mark.unit


class Refused(Exception):
    pass


class Recorder:
    """A handler that records its batches; it doubles numbers, refuses negative ones, and
    fails the whole batch when it holds a 13."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, items: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(items))
        await self.gate.wait()
        if 13 in items:
            raise RuntimeError("the transaction failed")
        return [Refused(item) if item < 0 else item * 2 for item in items]


async def test_a_call_that_finds_it_idle_is_handled_at_once_alone() -> None:
    handler = Recorder()
    batcher = Batcher(handler)

    assert await batcher.submit(4) == 8
    assert handler.batches == [[4]]


async def test_calls_arriving_during_a_batch_share_the_next_one_in_order() -> None:
    handler = Recorder()
    handler.gate.clear()
    batcher = Batcher(handler)
    first = asyncio.create_task(batcher.submit(1))
    await asyncio.sleep(0)  # the first batch is being handled
    rest = [asyncio.create_task(batcher.submit(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    handler.gate.set()

    assert await first == 2
    assert [await task for task in rest] == [4, 6, 8]
    assert handler.batches == [[1], [2, 3, 4]]


async def test_batches_are_no_larger_than_max_size() -> None:
    handler = Recorder()
    handler.gate.clear()
    batcher = Batcher(handler, max_size=2)
    tasks = [asyncio.create_task(batcher.submit(n)) for n in range(5)]
    await asyncio.sleep(0)
    handler.gate.set()

    assert await asyncio.gather(*tasks) == [0, 2, 4, 6, 8]
    assert handler.batches == [[0, 1], [2, 3], [4]]


async def test_a_refused_item_raises_for_its_caller_only() -> None:
    handler = Recorder()
    handler.gate.clear()
    batcher = Batcher(handler)
    tasks = [asyncio.create_task(batcher.submit(n)) for n in (1, -1, 2)]
    await asyncio.sleep(0)
    handler.gate.set()

    outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    assert outcomes[0::2] == [2, 4]
    assert isinstance(outcomes[1], Refused)
    assert handler.batches == [[1, -1, 2]]


async def test_a_failed_batch_is_handled_again_item_by_item() -> None:
    handler = Recorder()
    handler.gate.clear()
    batcher = Batcher(handler)
    tasks = [asyncio.create_task(batcher.submit(n)) for n in (1, 13, 2)]
    await asyncio.sleep(0)
    handler.gate.set()

    outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    assert outcomes[0::2] == [2, 4]
    assert isinstance(outcomes[1], RuntimeError)
    assert handler.batches == [[1, 13, 2], [1], [13], [2]]


async def test_a_handler_answering_for_the_wrong_number_of_items_fails_them() -> None:
    async def short(items: Sequence[int]) -> list[int | BaseException]:
        return []

    with pytest.raises(RuntimeError, match="0 outcomes for a batch of 1"):
        await Batcher(short).submit(1)


async def test_a_caller_cancelled_before_its_batch_withdraws_its_item() -> None:
    handler = Recorder()
    handler.gate.clear()
    batcher = Batcher(handler)
    first = asyncio.create_task(batcher.submit(1))
    await asyncio.sleep(0)
    gone = asyncio.create_task(batcher.submit(2))
    stays = asyncio.create_task(batcher.submit(3))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    handler.gate.set()

    assert await first == 2
    assert await stays == 6
    assert gone.cancelled()
    assert handler.batches == [[1], [3]]


async def test_closing_cancels_the_calls_still_waiting() -> None:
    handler = Recorder()
    handler.gate.clear()
    batcher = Batcher(handler)
    tasks = [asyncio.create_task(batcher.submit(n)) for n in (1, 2)]
    await asyncio.sleep(0)

    await batcher.close()

    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(outcome, asyncio.CancelledError) for outcome in outcomes)


def test_a_batch_holds_at_least_one_item() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Batcher(Recorder(), max_size=0)
