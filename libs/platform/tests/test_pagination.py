"""Opaque cursors: they round-trip the sort key, and anything else is a 422 problem."""

import base64
import uuid

import pytest

from marketplace_platform.ids import new_id
from marketplace_platform.pagination import decode_cursor, encode_cursor, page_after
from marketplace_platform.problems import InvalidInput

pytestmark = pytest.mark.unit


def test_a_cursor_round_trips_its_key() -> None:
    key = (1999, 4.25, "b", new_id())
    cursor = encode_cursor(*key, tag="price")
    assert decode_cursor(cursor, int, float, str, uuid.UUID, tag="price") == key


def test_a_cursor_is_url_safe_and_opaque() -> None:
    cursor = encode_cursor(new_id(), tag="users")
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert len(cursor) < 64


def test_an_integer_is_accepted_where_a_float_is_expected() -> None:
    assert decode_cursor(encode_cursor(4, tag="t"), float, tag="t") == (4.0,)


def forged(payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode()


BAD_CURSORS = {
    "not base64": "%%%",
    "not JSON": forged(b"{{"),
    "not a list": forged(b'{"a": 1}'),
    "another ordering": encode_cursor(5, new_id().hex, tag="rating"),
    "too few values": encode_cursor(5, tag="price"),
    "too many values": encode_cursor(5, new_id(), 7, tag="price"),
    "a string for an integer": forged(b'["price", "5", "0190"]'),
    "a boolean for an integer": forged(b'["price", true, "' + new_id().hex.encode() + b'"]'),
    "not a uuid": forged(b'["price", 5, "nope"]'),
    "too long": "A" * 600,
}


@pytest.mark.parametrize("cursor", BAD_CURSORS.values(), ids=BAD_CURSORS.keys())
def test_anything_else_is_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, int, uuid.UUID, tag="price")


def test_booleans_cannot_be_encoded() -> None:
    with pytest.raises(TypeError):
        encode_cursor(True)


def test_page_after_uses_the_extra_row_only_to_know_there_is_more() -> None:
    rows = [10, 20, 30]
    page = page_after(rows, limit=2, key=lambda row: (row,), tag="n", total=3)
    assert page.items == [10, 20]
    assert page.total == 3
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor, int, tag="n") == (20,)

    last = page_after(rows[2:], limit=2, key=lambda row: (row,), tag="n")
    assert (last.items, last.next_cursor) == ([30], None)
    assert page_after([], limit=2, key=lambda row: (row,)).next_cursor is None
