"""Pages of a list and the opaque cursors that continue them.

Lists answer ``{"items": [...], "total"?, "next_cursor"?}``. A cursor is the sort key of the
last item a page showed (keyset pagination: the next query asks for rows *after* that key,
so a page costs the same however deep it is and rows inserted meanwhile do not shift it).
To the client it is an opaque string; here it is base64url of a small JSON array
``[tag, value, ...]``. The tag names the ordering the key belongs to, so a cursor from one
sort handed to another is refused, not misread.

A cursor carries no secret and needs no signature: a forged one only asks for a page the
caller could have asked for anyway. It is checked for shape and types, and anything else is
a 422 problem.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson

from marketplace_platform.problems import InvalidInput

T = TypeVar("T")

CursorValue = int | float | str | uuid.UUID
MAX_CURSOR_LENGTH = 512

_BAD_CURSOR = "The cursor is not one this API gave out."


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list; ``next_cursor`` is None on the last page."""

    items: list[T]
    total: int | None = None
    next_cursor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _encodable(value: CursorValue) -> int | float | str:
    if isinstance(value, bool):
        raise TypeError("a cursor holds no booleans")
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, int | float | str):
        return value
    raise TypeError(f"a cursor cannot hold {type(value).__name__}")


def encode_cursor(*values: CursorValue, tag: str = "") -> str:
    """An opaque cursor for the sort key ``values`` of an ordering named ``tag``."""
    payload = orjson.dumps([tag, *(_encodable(value) for value in values)])
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")


def _decoded(raw: Any, kind: type) -> CursorValue:
    if kind is uuid.UUID and isinstance(raw, str):
        return uuid.UUID(hex=raw)
    if kind is float and isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if kind is int and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if kind is str and isinstance(raw, str):
        return raw
    raise ValueError("wrong type")


def decode_cursor(cursor: str, *types: type, tag: str = "") -> tuple[Any, ...]:
    """The sort key in ``cursor``, one value per type in ``types`` (``int``, ``float``,
    ``str`` or ``uuid.UUID``); ``InvalidInput`` unless it is a cursor of ordering ``tag``."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidInput(_BAD_CURSOR)
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(payload, list) or len(payload) != len(types) + 1 or payload[0] != tag:
            raise ValueError("wrong shape")
        return tuple(_decoded(raw, kind) for raw, kind in zip(payload[1:], types, strict=True))
    except (binascii.Error, orjson.JSONDecodeError, ValueError, TypeError):
        raise InvalidInput(_BAD_CURSOR) from None


def page_after(
    rows: Sequence[T],
    *,
    limit: int,
    key: Callable[[T], Sequence[CursorValue]],
    tag: str = "",
    total: int | None = None,
) -> Page[T]:
    """The page for ``rows`` fetched with ``LIMIT limit + 1``: the extra row only tells that
    a next page exists (no second query), and the cursor is the last shown row's key."""
    items = list(rows[:limit])
    next_cursor = encode_cursor(*key(items[-1]), tag=tag) if len(rows) > limit and items else None
    return Page(items=items, total=total, next_cursor=next_cursor)
