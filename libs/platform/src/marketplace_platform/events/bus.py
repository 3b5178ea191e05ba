"""The event bus: one NATS connection per service process, JetStream publishing with
de-duplication, and durable pull consumers with retries and a dead-letter stream.

A service must start and take writes while the broker is down (its outbox holds the events),
so ``start()`` never fails for want of NATS: the connection is retried in the background
forever, and streams and consumers are (re)declared every time it comes up.

Consumers are durable and named after the consuming service, so the replicas of a service
share one consumer and JetStream hands each event to one of them. A message is acked only
after its handler returned, i.e. after the handler's transaction committed. A failing handler
gets the message again after a growing delay; after ``max_deliver`` tries the message is parked
in the dead-letter stream (see ``dead_letters``) and terminated.

A consumer handles several messages at once (``concurrency``), keyed by the envelope's
``subject``, the thing an event is about: the events of one order are handled one after
another, in the order of the stream, while those of other orders run beside them. A message
handed back for a retry does not hold up the later ones of its key: it comes back after its
delay, as it did when messages were handled one at a time, and handlers judge late news
(the inbox, the status machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from nats.js.errors import APIError, FetchTimeoutError, NoStreamResponseError, NotFoundError
from pydantic import ValidationError

from marketplace_contracts import Envelope, stream_name, stream_subjects
from marketplace_platform.events.cancellation import cancel_and_wait
from marketplace_platform.events.dead_letters import (
    DEAD_LETTER_PREFIX,
    ERROR_HEADER,
    MSG_ID_HEADER,
    REPLAY_FOR_HEADER,
    dead_letter_headers,
    dead_letter_subject,
)
from marketplace_platform.nats_urls import without_credentials
from marketplace_platform.tracing import traceparent_var

log = logging.getLogger(__name__)
# One line per event a consumer handled: the consumers' access log.
EVENT_LOGGER = "marketplace.events"
event_log = logging.getLogger(EVENT_LOGGER)

Handler = Callable[[Envelope], Awaitable[None]]
CoreHandler = Callable[[str, bytes], Awaitable[None]]

DUPLICATE_WINDOW = 120.0  # seconds JetStream remembers a Nats-Msg-Id
STREAM_NAME_IN_USE = 10058  # JetStream error code: another replica created it first
DEFAULT_BACKOFF = (1.0, 5.0, 30.0, 120.0)
RETRY_DELAY = 1.0  # between attempts to set up a consumer that failed
# Messages a consumer has in work at once unless told otherwise. Each is a handler's
# transaction: a few at a time keep the database and the event loop busy while one waits.
DEFAULT_CONCURRENCY = 8


class BrokerUnavailable(ConnectionError):
    """Not connected to NATS right now; the caller should retry later."""


@dataclass(frozen=True)
class ConsumerOptions:
    max_deliver: int = 5
    # Delay before the n-th redelivery of a failed message; the last one repeats.
    backoff: tuple[float, ...] = DEFAULT_BACKOFF
    batch: int = 10
    # Messages handled at once, of different keys (see ``_Consumer``).
    concurrency: int = DEFAULT_CONCURRENCY
    # How long JetStream waits for an ack before redelivering; while fetched messages wait
    # or run, progress reports extend it.
    ack_wait: float = 30.0
    # How long one pull waits for messages before asking again.
    fetch_timeout: float = 5.0


class EventBus:
    def __init__(
        self,
        nats_url: str,
        *,
        service: str,
        dead_letter_stream: str = "DLQ",
        connect_timeout: float = 2.0,
        reconnect_wait: float = 1.0,
        request_timeout: float = 5.0,
        duplicate_window: float = DUPLICATE_WINDOW,
        stream_max_age: float | None = None,
        stop_grace: float = 5.0,
        consumer_concurrency: int = DEFAULT_CONCURRENCY,
        own_stream: bool = True,
        user: str = "",
        password: str = "",
    ) -> None:
        """``own_stream=False`` for a client that publishes nothing of its own (an operator's
        CLI): it then declares no ``<SERVICE>`` stream. ``user``/``password``: the broker's
        credentials, unless the URL carries them. ``consumer_concurrency``: how many messages
        each consumer handles at once unless ``consume`` says otherwise."""
        if consumer_concurrency < 1:
            raise ValueError("consumer_concurrency must be positive")
        self._servers = nats_url
        self._credentials = {"user": user, "password": password} if user else {}
        self.nats_url = without_credentials(nats_url)  # what logs and errors show
        self.service = service
        self.stream = stream_name(service)
        self.dead_letter_stream = dead_letter_stream
        self._connect_timeout = connect_timeout
        self._reconnect_wait = reconnect_wait
        self._request_timeout = request_timeout
        self._duplicate_window = duplicate_window
        self._stream_max_age = stream_max_age
        self._stop_grace = stop_grace
        self._own_stream = own_stream
        self._consumer_concurrency = consumer_concurrency

        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._connect_task: asyncio.Task[None] | None = None
        self._up = asyncio.Event()
        self._closing = False
        # Bumped on every (re)connection: whatever was declared on the server is re-declared
        # once per generation, in case the server came back without its state.
        self._generation = 0
        self._declared: set[tuple[int, str]] = set()
        self._declare_lock = asyncio.Lock()
        self._consumers: list[_Consumer] = []
        self._background: set[asyncio.Task[None]] = set()
        # Core NATS subscriptions (no JetStream): subject -> callback, made on this client.
        self._core_handlers: dict[str, CoreHandler] = {}
        self._core_subscribed: set[str] = set()

    # -- connection ------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    @property
    def jetstream(self) -> JetStreamContext:
        if self._js is None or not self.connected:
            raise BrokerUnavailable(f"not connected to NATS at {self.nats_url}")
        return self._js

    @property
    def consumers(self) -> list[tuple[str, str]]:
        """``(durable, stream)`` of every consumer registered on this bus (for metrics)."""
        return [(consumer.durable, consumer.stream) for consumer in self._consumers]

    @property
    def consumer_names(self) -> tuple[str, ...]:
        """The durable consumers registered on this bus (whose dead letters it owns)."""
        return tuple(dict.fromkeys(durable for durable, _ in self.consumers))

    async def wait_connected(self) -> None:
        """Until connected (wrap in ``asyncio.timeout`` to bound it)."""
        await self._up.wait()

    async def start(self) -> None:
        """Connect, or keep trying in the background if NATS is not there yet."""
        if self._nc is not None:
            return
        self._closing = False
        self._nc = Client()
        self._connect_task = asyncio.create_task(
            self._connect(self._nc), name=f"nats-connect-{self.service}"
        )
        self._connect_task.add_done_callback(self._connect_finished)
        done, _ = await asyncio.wait({self._connect_task}, timeout=self._connect_timeout)
        if not done:
            log.warning(
                "NATS unreachable, retrying in the background", extra={"nats": self.nats_url}
            )
        for consumer in self._consumers:
            consumer.start()

    async def close(self) -> None:
        self._closing = True
        await asyncio.gather(*(consumer.stop(self._stop_grace) for consumer in self._consumers))
        for task in [self._connect_task, *self._background]:
            if task is not None:
                await cancel_and_wait(task)
        self._connect_task = None
        nc, self._nc, self._js = self._nc, None, None
        self._core_subscribed.clear()
        self._up.clear()
        if nc is not None and not nc.is_closed:
            with contextlib.suppress(Exception):
                if nc.is_connected:
                    # The last acks reach the server before we hang up.
                    await nc.flush(timeout=1)
                await nc.close()

    async def _connect(self, nc: Client) -> None:
        # With max_reconnect_attempts=-1 nats-py keeps trying the first connection too, so
        # this returns only once connected.
        await nc.connect(
            servers=[self._servers],
            **self._credentials,  # type: ignore[arg-type]
            name=self.service,
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=self._reconnect_wait,  # type: ignore[arg-type]
            connect_timeout=self._connect_timeout,  # type: ignore[arg-type]
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnected,
            reconnected_cb=self._on_reconnected,
        )
        self._js = nc.jetstream(timeout=self._request_timeout)
        self._on_up()
        log.debug("connected to NATS", extra={"nats": self.nats_url})

    def _connect_finished(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            # nats-py retries every connection error itself; this is a bug or a bad URL.
            log.error("cannot connect to NATS: %r", task.exception(), extra={"nats": self.nats_url})

    def _on_up(self) -> None:
        self._generation += 1
        self._declared = {key for key in self._declared if key[0] == self._generation}
        self._up.set()
        # Declare the streams now rather than at the first publish, so that consumers of other
        # services can bind to them even before this service has published anything.
        self._spawn(self._declare_streams_quietly())
        if self._core_handlers:
            self._spawn(self._subscribe_core())

    async def _on_disconnected(self) -> None:
        self._up.clear()
        if not self._closing:
            log.warning("lost the connection to NATS, reconnecting", extra={"nats": self.nats_url})

    async def _on_reconnected(self) -> None:
        log.info("reconnected to NATS", extra={"nats": self.nats_url})
        self._on_up()

    async def _on_error(self, error: Exception) -> None:
        # Every failed reconnect attempt lands here; the disconnect was already reported.
        if isinstance(error, OSError | asyncio.TimeoutError | nats.errors.NoServersError):
            log.debug("NATS connection attempt failed: %s", error)
        elif isinstance(error, nats.errors.StaleConnectionError | nats.errors.UnexpectedEOF):
            log.debug("NATS connection dropped: %s", error)
        else:
            log.warning("NATS error: %s", error)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- streams ---------------------------------------------------------------------------

    async def _declare_streams_quietly(self) -> None:
        try:
            await self.declare_streams()
        except Exception as error:
            # Not fatal: publish and the consumers declare again before they need the streams.
            log.warning("could not declare streams yet: %s", error)

    async def declare_streams(self) -> None:
        """This service's stream and the dead-letter stream; idempotent."""
        if self._own_stream:
            await self.declare_stream(self.stream, stream_subjects(self.service))
        await self.declare_stream(self.dead_letter_stream, [f"{DEAD_LETTER_PREFIX}.>"])

    async def declare_stream(self, name: str, subjects: list[str]) -> None:
        """Create the stream if it does not exist; once per connection."""
        key = (self._generation, name)
        if key in self._declared:
            return
        async with self._declare_lock:
            if key in self._declared:
                return
            js = self.jetstream
            try:
                await js.stream_info(name)
            except NotFoundError:
                config = api.StreamConfig(
                    name=name,
                    subjects=subjects,
                    storage=api.StorageType.FILE,
                    retention=api.RetentionPolicy.LIMITS,
                    duplicate_window=self._duplicate_window,
                    max_age=self._stream_max_age,
                )
                try:
                    await js.add_stream(config)
                except APIError as error:
                    if error.err_code != STREAM_NAME_IN_USE:
                        raise
            self._declared.add(key)

    # -- publishing ------------------------------------------------------------------------

    async def publish(
        self,
        subject: str,
        payload: bytes,
        *,
        msg_id: str,
        headers: dict[str, str] | None = None,
    ) -> api.PubAck:
        """Publish and wait for JetStream to store it; raises if it did not.

        ``msg_id`` becomes ``Nats-Msg-Id``: a second publish with the same id inside the
        duplicate window is acknowledged (``PubAck.duplicate``) but not stored again.
        """
        js = self.jetstream
        await self.declare_streams()
        all_headers = {**(headers or {}), MSG_ID_HEADER: msg_id}
        try:
            return await js.publish(subject, payload, headers=all_headers)
        except NoStreamResponseError:
            # The server lost the stream (a broker wiped and restarted): declare it again.
            self._declared.clear()
            await self.declare_streams()
            return await js.publish(subject, payload, headers=all_headers)

    # -- consuming -------------------------------------------------------------------------

    def consume(
        self,
        durable: str,
        subjects: Sequence[str],
        handler: Handler,
        *,
        max_deliver: int = 5,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        batch: int = 10,
        ack_wait: float = 30.0,
        fetch_timeout: float = 5.0,
        concurrency: int | None = None,
    ) -> None:
        """Register ``handler`` for ``subjects`` under the durable consumer ``durable``.

        Subjects may belong to several publishers' streams (``auth.user.>``,
        ``orders.order.paid.v1``); one consumer named ``durable`` is made on each. Call
        before or after ``start()``: consumers run whenever the bus is connected.

        One call per durable: a consumer's filter is the whole list of its subjects, so a
        second call for the same durable would replace the first one's filter on the server.
        A service dispatches on ``envelope.type`` inside its handler instead.

        Up to ``concurrency`` messages (default: the bus's ``consumer_concurrency``) are
        handled at once, those with the same ``envelope.subject`` one after another in stream
        order; ``batch`` is the most one pull asks for.
        """
        if not subjects:
            raise ValueError("consume() needs at least one subject")
        concurrency = self._consumer_concurrency if concurrency is None else concurrency
        if max_deliver < 1 or batch < 1 or concurrency < 1 or not backoff:
            raise ValueError(
                "max_deliver, batch and concurrency must be positive and backoff non-empty"
            )
        options = ConsumerOptions(
            max_deliver=max_deliver,
            backoff=tuple(backoff),
            batch=batch,
            ack_wait=ack_wait,
            fetch_timeout=fetch_timeout,
            concurrency=concurrency,
        )
        by_stream = subjects_by_publisher(subjects)
        if any(consumer.durable == durable for consumer in self._consumers):
            raise ValueError(f"consumer {durable!r} is already registered on this bus")
        for publisher, stream_subjects_ in by_stream.items():
            consumer = _Consumer(
                self,
                publisher=publisher,
                durable=durable,
                subjects=stream_subjects_,
                handler=handler,
                options=options,
            )
            self._consumers.append(consumer)
            if self._nc is not None and not self._closing:
                consumer.start()

    # -- core NATS: fire-and-forget fan-out ------------------------------------------------

    def subscribe(self, subject: str, handler: CoreHandler) -> None:
        """Call ``handler(subject, payload)`` for every core NATS message on ``subject``
        (wildcards allowed) that arrives while connected. No JetStream: nothing is stored,
        every subscriber gets each message, and one sent while this process is away is not
        seen. For pushes that a durable record backs (a notification a client can fetch
        again), or a cache of an event's facts whose owner can still be asked (payments'
        placed orders), not for applying events. Subscribed once connected; nats-py renews
        it on reconnects."""
        self._core_handlers[subject] = handler
        if self.connected:
            self._spawn(self._subscribe_core())

    async def publish_core(self, subject: str, payload: bytes) -> None:
        """Send a core NATS message; ``BrokerUnavailable`` when not connected."""
        if self._nc is None or not self.connected:
            raise BrokerUnavailable(f"not connected to NATS at {self.nats_url}")
        await self._nc.publish(subject, payload)

    async def _subscribe_core(self) -> None:
        nc = self._nc
        for subject, handler in list(self._core_handlers.items()):
            if nc is None or subject in self._core_subscribed:
                continue
            self._core_subscribed.add(subject)

            async def deliver(msg: Msg, handler: CoreHandler = handler) -> None:
                try:
                    await handler(msg.subject, msg.data)
                except Exception:
                    log.exception("a core NATS handler failed on %s", msg.subject)

            try:
                await nc.subscribe(subject, cb=deliver)
            except Exception as error:
                self._core_subscribed.discard(subject)
                log.warning("could not subscribe to %s yet: %s", subject, error)


