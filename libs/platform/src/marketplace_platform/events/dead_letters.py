"""The dead-letter stream: events a consumer gave up on, kept for an operator to inspect and
replay (``marketplace dlq list|replay``).

A consumer that exhausts its deliveries republishes the message, payload untouched, on
``dlq.<consumer>.<original subject>`` with headers saying where it came from and why it
failed, then terminates the original. Header values must be plain ASCII: nats-py hands back
any other value as an ``email.header.Header``, not a ``str``. So the error is cut with an
ASCII marker and its other characters (Russian text, say) are percent-encoded, and reading
turns every header back into text, also those of letters parked before this was so.
Replaying publishes the payload back on its original
subject, addressed to that one consumer: other consumers of the subject handled the event the
first time and skip the copy.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header, decode_header
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

import orjson
from nats.js.errors import NotFoundError

if TYPE_CHECKING:
    from marketplace_platform.events.bus import EventBus

DEAD_LETTER_PREFIX = "dlq"

MSG_ID_HEADER = "Nats-Msg-Id"
SUBJECT_HEADER = "Dlq-Subject"
STREAM_HEADER = "Dlq-Stream"
SEQUENCE_HEADER = "Dlq-Sequence"
CONSUMER_HEADER = "Dlq-Consumer"
ERROR_HEADER = "Dlq-Error"
DELIVERIES_HEADER = "Dlq-Deliveries"
ORIGINAL_MSG_ID_HEADER = "Dlq-Msg-Id"
# On a replayed message: the only consumer that should act on it.
REPLAY_FOR_HEADER = "Dlq-Replay-For"

MAX_ERROR_LENGTH = 500
MAX_SCANNED = 10_000  # letters read per consumer to list them newest first
PREVIEW_LENGTH = 300
CUT_MARKER = "..."
# Kept as they are in the error header: printable ASCII but the escape character itself.
_ERROR_SAFE = "".join(chr(code) for code in range(0x20, 0x7F) if chr(code) != "%")


class DeadLetterNotFound(LookupError):
    pass


@dataclass(frozen=True)
class DeadLetter:
    seq: int  # its sequence in the dead-letter stream: what ``replay`` and ``discard`` take
    subject: str  # the subject it was originally published on
    consumer: str
    error: str
    deliveries: int | None
    stream: str | None
    stream_seq: int | None
    failed_at: datetime | None
    envelope_id: uuid.UUID | None
    envelope_type: str | None
    payload: bytes = field(repr=False)
    headers: dict[str, str] = field(repr=False)


def dead_letter_subject(consumer: str, subject: str) -> str:
    return f"{DEAD_LETTER_PREFIX}.{consumer}.{subject}"


def dead_letter_headers(
    *,
    original: dict[str, str] | None,
    subject: str,
    stream: str,
    stream_seq: int,
    consumer: str,
    error: str,
    deliveries: int,
) -> dict[str, str]:
    """Headers for parking a message; the original ones (trace context...) ride along."""
    headers = {
        key: value
        for key, value in (original or {}).items()
        if not key.startswith(("Nats-", "Dlq-"))
    }
    original_id = (original or {}).get(MSG_ID_HEADER)
    if original_id:
        headers[ORIGINAL_MSG_ID_HEADER] = original_id
    headers.update(
        {
            SUBJECT_HEADER: subject,
            STREAM_HEADER: stream,
            SEQUENCE_HEADER: str(stream_seq),
            CONSUMER_HEADER: consumer,
            ERROR_HEADER: quote(one_line(error), safe=_ERROR_SAFE),
            DELIVERIES_HEADER: str(deliveries),
            # Parking the same delivery twice (a crash between publish and term) stores it once.
            MSG_ID_HEADER: f"{stream}:{stream_seq}:{consumer}",
        }
    )
    return headers


def one_line(text: str) -> str:
    """Header values are single lines; keep errors short and readable."""
    flat = " ".join(text.split())
    if len(flat) > MAX_ERROR_LENGTH:
        flat = flat[: MAX_ERROR_LENGTH - len(CUT_MARKER)] + CUT_MARKER
    return flat


def error_text(value: str) -> str:
    """The error as it was written, from the (percent-encoded) error header."""
    return unquote(value)


def _header_text(value: object) -> str:
    """A header value as text: nats-py parses a non-ASCII one into a ``Header`` of raw bytes
    (NATS itself writes UTF-8)."""
    if not isinstance(value, Header):
        return str(value)
    return "".join(
        part.decode("utf-8", "replace") if isinstance(part, bytes) else part
        for part, _charset in decode_header(value)
    )


async def list_dead_letters(
    bus: EventBus, *, consumer: str | None = None, limit: int = 100
) -> list[DeadLetter]:
    """Dead letters oldest first, optionally only those of one consumer."""
    js = bus.jetstream
    stream = bus.dead_letter_stream
    subject = f"{DEAD_LETTER_PREFIX}.{consumer}.>" if consumer else f"{DEAD_LETTER_PREFIX}.>"
    letters: list[DeadLetter] = []
    seq = 1
    while len(letters) < limit:
        try:
            raw = await js.get_msg(stream, seq=seq, subject=subject, next=True)
        except NotFoundError:
            break
        assert raw.seq is not None
        letters.append(_to_dead_letter(raw.seq, raw.subject, raw.data, raw.headers, raw.time))
        seq = raw.seq + 1
    return letters


async def get_dead_letter(bus: EventBus, seq: int) -> DeadLetter:
    try:
        raw = await bus.jetstream.get_msg(bus.dead_letter_stream, seq=seq)
    except NotFoundError:
        raise DeadLetterNotFound(f"no dead letter with sequence {seq}") from None
    return _to_dead_letter(seq, raw.subject, raw.data, raw.headers, raw.time)


async def replay(bus: EventBus, seq: int) -> DeadLetter:
    """Publish dead letter ``seq`` again for its consumer, then remove it from the stream.

    The copy gets a new ``Nats-Msg-Id`` (the original one would be swallowed by JetStream's
    duplicate window), derived from the dead letter so that replaying it twice after a crash
    still publishes once. The envelope id is unchanged, so the consumer's inbox still stops a
    second effect if the event had in fact been applied.
    """
    letter = await get_dead_letter(bus, seq)
    headers = {
        key: value for key, value in letter.headers.items() if not key.startswith(("Nats-", "Dlq-"))
    }
    base_id = letter.headers.get(ORIGINAL_MSG_ID_HEADER) or str(letter.envelope_id or "")
    headers[REPLAY_FOR_HEADER] = letter.consumer
    await bus.publish(
        letter.subject,
        letter.payload,
        msg_id=f"{base_id or bus.dead_letter_stream}:replay:{seq}",
        headers=headers,
    )
    # A concurrent replay of the same letter may have removed it first: the copy went once.
    with contextlib.suppress(NotFoundError):
        await bus.jetstream.delete_msg(bus.dead_letter_stream, seq)
    return letter


async def dead_letters_of(
    bus: EventBus, consumers: Sequence[str], *, before: int | None = None, limit: int = 20
) -> list[DeadLetter]:
    """Up to ``limit`` dead letters of ``consumers``, newest first, those parked before
    sequence ``before`` when given (the page after one that ended there).

    The stream is only read forwards, so every letter of these consumers is read each time:
    fine for a stream meant to stay nearly empty, and bounded by ``MAX_SCANNED``."""
    letters: list[DeadLetter] = []
    for consumer in dict.fromkeys(consumers):
        letters += await list_dead_letters(bus, consumer=consumer, limit=MAX_SCANNED)
    if before is not None:
        letters = [letter for letter in letters if letter.seq < before]
    letters.sort(key=lambda letter: letter.seq, reverse=True)
    return letters[:limit]


async def was_parked(bus: EventBus, seq: int) -> bool:
    """Whether ``seq`` is a sequence the dead-letter stream has already handed out (a letter
    that is gone now was replayed, discarded or expired)."""
    info = await bus.jetstream.stream_info(bus.dead_letter_stream)
    return 0 < seq <= info.state.last_seq


def trace_id(letter: DeadLetter) -> str | None:
    """The W3C trace id of the request that led to the event, if it carried one."""
    traceparent = letter.headers.get("traceparent")
    if traceparent is None:
        try:
            document = orjson.loads(letter.payload)
        except orjson.JSONDecodeError:
            return None
        found = document.get("traceparent") if isinstance(document, dict) else None
        traceparent = found if isinstance(found, str) else None
    parts = (traceparent or "").split("-")
    return parts[1] if len(parts) == 4 and len(parts[1]) == 32 else None


def payload_preview(letter: DeadLetter, length: int = PREVIEW_LENGTH) -> str:
    """The start of the event's ``data`` as JSON text (of the whole payload if it is no
    envelope), cut with ``CUT_MARKER``."""
    text = letter.payload.decode("utf-8", "replace")
    if letter.envelope_id is not None:
        document = orjson.loads(letter.payload)
        if "data" in document:
            text = orjson.dumps(document["data"]).decode()
    return text if len(text) <= length else text[: length - len(CUT_MARKER)] + CUT_MARKER


async def discard(bus: EventBus, seq: int) -> DeadLetter:
    """Drop dead letter ``seq`` for good."""
    letter = await get_dead_letter(bus, seq)
    await bus.jetstream.delete_msg(bus.dead_letter_stream, seq)
    return letter


def _to_dead_letter(
    seq: int,
    subject: str | None,
    data: bytes | None,
    raw_headers: Mapping[str, object] | None,
    time: datetime | None,
) -> DeadLetter:
    headers = {key: _header_text(value) for key, value in (raw_headers or {}).items()}
    payload = data or b""
    original_subject = headers.get(SUBJECT_HEADER)
    if original_subject is None and subject:
        # Not written by our consumers: recover what the subject itself says.
        original_subject = subject.split(".", 2)[-1]
    envelope_id, envelope_type = _envelope_identity(payload)
    return DeadLetter(
        seq=seq,
        subject=original_subject or "",
        consumer=headers.get(CONSUMER_HEADER) or _consumer_from(subject),
        error=error_text(headers.get(ERROR_HEADER, "")),
        deliveries=_int(headers.get(DELIVERIES_HEADER)),
        stream=headers.get(STREAM_HEADER),
        stream_seq=_int(headers.get(SEQUENCE_HEADER)),
        failed_at=time,
        envelope_id=envelope_id,
        envelope_type=envelope_type,
        payload=payload,
        headers=headers,
    )


def _envelope_identity(payload: bytes) -> tuple[uuid.UUID | None, str | None]:
    # Parked messages include the unparseable ones, so read leniently.
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(document, dict):
        return None, None
    try:
        envelope_id = uuid.UUID(str(document.get("id")))
    except ValueError:
        envelope_id = None
    envelope_type = document.get("type")
    return envelope_id, envelope_type if isinstance(envelope_type, str) else None


def _consumer_from(subject: str | None) -> str:
    parts = (subject or "").split(".")
    return parts[1] if len(parts) > 1 else ""


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
