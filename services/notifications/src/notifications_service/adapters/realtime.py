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

A socket gets its pushes through a bounded queue that its own task drains: a slow client
holds up nobody else, and one that falls too far behind is closed (it reconnects and catches
up) rather than let its queue grow without end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque

import orjson

from marketplace_platform.events.bus import BrokerUnavailable, EventBus
from notifications_service.domain.messages import Message

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "realtime.user."
QUEUE_LIMIT = 256  # pushes waiting for one socket before it is closed as too slow


# Close codes of the real-time channel (4000-4999 are the application's, RFC 6455 7.4.2).
CLOSE_TOKEN_EXPIRED = 4001
CLOSE_TOO_MANY_SOCKETS = 4008
CLOSE_TOO_SLOW = 4009


def user_subject(user_id: uuid.UUID) -> str:
    return f"{SUBJECT_PREFIX}{user_id}"


class Connection:
    """One open socket as the hub sees it: whose it is and the pushes waiting for it."""

    __slots__ = ("closing", "queue", "user_id")

    def __init__(self, user_id: uuid.UUID, *, limit: int = QUEUE_LIMIT) -> None:
        self.user_id = user_id
        self.queue: asyncio.Queue[str] = asyncio.Queue(limit)
        # Why the hub wants it closed (too many sockets, too slow), with its close code.
        self.closing: tuple[int, str] | None = None

    def offer(self, payload: str) -> None:
        if self.closing is not None:
            return
        try:
            self.queue.put_nowait(payload)
        except asyncio.QueueFull:
            self.close(CLOSE_TOO_SLOW, "too many pushes waiting; reconnect to catch up")

    def close(self, code: int, reason: str) -> None:
        """Ask the socket's task to close; it wakes on the empty string."""
        if self.closing is None:
            self.closing = (code, reason)
            while True:
                try:
                    self.queue.put_nowait("")
                    break
                except asyncio.QueueFull:
                    self.queue.get_nowait()


class Hub:
    """The sockets open on this replica, by user, at most ``max_per_user`` each: a new one
    past the cap closes the user's oldest (most likely a tab left open long ago)."""

    def __init__(self, *, max_per_user: int) -> None:
        self.max_per_user = max_per_user
        self._sockets: dict[uuid.UUID, deque[Connection]] = {}

    @property
    def sockets(self) -> int:
        return sum(len(connections) for connections in self._sockets.values())

    @property
    def users(self) -> int:
        return len(self._sockets)

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
