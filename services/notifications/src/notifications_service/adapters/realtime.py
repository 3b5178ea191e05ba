"""Live pushes: this replica's open sockets (``Hub``), and the fan-out over core NATS that
gets a push to whichever replica holds the user's sockets (``Fanout``).

Events are consumed once per service (a durable consumer shared by the replicas), but a
user's sockets may be open on any replica, or on several. So the replica that handled the
event publishes the push on the core NATS subject ``realtime.user.<user id>``, and every
replica, subscribed to ``realtime.user.*``, hands it to the sockets of that user it holds,
if any. Core NATS stores nothing: a replica that misses a push (it was restarting) leaves its
client to catch up from the inbox when it reconnects (``?since=<last id>``).

Every replica hears every push. That is one subscription per replica instead of one per
user, and it stays cheap while the replicas are few; with many, per-user subscriptions would
let NATS send each push only where its user is.

A socket gets its pushes through a bounded queue that a task of its own drains while there is
something to write: a slow client holds up nobody else, and one that falls too far behind is
closed (it reconnects and catches up) rather than let its queue grow without end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable

import orjson

from marketplace_platform.clock import utcnow
from marketplace_platform.events.bus import BrokerUnavailable, EventBus
from marketplace_platform.events.cancellation import cancel_and_wait
from notifications_service.domain.messages import Message, heartbeat_message

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "realtime.user."
QUEUE_LIMIT = 256  # pushes waiting for one socket before it is closed as too slow


# Close codes of the real-time channel (4000-4999 are the application's, RFC 6455 7.4.2).
CLOSE_GOING_AWAY = 1001
CLOSE_TOKEN_EXPIRED = 4001
CLOSE_TOO_MANY_SOCKETS = 4008
CLOSE_TOO_SLOW = 4009


def user_subject(user_id: uuid.UUID) -> str:
    return f"{SUBJECT_PREFIX}{user_id}"


Send = Callable[[str], Awaitable[None]]
Close = Callable[[int, str], Awaitable[None]]


class Connection:
    """One open socket as the hub sees it: whose it is, and the pushes waiting for it.

    An idle socket costs one task (the server's, waiting for what the client sends) and this
    object: pushes are written by a task made when there is something to write, which ends
    once the queue is empty. Until ``open`` (the greeting and the catch-up are being sent)
    pushes wait; then those the catch-up already showed are dropped.
    """

    __slots__ = ("_close", "_closed", "_open", "_pending", "_send", "_shown", "_writer",
                 "closing", "last_sent", "user_id")

    def __init__(self, user_id: uuid.UUID, *, send: Send, close: Close) -> None:
        self.user_id = user_id
        self._send = send
        self._close = close
        self._pending: deque[str] = deque()
        self._writer: asyncio.Task[None] | None = None
        self._open = False
        self._closed = False
        self._shown: frozenset[str] = frozenset()
        # Why the socket is to be closed (too many sockets, too slow, token expired).
        self.closing: tuple[int, str] | None = None
        self.last_sent = time.monotonic()

    def open(self, shown: set[str]) -> None:
        """The greeting is out: pushes flow, except the notifications in ``shown``."""
        self._shown = frozenset(shown)
        self._open = True
        self._wake()

    def offer(self, payload: str) -> None:
        if self.closing is not None:
            return
        if len(self._pending) >= QUEUE_LIMIT:
            self.close(CLOSE_TOO_SLOW, "too many pushes waiting; reconnect to catch up")
            return
        self._pending.append(payload)
        self._wake()

    def close(self, code: int, reason: str) -> None:
        """Close the socket with ``code`` once what is being written is out."""
        if self.closing is None:
            self.closing = (code, reason)
            self._pending.clear()
            self._wake()  # a socket still greeting is closed once its greeting is out

    def gone(self) -> None:
        """The client left: nothing more is written."""
        self._closed = True
        self._pending.clear()

    def _wake(self) -> None:
        if self._open and not self._closed and (self._writer is None or self._writer.done()):
            self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        try:
            while self._pending and not self._closed:
                payload = self._pending.popleft()
                if self._shown and _shown_already(payload, self._shown):
                    continue
                await self._send(payload)
                self.last_sent = time.monotonic()
            if self.closing is not None and not self._closed:
                self._closed = True
                await self._close(*self.closing)
        except Exception as error:  # the client went away mid-write
            log.debug("a socket write failed: %s", error)
            self.gone()


def _shown_already(payload: str, shown: frozenset[str]) -> bool:
    if not payload.startswith('{"type":"notification"'):
        return False
    return orjson.loads(payload)["data"].get("id") in shown


class Hub:
    """The sockets open on this replica, by user, at most ``max_per_user`` each: a new one
    past the cap closes the user's oldest (most likely a tab left open long ago). It also
    sends the heartbeats: every socket silent for ``heartbeat`` seconds gets one."""

    def __init__(self, *, max_per_user: int, heartbeat: float = 25.0) -> None:
        self.max_per_user = max_per_user
        self.heartbeat = heartbeat
        self._sockets: dict[uuid.UUID, deque[Connection]] = {}
        self._beater: asyncio.Task[None] | None = None

    @property
    def sockets(self) -> int:
        return sum(len(connections) for connections in self._sockets.values())

    def attach(self, connection: Connection) -> None:
        connections = self._sockets.setdefault(connection.user_id, deque())
        connections.append(connection)
        while len(connections) > self.max_per_user:
            connections.popleft().close(
                CLOSE_TOO_MANY_SOCKETS, f"more than {self.max_per_user} sockets for this user"
            )

    def detach(self, connection: Connection) -> None:
        connections = self._sockets.get(connection.user_id)
        if connections is None:
            return
        with contextlib.suppress(ValueError):  # already closed as the oldest past the cap
            connections.remove(connection)
        if not connections:
            del self._sockets[connection.user_id]

    def deliver(self, user_id: uuid.UUID, payload: str) -> int:
        """Queue ``payload`` for every socket of the user here; how many there are."""
        connections = self._sockets.get(user_id, ())
        for connection in connections:
            connection.offer(payload)
        return len(connections)

    def start(self) -> None:
        if self._beater is None:
            self._beater = asyncio.create_task(self._beat(), name="heartbeats")

    async def stop(self) -> None:
        task, self._beater = self._beater, None
        if task is not None:
            await cancel_and_wait(task)
        for connections in list(self._sockets.values()):
            for connection in list(connections):
                connection.close(CLOSE_GOING_AWAY, "the server is stopping")

    async def _beat(self) -> None:
        # A fifth of the period apart: a socket waits at most 1.2 heartbeats for one.
        while True:
            await asyncio.sleep(self.heartbeat / 5)
            due = time.monotonic() - self.heartbeat
            payload = orjson.dumps(heartbeat_message(utcnow())).decode()
            for connections in list(self._sockets.values()):
                for connection in connections:
                    if connection.last_sent <= due:
                        connection.offer(payload)


class Fanout:
    """Pushes to a user's sockets on every replica, through core NATS."""

    def __init__(self, bus: EventBus, hub: Hub) -> None:
        self.bus = bus
        self.hub = hub
        bus.subscribe(f"{SUBJECT_PREFIX}*", self._received)

    async def push(self, user_id: uuid.UUID, message: Message) -> None:
        payload = orjson.dumps(message)
        try:
            await self.bus.publish_core(user_subject(user_id), payload)
        except BrokerUnavailable:
            # No broker, no other replica to reach: the sockets here still get it, the
            # others catch up from the inbox when they reconnect.
            self.hub.deliver(user_id, payload.decode())

    async def _received(self, subject: str, payload: bytes) -> None:
        try:
            user_id = uuid.UUID(subject.removeprefix(SUBJECT_PREFIX))
        except ValueError:
            log.warning("a push on %s names no user", subject)
            return
        self.hub.deliver(user_id, payload.decode())
