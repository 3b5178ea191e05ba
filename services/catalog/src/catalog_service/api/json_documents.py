"""A JSON response for documents built as plain data (see ``schemas.product_document``)."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from fastapi import Response


def _other(value: Any) -> Any:
    # asyncpg hands back its own UUID class (a uuid.UUID subclass) that orjson does not know.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


class JSONDocument(Response):
    """``orjson``-encoded, as Pydantic would write the same data: UUIDs as strings, UTC
    datetimes in ISO 8601 with ``Z``."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_other, option=orjson.OPT_UTC_Z)