def subjects_by_publisher(subjects: Sequence[str]) -> dict[str, list[str]]:
    """``subjects`` grouped by the service that publishes them (the first token), whose
    stream holds them."""
    by_stream: dict[str, list[str]] = {}
    for subject in subjects:
        publisher = subject.split(".", 1)[0]
        if publisher in ("", "*", ">"):
            raise ValueError(f"subject {subject!r} does not name its publishing service")
        by_stream.setdefault(publisher, []).append(subject)
    return by_stream


class _Consumer:
    """One durable pull consumer on one stream, and the loop that feeds its handler.

    Messages are pulled in batches and each is handled in a task of its own, up to
    ``options.concurrency`` at once. The envelope's ``subject`` (what the event is about: an
    order, a user) is the key of ordering: a message waits until the one before it with the
    same key has been answered (acked, or handed back for a retry), so one order's events are
    applied in stream order while other orders' are applied beside them. Up to a batch more
    than that are held, so that a run of events about one thing, waiting for their turn, does
    not keep the consumer from pulling those about other things.
    """

    def __init__(
        self,
        bus: EventBus,
        *,
        publisher: str,
        durable: str,
        subjects: list[str],
        handler: Handler,
        options: ConsumerOptions,
    ) -> None:
        self.bus = bus
        self.publisher = publisher
        self.stream = stream_name(publisher)
        self.durable = durable
        self.subjects = subjects
        self.handler = handler
        self.options = options
        self._task: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._stopping = False
        # Every fetched message is held from its fetch until it is answered, each by the task
        # that handles it: all need progress reports (``_keep_alive``), not only those running.
        self._work: dict[asyncio.Task[None], Msg] = {}
        # The last message in work per key: the next one with that key waits for it.
        self._last_of_key: dict[str | None, asyncio.Task[None]] = {}
        self._room = asyncio.Event()  # set whenever a message has been answered
        self._hold_at_most = options.concurrency + options.batch
        self._running = asyncio.Semaphore(options.concurrency)

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(
                self._run(), name=f"consumer-{self.durable}-{self.stream}"
            )
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(
                self._keep_alive(), name=f"consumer-{self.durable}-{self.stream}-progress"
            )

    async def stop(self, grace: float) -> None:
        """Let running handlers finish (up to ``grace``) and hand back the messages still
        waiting for their turn; abandon an idle pull at once."""
        self._stopping = True
        task, self._task = self._task, None
        if self._work:
            await asyncio.wait(set(self._work), timeout=grace)
        if task is not None:
            await cancel_and_wait(task)
        for left in list(self._work):
            await cancel_and_wait(left)  # unanswered: JetStream redelivers it after ack_wait
        heartbeat, self._heartbeat = self._heartbeat, None
        if heartbeat is not None:
            await cancel_and_wait(heartbeat)

    async def _run(self) -> None:
        bus = self.bus
        while not self._stopping:
            await bus._up.wait()
            generation = bus._generation
            subscription: JetStreamContext.PullSubscription | None = None
            try:
                subscription = await self._bind()
                await self._pull(subscription, generation)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if not self._stopping and bus.connected:
                    log.warning(
                        "consumer %s on %s failed, setting it up again: %s",
                        self.durable,
                        self.stream,
                        error,
                    )
                await asyncio.sleep(RETRY_DELAY)
            finally:
                if subscription is not None:
                    with contextlib.suppress(Exception):
                        await subscription.unsubscribe()

    async def _bind(self) -> JetStreamContext.PullSubscription:
        bus = self.bus
        # The publisher's stream may not exist yet if it has never run; its config is
        # deterministic, so whoever comes first creates it.
        await bus.declare_stream(self.stream, stream_subjects(self.publisher))
        await bus.declare_stream(bus.dead_letter_stream, [f"{DEAD_LETTER_PREFIX}.>"])
        config = api.ConsumerConfig(
            name=self.durable,
            durable_name=self.durable,
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.ALL,
            ack_wait=self.options.ack_wait,
            # Redeliveries are counted here, not by the server: the server would drop a
            # message silently at its limit, we park it in the dead-letter stream instead.
            max_deliver=-1,
        )
        if len(self.subjects) == 1:
            config.filter_subject = self.subjects[0]
        else:
            config.filter_subjects = list(self.subjects)
        js = bus.jetstream
        # Create-or-update: a new release that listens to more subjects widens the filter.
        await js.add_consumer(self.stream, config)
        return await js.pull_subscribe_bind(durable=self.durable, stream=self.stream)

    async def _pull(self, subscription: JetStreamContext.PullSubscription, generation: int) -> None:
        bus = self.bus
        options = self.options
        while not self._stopping:
            if bus._generation != generation or not bus.connected:
                return  # reconnected (or about to): bind again
            # Pull no more than there is room for: a message fetched is a message held, and
            # one held too long behind the others is one JetStream sends again.
            while len(self._work) >= self._hold_at_most:
                self._room.clear()
                await self._room.wait()
            wanted = min(options.batch, self._hold_at_most - len(self._work))
            try:
                messages = await subscription.fetch(wanted, timeout=options.fetch_timeout)
            except (TimeoutError, FetchTimeoutError):
                continue
            for message in messages:
                self._dispatch(message)

    def _dispatch(self, msg: Msg) -> None:
        """Start the message's task, behind the last one in work with the same key."""
        try:
            envelope: Envelope | str = Envelope.model_validate_json(msg.data)
        except ValidationError as error:
            envelope = f"unparseable envelope: {error}"
        before = None
        if isinstance(envelope, Envelope):
            key = envelope.subject  # None (about nothing in particular) is a key too
            before = self._last_of_key.get(key)
        task = asyncio.create_task(self._in_turn(msg, envelope, before))
        self._work[task] = msg
        if isinstance(envelope, Envelope):
            self._last_of_key[key] = task
            task.add_done_callback(lambda done: self._answered(done, key))
        else:
            task.add_done_callback(lambda done: self._answered(done, None))

    def _answered(self, task: asyncio.Task[None], key: str | None) -> None:
        self._work.pop(task, None)
        if self._last_of_key.get(key) is task:
            del self._last_of_key[key]
        self._room.set()

    async def _in_turn(
        self, msg: Msg, envelope: Envelope | str, before: asyncio.Task[None] | None
    ) -> None:
        if before is not None:
            await asyncio.wait({before})  # its outcome is its own; this only waits its turn
        try:
            async with self._running:
                if self._stopping:
                    await msg.nak()  # hand it back now rather than after ack_wait
                    return
                await self._process(msg, envelope)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # The answer did not reach the server (the connection dropped): JetStream
            # sends the message again after its ack wait.
            log.warning("consumer %s could not answer a message: %s", self.durable, error)

    async def _keep_alive(self) -> None:
        """Tell JetStream every third of the ack wait that the held messages are in work."""
        while True:
            await asyncio.sleep(self.options.ack_wait / 3)
            for message in list(self._work.values()):
                with contextlib.suppress(nats.errors.Error):
                    await message.in_progress()

    async def _process(self, msg: Msg, envelope: Envelope | str) -> None:
        headers = msg.headers or {}
        replay_for = headers.get(REPLAY_FOR_HEADER)
        if replay_for is not None and replay_for != self.durable:
            await msg.ack()  # a dead letter replayed for another consumer
            return
        deliveries = msg.metadata.num_delivered
        if isinstance(envelope, str):
            await self._dead_letter(msg, envelope, deliveries)
            return
        if deliveries > self.options.max_deliver:
            # Every try so far ended without an answer (ack_wait ran out, the process died).
            await self._dead_letter(msg, "no result after the delivery limit", deliveries)
            return
        try:
            # This task is the message's own, so the trace context set here is its alone.
            traceparent_var.set(envelope.traceparent)
            await self.handler(envelope)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            description = f"{type(error).__name__}: {error}"
            if deliveries >= self.options.max_deliver:
                await self._dead_letter(msg, description, deliveries)
                return
            backoff = self.options.backoff
            delay = backoff[min(deliveries, len(backoff)) - 1]
            log.warning(
                "handler %s failed on %s (delivery %d of %d), retrying in %ss: %s",
                self.durable,
                envelope.type,
                deliveries,
                self.options.max_deliver,
                delay,
                description,
                extra={"event_id": str(envelope.id)},
            )
            await msg.nak(delay=delay)
            return
        await msg.ack()
        event_log.info(
            "%s handled %s",
            self.durable,
            envelope.type,
            extra={"consumer": self.durable, "event_id": str(envelope.id)},
        )

    async def _dead_letter(self, msg: Msg, error: str, deliveries: int) -> None:
        metadata = msg.metadata
        headers = dead_letter_headers(
            original=msg.headers,
            subject=msg.subject,
            stream=metadata.stream,
            stream_seq=metadata.sequence.stream,
            consumer=self.durable,
            error=error,
            deliveries=deliveries,
        )
        try:
            await self.bus.jetstream.publish(
                dead_letter_subject(self.durable, msg.subject), msg.data, headers=headers
            )
        except Exception as publish_error:
            # Not parked, so not terminated either: it comes back and is parked next time.
            log.warning("could not park a message in the dead-letter stream: %s", publish_error)
            await msg.nak(delay=self.options.backoff[-1])
            return
        await msg.term()
        log.warning(
            "message parked in the dead-letter stream",
            extra={
                "consumer": self.durable,
                "subject": msg.subject,
                "stream_seq": metadata.sequence.stream,
                "deliveries": deliveries,
                "error": headers[ERROR_HEADER],
            },
        )
