"""The mail sender: takes due letters from the queue, hands them to the mail server, and
records what happened to each (see ``domain.mail`` for why nothing is lost or sent twice).

Each round is three steps, so that no transaction stays open while the mail server is talked
to: claim a batch (a conditional ``UPDATE`` per letter: of two replicas' senders, one gets
each letter), send, record the outcomes. A letter whose sender died mid-round is claimed
again when its claim runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from marketplace_platform.clock import utcnow
from marketplace_platform.events.cancellation import cancel_and_wait
from notifications_service.domain.mail import Mail, MailRejected
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
        letters: list[Mail] = []
        for mail_id in await uow.mail.due(now, limit=batch):
            if await uow.mail.claim(mail_id, now=now, until=now + claim_for):
                letter = await uow.mail.get(mail_id)
                if letter is not None:
                    letters.append(letter)
        await uow.commit()
    if not letters:
        return 0
    outcomes = await mailer.send(letters)
    done = utcnow()
    async with unit_of_work() as uow:
        for sent, outcome in zip(letters, outcomes, strict=True):
            letter = await uow.mail.get(sent.id)
            if letter is None:
                continue
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
    """Runs ``send_round`` until nothing is due, then sleeps until ``notify()`` (a letter was
    committed) or ``interval`` (deferred letters come due) wakes it."""

    def __init__(self, send_round: Callable[[], Awaitable[int]], *, interval: timedelta) -> None:
        self._send_round = send_round
        self._interval = interval.total_seconds()
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
                while await self._send_round():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("the mail sender's round failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
