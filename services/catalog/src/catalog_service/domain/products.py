"""What a product (or a service) may be: its kind, status, text and attributes, and the
``Product`` aggregate that keeps those rules and its stock level, recording the events each
change causes.

The ``Product`` is plain Python: ``adapters/orm.py`` maps it onto the ``products`` table
(SQLAlchemy's imperative mapping), so the rules here never see the database.
"""

from __future__ import annotations

import enum
import math
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from catalog_service.domain import money
from catalog_service.domain.errors import ImageNotFound, InsufficientStock, TooManyImages
from marketplace_contracts import (
    ProductArchived,
    ProductCreated,
    ProductPriceChanged,
    ProductUpdated,
    StockChanged,
)
from marketplace_platform.aggregates import Aggregate
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


# What an admin may change; ``kind`` is fixed at creation (a product that becomes a service
# is a new listing).
EDITABLE = frozenset(
    {"title", "description", "price", "currency", "category_id", "stock", "attributes", "status"}
)
_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "title": clean_title,
    "description": clean_description,
    "price": money.check_price,
    "currency": money.clean_currency,
    "attributes": clean_attributes,
    "status": lambda status: Status(status).value,
}


def clean_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """An admin's changes, each checked and cleaned (the stock level is checked by the
    product itself: what it may be depends on the product's kind)."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    return {
        name: _CLEANERS[name](value) if name in _CLEANERS else value
        for name, value in changes.items()
    }


class ProductImage:
    """One picture of a product: the names of its two stored files. Only data: the product
    decides where it goes and how many there may be."""

    def __init__(
        self, *, id: uuid.UUID, position: int, file: str, small_file: str, created_at: datetime
    ) -> None:
        self.id = id
        self.position = position
        self.file = file  # at most 1200 px on the longer side
        self.small_file = small_file  # 320 x 320 square
        self.created_at = created_at


class Product(Aggregate):
    """A product (goods with a stock level) or a service (never runs out).

    Every change goes through a method that checks it and records the events other services
    hear of it by: ``ProductCreated``, ``ProductUpdated`` (naming the fields), and besides it
    ``ProductPriceChanged``, ``StockChanged`` and ``ProductArchived`` as they apply.

    The figures other services' events feed (rating, orders count, views) live on the same
    row for sorting, but are not the product's to change: the consumers add to them in bulk
    (``service.figures``), never through this class."""

    def __init__(
        self,
        *,
        id: uuid.UUID,
        kind: Kind,
        title: str,
        description: str,
        price: int,
        currency: str,
        category_id: uuid.UUID,
        stock: int | None,
        attributes: dict[str, AttributeValue],
        now: datetime,
    ) -> None:
        self.id = id
        self.kind = kind.value
        self.status = Status.ACTIVE.value
        self.title = title
        self.description = description
        self.price = price
        self.currency = currency
        self.category_id = category_id
        self.stock = stock
        self.attributes = attributes
        self.rating_avg = 0.0
        self.review_count = 0
        self.rating_changed_at: datetime | None = None
        self.orders_count = 0
        self.views = 0
        self.created_at = now
        self.updated_at = now
        self.images: list[ProductImage] = []

    @classmethod
    def create(
        cls,
        *,
        id: uuid.UUID,
        kind: Kind,
        title: str,
        price: int,
        category_id: uuid.UUID,
        now: datetime,
        description: str = "",
        currency: str = money.DEFAULT_CURRENCY,
        stock: int | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> Product:
        """A new active product from what an admin sent, every field checked and cleaned."""
        product = cls(
            id=id,
            kind=kind,
            title=clean_title(title),
            description=clean_description(description),
            price=money.check_price(price),
            currency=money.clean_currency(currency),
            category_id=category_id,
            stock=check_stock(kind=kind, stock=stock),
            attributes=clean_attributes(attributes or {}),
            now=now,
        )
        product.record(
            ProductCreated(
                product_id=product.id,
                title=product.title,
                kind=kind.value,
                category_id=category_id,
                price=product.price,
                currency=product.currency,
                stock=product.stock,
            )
        )
        return product

    @property
    def active(self) -> bool:
        return self.status == Status.ACTIVE.value

    # -- an admin's edits -----------------------------------------------------------------

    def change(self, cleaned: dict[str, Any], *, now: datetime) -> list[str]:
        """Apply changes cleaned by ``clean_changes``; the names of the fields that really
        changed (none: nothing is recorded)."""
        if "stock" in cleaned:
            cleaned = {
                **cleaned,
                "stock": check_stock_change(kind=Kind(self.kind), stock=cleaned["stock"]),
            }
        changed = sorted(name for name, value in cleaned.items() if getattr(self, name) != value)
        if not changed:
            return changed
        old_price, old_stock = self.price, self.stock
        for name in changed:
            setattr(self, name, cleaned[name])
        self.updated_at = now
        self._updated(changed)
        if "price" in changed or "currency" in changed:
            self.record(
                ProductPriceChanged(
                    product_id=self.id,
                    old_price=old_price,
                    new_price=self.price,
                    currency=self.currency,
                )
            )
        if "stock" in changed:
            self.record(
                StockChanged(
                    product_id=self.id,
                    stock=self.stock,
                    delta=(self.stock or 0) - (old_stock or 0),
                    reason="adjusted",
                )
            )
        if "status" in changed and not self.active:
            self.record(ProductArchived(product_id=self.id))
        return changed

    def archive(self, *, now: datetime) -> None:
        """Off sale and out of search, still readable by id; archiving twice changes nothing."""
        self.change({"status": Status.ARCHIVED.value}, now=now)

    def add_image(self, image: ProductImage, *, now: datetime) -> None:
        """Put ``image`` after the others; at most ``MAX_IMAGES``."""
        if len(self.images) >= MAX_IMAGES:
            raise TooManyImages(f"A product has at most {MAX_IMAGES} images.")
        image.position = max((other.position for other in self.images), default=-1) + 1
        self.images.append(image)
        self.updated_at = now
        self._updated(["images"])

    def remove_image(self, image_id: uuid.UUID, *, now: datetime) -> ProductImage:
        """Take the picture off the product; the caller removes its files."""
        image = next((image for image in self.images if image.id == image_id), None)
        if image is None:
            raise ImageNotFound("The product has no image with this id.")
        self.images.remove(image)
        self.updated_at = now
        self._updated(["images"])
        return image

    # -- stock, for reservations (see ``domain.stock``) -----------------------------------

    def check_available(self, quantity: int) -> None:
        """``InsufficientStock`` unless ``quantity`` units can be taken now."""
        if self.stock is not None and self.stock < quantity:
            raise InsufficientStock(
                f"Only {self.stock} of {self.title!r} left.",
                product_id=str(self.id),
                requested=quantity,
                available=self.stock,
            )

    def take(self, quantity: int, *, reservation_id: uuid.UUID, now: datetime) -> None:
        """Take ``quantity`` units for a reservation; a service never runs out."""
        self.check_available(quantity)
        if self.stock is None:
            return
        self.stock -= quantity
        self.updated_at = now
        self.record(
            StockChanged(
                product_id=self.id,
                stock=self.stock,
                delta=-quantity,
                reason="reserved",
                reservation_id=reservation_id,
            )
        )

    def give_back(self, quantity: int, *, reservation_id: uuid.UUID, now: datetime) -> None:
        """Return units a released reservation held."""
        if self.stock is None:
            return
        self.stock += quantity
        self.updated_at = now
        self.record(
            StockChanged(
                product_id=self.id,
                stock=self.stock,
                delta=quantity,
                reason="released",
                reservation_id=reservation_id,
            )
        )

    def _updated(self, changed: list[str]) -> None:
        self.record(
            ProductUpdated(
                product_id=self.id,
                title=self.title,
                category_id=self.category_id,
                status=self.status,  # type: ignore[arg-type]
                changed=changed,
            )
        )
