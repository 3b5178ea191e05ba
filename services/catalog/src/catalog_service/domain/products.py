"""What a product (or a service) may be: its kind, status, text and attributes."""

from __future__ import annotations

import enum
import math
import re
from typing import Any

from marketplace_platform.problems import InvalidInput

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
MAX_STOCK = 1_000_000_000
MAX_ATTRIBUTES = 30
ATTRIBUTE_KEY_MAX = 50
ATTRIBUTE_TEXT_MAX = 200
MAX_IMAGES = 10

AttributeValue = str | int | float | bool
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tabs and newlines are text
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


class Kind(enum.StrEnum):
    PRODUCT = "product"  # goods with a stock level
    SERVICE = "service"  # never runs out


class Status(enum.StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"  # "deleted": off sale and out of search, still shown by id


def clean_title(title: str) -> str:
    if _LINE_CONTROL.search(title):
        raise InvalidInput("The title holds control characters.")
    cleaned = _SPACES.sub(" ", title).strip()
    if not cleaned:
        raise InvalidInput("The title must not be empty.")
    if len(cleaned) > TITLE_MAX:
        raise InvalidInput(f"The title must be at most {TITLE_MAX} characters.")
    return cleaned


def clean_description(description: str) -> str:
    if _CONTROL.search(description):
        raise InvalidInput("The description holds control characters.")
    cleaned = description.strip()
    if len(cleaned) > DESCRIPTION_MAX:
        raise InvalidInput(f"The description must be at most {DESCRIPTION_MAX} characters.")
    return cleaned


def check_stock(*, kind: Kind, stock: int | None) -> int | None:
    """Goods have a stock level (0 if not given); a service has none: it never runs out."""
    if kind is Kind.SERVICE:
        if stock is not None:
            raise InvalidInput("A service has no stock: leave stock out (or null).")
        return None
    if stock is None:
        return 0
    if stock < 0:
        raise InvalidInput("The stock cannot be negative.")
    if stock > MAX_STOCK:
        raise InvalidInput(f"The stock must be at most {MAX_STOCK}.")
    return stock


def check_stock_change(*, kind: Kind, stock: int | None) -> int | None:
    """A new stock level set by an admin: like ``check_stock``, but goods cannot be given
    "no stock level"."""
    if kind is Kind.PRODUCT and stock is None:
        raise InvalidInput("Goods need a stock level (0 if there are none).")
    return check_stock(kind=kind, stock=stock)


def clean_attributes(attributes: dict[str, Any]) -> dict[str, AttributeValue]:
    """A flat object of short names to a string, a number or a boolean, bounded in size:
    "colour": "red", "memory_gb": 128, "wireless": true. Nesting is refused: attributes are
    for filtering and search, not a document store."""
    if len(attributes) > MAX_ATTRIBUTES:
        raise InvalidInput(f"At most {MAX_ATTRIBUTES} attributes.")
    cleaned: dict[str, AttributeValue] = {}
    for raw_key, value in attributes.items():
        key = _SPACES.sub(" ", raw_key).strip() if isinstance(raw_key, str) else ""
        if not key or len(key) > ATTRIBUTE_KEY_MAX or _LINE_CONTROL.search(key):
            raise InvalidInput(
                f"Attribute names are 1 to {ATTRIBUTE_KEY_MAX} characters of plain text."
            )
        if key in cleaned:
            raise InvalidInput(f"The attribute {key!r} is given twice.")
        cleaned[key] = _attribute_value(key, value)
    return cleaned


def _attribute_value(key: str, value: Any) -> AttributeValue:
    if isinstance(value, bool | int):
        if not isinstance(value, bool) and abs(value) > 2**53:
            raise InvalidInput(f"The attribute {key!r} is too large a number.")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"The attribute {key!r} must be a finite number.")
        return value
    if isinstance(value, str):
        text = _SPACES.sub(" ", value).strip()
        if not text or len(text) > ATTRIBUTE_TEXT_MAX or _LINE_CONTROL.search(value):
            raise InvalidInput(
                f"The attribute {key!r} must be 1 to {ATTRIBUTE_TEXT_MAX} characters of text."
            )
        return text
    raise InvalidInput(f"The attribute {key!r} must be a string, a number or true/false.")


def in_stock(*, status: Status, stock: int | None) -> bool:
    return status is Status.ACTIVE and (stock is None or stock > 0)
