"""The AsyncAPI 3.0 document of every event, generated from the contracts themselves:
``python -m marketplace_contracts.asyncapi > docs/asyncapi.json``.

One channel per event type (the versioned NATS subject it is published on), in the stream
of the service that publishes it (``orders.order.paid.v1`` in ``ORDERS``); one message per
event, whose payload is the CloudEvents envelope with the event's own schema as ``data``.
Who consumes what is each service's business (its README lists it): contracts know no
service. The committed document is checked against this output by the contracts' tests, so
it cannot fall behind a changed event.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic.json_schema import models_json_schema

from marketplace_contracts import EVENT_TYPES, Envelope, Event, stream_name

REF = "#/components/schemas/{model}"


def _summary(model: type[Event]) -> str:
    doc = (model.__doc__ or "").strip()
    return " ".join(doc.split("\n\n", 1)[0].split()) if doc else model.__name__


def _channel_id(event_type: str) -> str:
    return event_type.replace(".", "_")


def document() -> dict[str, Any]:
    """The AsyncAPI document, as a JSON-ready dict in a stable order."""
    events = sorted(EVENT_TYPES.items())
    models: list[type[Event] | type[Envelope]] = [Envelope, *(model for _, model in events)]
    _, top = models_json_schema(
        [(model, "serialization") for model in models], ref_template=REF
    )
    schemas = top.get("$defs", {})
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event_type, model in events:
        publisher = event_type.split(".", 1)[0]
        channel = _channel_id(event_type)
        name = model.__name__
        messages[name] = {
            "name": name,
            "title": event_type,
            "summary": _summary(model),
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {
                    "Nats-Msg-Id": {
                        "type": "string",
                        "description": "The envelope's id: JetStream drops a duplicate "
                        "published within its window.",
                    },
                    "traceparent": {
                        "type": "string",
                        "description": "W3C trace context of the flow that caused the event.",
                    },
                },
            },
            "payload": {
                "allOf": [
                    {"$ref": REF.format(model="Envelope")},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": event_type},
                            "source": {"const": publisher},
                            "data": {"$ref": REF.format(model=name)},
                        },
                    },
                ]
            },
        }
        channels[channel] = {
            "address": event_type,
            "title": event_type,
            "description": f"Published by {publisher} into the JetStream stream "
            f"{stream_name(publisher)}.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"{publisher}_publishes_{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": f"{publisher}: {_summary(model)}",
            "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Marketplace events",
            "version": "1.0.0",
            "description": (
                "Every event the marketplace's services publish, generated from "
                "libs/contracts (python -m marketplace_contracts.asyncapi). Each travels in a "
                "CloudEvents envelope on NATS JetStream, published from its service's "
                "transactional outbox; consumers are durable, named after the consuming "
                "service, and apply each event once (inbox)."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "embedded": {
                "host": "127.0.0.1:4223",
                "protocol": "nats",
                "description": "The NATS that `make run` starts (JetStream on).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
