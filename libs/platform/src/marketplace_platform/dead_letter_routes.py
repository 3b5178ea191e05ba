"""``/api/<service>/dead-letters``: the admin's view of the events this service's consumers
gave up on, and their replay, over HTTP (the operator's CLI, ``marketplace dlq``, does the
same on the server).

The app factory adds these routes to every service, under the service's own prefix, so the
gateway forwards them like any other admin route. A service sees and replays only the
letters of the consumers registered on its event bus; the functions that read and replay
them are the CLI's (``marketplace_platform.events.dead_letters``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status
from nats.errors import Error as NatsError
from nats.js.errors import NotFoundError
from pydantic import BaseModel, Field

from marketplace_platform.events.bus import BrokerUnavailable, EventBus
from marketplace_platform.events.dead_letters import (
    DeadLetter,
    DeadLetterNotFound,
    dead_letters_of,
    get_dead_letter,
    payload_preview,
    replay,
    trace_id,
    was_parked,
)
from marketplace_platform.pagination import decode_cursor, encode_cursor
from marketplace_platform.problems import Conflict, NotFound, ServiceUnavailable
from marketplace_platform.security.dependencies import AdminUser

TAG = "dead-letters"
CURSOR_TAG = "dlq"
DEFAULT_PAGE = 20
MAX_PAGE = 100
MAX_SEQUENCE = 2**63 - 1
# An admin route even where the gateway lets a path through without a token.
_ADMIN_ONLY: dict[str, Any] = {"security": [{"bearerAuth": []}]}
_BROKER_DOWN: dict[str, Any] = {"description": "The broker cannot be reached now."}


class DeadLetterRead(BaseModel):
    id: int = Field(description="Its sequence in the dead-letter stream: what replay takes.")
    subject: str = Field(description="The subject the event was published on.")
    consumer: str = Field(description="The consumer that gave up on it.")
    error: str = Field(description="Why the consumer's last attempt failed.")
    deliveries: int | None = Field(description="How many times it was delivered.")
    failed_at: datetime | None = Field(description="When it was parked.")
    trace_id: str | None = Field(description="The W3C trace id of the request behind it.")
    event_id: str | None = Field(description="The event's envelope id.")
    event_type: str | None
    stream: str | None = Field(description="The stream it came from, and its place there.")
    stream_seq: int | None
    payload_preview: str = Field(description="The start of the event as it was published.")

    @classmethod
    def of(cls, letter: DeadLetter) -> DeadLetterRead:
        return cls(
            id=letter.seq,
            subject=letter.subject,
            consumer=letter.consumer,
            error=letter.error,
            deliveries=letter.deliveries,
            failed_at=letter.failed_at,
            trace_id=trace_id(letter),
            event_id=str(letter.envelope_id) if letter.envelope_id else None,
            event_type=letter.envelope_type,
            stream=letter.stream,
            stream_seq=letter.stream_seq,
            payload_preview=payload_preview(letter),
        )


class DeadLetterPage(BaseModel):
    items: list[DeadLetterRead]
    next_cursor: str | None = None
    consumers: list[str] = Field(description="This service's consumers, whose letters these are.")


class Replayed(BaseModel):
    replayed: DeadLetterRead
    detail: str


def _bus(request: Request) -> EventBus:
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        raise ServiceUnavailable("This service has no event bus running.")
    bus: EventBus = runtime.bus
    return bus


def _broker_down(error: Exception) -> ServiceUnavailable:
    return ServiceUnavailable(f"The broker cannot be read now: {type(error).__name__}.")


def dead_letters_router(service: str) -> APIRouter:
    router = APIRouter(prefix=f"/api/{service}/dead-letters", tags=[TAG])

    # Operation ids name the service: every service has these two routes, and the gateway's
    # merged document needs each id once.
    @router.get(
        "",
        response_model=DeadLetterPage,
        operation_id=f"{TAG}-{service}-list",
        openapi_extra=_ADMIN_ONLY,
        responses={503: _BROKER_DOWN},
    )
    async def list_dead_letters(
        request: Request,
        admin: AdminUser,
        cursor: Annotated[str | None, Query(max_length=512)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    ) -> DeadLetterPage:
        """Dead letters of this service's consumers, newest first (admin)."""
        before = decode_cursor(cursor, int, tag=CURSOR_TAG)[0] if cursor else None
        bus = _bus(request)
        try:
            letters = await dead_letters_of(bus, bus.consumer_names, before=before, limit=limit + 1)
        except (BrokerUnavailable, NatsError, TimeoutError) as error:
            raise _broker_down(error) from error
        shown = letters[:limit]
        more = len(letters) > limit
        return DeadLetterPage(
            items=[DeadLetterRead.of(letter) for letter in shown],
            next_cursor=encode_cursor(shown[-1].seq, tag=CURSOR_TAG) if more else None,
            consumers=list(bus.consumer_names),
        )

    @router.post(
        "/{letter_id}/replay",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=Replayed,
        operation_id=f"{TAG}-{service}-replay",
        openapi_extra=_ADMIN_ONLY,
        responses={
            409: {"description": "It was already replayed (or discarded)."},
            503: _BROKER_DOWN,
        },
    )
    async def replay_dead_letter(
        request: Request,
        admin: AdminUser,
        letter_id: Annotated[int, Path(ge=1, le=MAX_SEQUENCE)],
    ) -> Replayed:
        """Publish a dead letter again for the consumer that failed it (admin)."""
        bus = _bus(request)
        try:
            try:
                letter = await get_dead_letter(bus, letter_id)
            except DeadLetterNotFound:
                if await was_parked(bus, letter_id):
                    raise Conflict(
                        f"Dead letter {letter_id} is no longer parked: it was replayed "
                        "or discarded already."
                    ) from None
                raise NotFound(f"No dead letter {letter_id}.") from None
            if letter.consumer not in bus.consumer_names:
                raise NotFound(f"No dead letter {letter_id} of this service's consumers.")
            letter = await replay(bus, letter_id)
        except DeadLetterNotFound:
            raise Conflict(f"Dead letter {letter_id} was replayed meanwhile.") from None
        except NotFoundError as error:  # the dead-letter stream itself is missing
            raise NotFound(f"No dead letter {letter_id}.") from error
        except (BrokerUnavailable, NatsError, TimeoutError) as error:
            raise _broker_down(error) from error
        return Replayed(
            replayed=DeadLetterRead.of(letter),
            detail=f"Published again on {letter.subject} for {letter.consumer}; "
            "it is handled shortly.",
        )

    return router
