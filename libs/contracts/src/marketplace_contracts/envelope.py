"""The envelope every event travels in, with CloudEvents 1.0 attribute names.

``type`` is the versioned NATS subject the event is published on (``auth.user.registered.v1``);
``subject`` is what the event is about (a user id, an order id). ``traceparent`` carries the W3C
trace context of the request that caused the event, so a consumer's logs join the request's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class Event(BaseModel):
    """Base of every event payload. Subclasses name their versioned ``TYPE``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]

    def event_subject(self) -> str | None:
        """The id of the thing this event is about; subclasses override."""
        return None


E = TypeVar("E", bound=Event)


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    specversion: str = "1.0"
    id: uuid.UUID
    type: str
    source: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = None
    datacontenttype: str = "application/json"
    traceparent: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        id: uuid.UUID,
        source: str,
        traceparent: str | None = None,
    ) -> Self:
        return cls(
            id=id,
            type=event.TYPE,
            source=source,
            subject=event.event_subject(),
            traceparent=traceparent,
            data=event.model_dump(mode="json"),
        )

    def parse(self, model: type[E]) -> E:
        if self.type != model.TYPE:
            raise ValueError(f"envelope of type {self.type} is not a {model.TYPE}")
        return model.model_validate(self.data)


def stream_name(service: str) -> str:
    """One JetStream stream per publishing service: ``auth`` publishes into ``AUTH``."""
    return service.upper()


def stream_subjects(service: str) -> list[str]:
    return [f"{service}.>"]
