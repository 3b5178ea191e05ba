"""Events between services: outbox and relay on the publishing side, durable consumers with
inbox de-duplication and a dead-letter stream on the consuming side."""

from marketplace_platform.events.bus import BrokerUnavailable, ConsumerOptions, EventBus, Handler
from marketplace_platform.events.dead_letters import (
    DeadLetter,
    DeadLetterNotFound,
    discard,
    get_dead_letter,
    list_dead_letters,
    replay,
)
from marketplace_platform.events.inbox import consume_once, handle_once
from marketplace_platform.events.models import InboxMessage, OutboxMessage
from marketplace_platform.events.relay import OutboxRelay
from marketplace_platform.events.streams import replay_streams
from marketplace_platform.events.unit_of_work import UnitOfWork

__all__ = [
    "BrokerUnavailable",
    "ConsumerOptions",
    "DeadLetter",
    "DeadLetterNotFound",
    "EventBus",
    "Handler",
    "InboxMessage",
    "OutboxMessage",
    "OutboxRelay",
    "UnitOfWork",
    "consume_once",
    "discard",
    "get_dead_letter",
    "handle_once",
    "list_dead_letters",
    "replay",
    "replay_streams",
]
