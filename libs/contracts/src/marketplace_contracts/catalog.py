"""Events published by the catalog service.

Prices are integer minor units of ``currency`` (ISO 4217). ``stock`` is ``None`` for what
never runs out (services). Every product event names the product in the envelope's
``subject``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from marketplace_contracts.envelope import Event

ProductKind = Literal["product", "service"]
StockChangeReason = Literal["reserved", "released", "adjusted"]


class ProductCreated(Event):
    TYPE: ClassVar[str] = "catalog.product.created.v1"

    product_id: uuid.UUID
    title: str
    kind: ProductKind
    category_id: uuid.UUID
    price: int
    currency: str
    stock: int | None

    def event_subject(self) -> str:
        return str(self.product_id)


class ProductUpdated(Event):
    """An admin's edit. ``changed`` names the fields that changed (``images`` for pictures);
    price and stock changes also have events of their own."""

    TYPE: ClassVar[str] = "catalog.product.updated.v1"

    product_id: uuid.UUID
    title: str
    category_id: uuid.UUID
    status: Literal["active", "archived"]
    changed: list[str]

    def event_subject(self) -> str:
        return str(self.product_id)


class ProductArchived(Event):
    """Taken off sale: it leaves search and lists, old orders still show it."""

    TYPE: ClassVar[str] = "catalog.product.archived.v1"

    product_id: uuid.UUID

    def event_subject(self) -> str:
        return str(self.product_id)


class ProductPriceChanged(Event):
    TYPE: ClassVar[str] = "catalog.product.price_changed.v1"

    product_id: uuid.UUID
    old_price: int
    new_price: int
    currency: str

    def event_subject(self) -> str:
        return str(self.product_id)


class StockChanged(Event):
    """``stock`` is the level after the change, ``delta`` the change itself. A reservation
    (an order) is named when it caused the change."""

    TYPE: ClassVar[str] = "catalog.product.stock_changed.v1"

    product_id: uuid.UUID
    stock: int | None
    delta: int
    reason: StockChangeReason
    reservation_id: uuid.UUID | None = None

    def event_subject(self) -> str:
        return str(self.product_id)


class ProductViews(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: uuid.UUID
    views: int = Field(ge=1)


class ProductViewsCounted(Event):
    """Product page views one catalog replica counted in memory between ``since`` and
    ``until``; batched so that a view costs no database write."""

    TYPE: ClassVar[str] = "catalog.product.views_counted.v1"

    since: datetime
    until: datetime
    counts: list[ProductViews]
