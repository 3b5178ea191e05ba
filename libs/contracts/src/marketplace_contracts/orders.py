"""Events published by the orders service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from marketplace_contracts.envelope import Event


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: uuid.UUID
    quantity: int = Field(ge=1)
    unit_price: int = Field(ge=0, description="Minor units of the order's currency.")


class OrderPaid(Event):
    """An order's payment succeeded; ``total`` is in minor units of ``currency``."""

    TYPE: ClassVar[str] = "orders.order.paid.v1"

    order_id: uuid.UUID
    user_id: uuid.UUID
    items: list[OrderLine]
    total: int = Field(ge=0)
    currency: str

    def event_subject(self) -> str:
        return str(self.order_id)


OrderStatus = Literal["created", "processing", "paid", "cancelled", "delivered"]
Actor = Literal["user", "admin", "system"]


class OrderCreated(Event):
    """A user placed an order: items priced and stock reserved, status ``created``."""

    TYPE: ClassVar[str] = "orders.order.created.v1"

    order_id: uuid.UUID
    user_id: uuid.UUID
    items: list[OrderLine]
    total: int = Field(ge=0)
    currency: str
    created_at: datetime

    def event_subject(self) -> str:
        return str(self.order_id)


class OrderStatusChanged(Event):
    """Every transition of the status machine, with why and who. Consumers that show a user
    their orders (auth's order history, notifications) follow this one event."""

    TYPE: ClassVar[str] = "orders.order.status_changed.v1"

    order_id: uuid.UUID
    user_id: uuid.UUID
    from_status: OrderStatus
    to_status: OrderStatus
    reason: str | None = None
    actor: Actor
    total: int = Field(ge=0)
    currency: str
    changed_at: datetime

    def event_subject(self) -> str:
        return str(self.order_id)


class OrderCancelled(Event):
    """An order was cancelled. ``refund`` is true when it had been paid: payments refunds it."""

    TYPE: ClassVar[str] = "orders.order.cancelled.v1"

    order_id: uuid.UUID
    user_id: uuid.UUID
    from_status: OrderStatus
    reason: str | None = None
    actor: Actor
    refund: bool
    total: int = Field(ge=0)
    currency: str

    def event_subject(self) -> str:
        return str(self.order_id)
