"""The mail sender: takes due letters from the queue, hands them to the mail server, and
records what happened to each (see ``domain.mail`` for why nothing is lost or sent twice).

Each round is three steps, so that no transaction stays open while the mail server is talked
to: claim a batch (one conditional ``UPDATE``: of two replicas' senders, one gets each
letter), send, record the outcomes (one read of the batch, its changes written together). A
letter whose sender died mid-round is claimed again when its claim runs out.

Letters are news, not page state: a committed letter wakes the sender, which waits
``gather`` before its round so that the letters of the next moments go in the same round
(two transactions for a batch rather than for each letter).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from marketplace_platform.clock import utcnow
from marketplace_platform.events.cancellation import cancel_and_wait
from notifications_service.domain.mail import MailRejected
from notifications_service.service.ports import Mailer, UnitOfWork

log = logging.getLogger(__name__)


async def send_due(
    *,
    unit_of_work: Callable[[], UnitOfWork],
    mailer: Mailer,
    batch: int,
    claim_for: timedelta,
) -> int:
    """One round: how many letters it tried."""
    now = utcnow()
    async with unit_of_work() as uow:
        letters = await uow.mail.claim_due(now, until=now + claim_for, limit=batch)
        await uow.commit()
    if not letters:
        return 0
    outcomes = dict(zip([letter.id for letter in letters], await mailer.send(letters), strict=True))
    done = utcnow()
    async with unit_of_work() as uow:
        for letter in await uow.mail.get_many(list(outcomes)):
            outcome = outcomes[letter.id]
            if outcome is None:
                letter.sent(done)
            elif isinstance(outcome, MailRejected):
                letter.failed(str(outcome))
                log.warning("a letter was refused for good: %s", outcome,
                            extra={"mail_id": str(letter.id)})
            else:
                letter.deferred(str(outcome), done)
                log.info("a letter is deferred: %s", outcome, extra={"mail_id": str(letter.id)})
        await uow.commit()
    return len(letters)


class MailSender:
    """Runs ``send_round`` while its rounds come back full (``batch`` letters: more may be
    waiting), then sleeps until ``notify()`` (a letter was committed) or ``interval``
    (deferred letters come due) wakes it; woken by a letter, it waits ``gather`` first so
    that the letters committed meanwhile share its round."""

    def __init__(
        self,
        send_round: Callable[[], Awaitable[int]],
        *,
        interval: timedelta,
        batch: int,
        gather: timedelta = timedelta(0),
    ) -> None:
        self._send_round = send_round
        self._interval = interval.total_seconds()
        self._batch = batch
        self._gather = gather.total_seconds()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="mail-sender")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(task)

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                while await self._send_round() >= self._batch:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("the mail sender's round failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            if self._wake.is_set() and self._gather:
                await asyncio.sleep(self._gather)
