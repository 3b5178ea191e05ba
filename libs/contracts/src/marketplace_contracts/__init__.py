"""Event contracts: the only thing services know about each other."""

from marketplace_contracts.auth import UserRegistered, UserUpdated
from marketplace_contracts.envelope import Envelope, Event, stream_name, stream_subjects

EVENT_TYPES: dict[str, type[Event]] = {model.TYPE: model for model in (UserRegistered, UserUpdated)}

__all__ = [
    "EVENT_TYPES",
    "Envelope",
    "Event",
    "UserRegistered",
    "UserUpdated",
    "stream_name",
    "stream_subjects",
]
