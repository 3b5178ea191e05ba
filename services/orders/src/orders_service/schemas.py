"""The orders API's request and response bodies, kept apart from the domain's classes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from marketplace_platform.pagination import Page
from orders_service.domain.orders import (
    MAX_ADDRESS_LENGTH,
    MAX_ITEMS,
    MAX_QUANTITY,
    Line,
    Order,
)
from orders_service.domain.status_machine import Actor, OrderStatus


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderItemCreate(RequestModel):
    product_id: uuid.UUID
    quantity: Annotated[
        int,
        Field(
            strict=True,
            ge=1,
            le=MAX_QUANTITY,
            examples=[1],
            description=f"1 to {MAX_QUANTITY} of the product.",
        ),
    ]


class OrderCreate(RequestModel):
    items: Annotated[
        list[OrderItemCreate],
        Field(
            min_length=1,
            max_length=MAX_ITEMS,
            description=f"1 to {MAX_ITEMS} lines, one per product.",
        ),
    ]
    address: Annotated[str, Field(min_length=1, max_length=MAX_ADDRESS_LENGTH)] | None = None

    def lines(self) -> list[Line]:
        return [Line(item.product_id, item.quantity) for item in self.items]


class OrderCancel(RequestModel):
    reason: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class OrderItemRead(BaseModel):
    product_id: uuid.UUID
    title: str = Field(description="The product's title when the order was placed.")
    quantity: int
    unit_price: int = Field(description="Minor units, the price when the order was placed.")
    amount: int = Field(description="Minor units: unit_price * quantity.")


class HistoryEntryRead(BaseModel):
    status: OrderStatus
    from_status: OrderStatus | None
    at: datetime
    reason: str | None
    actor: Actor


class OrderRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    status: OrderStatus
    items: list[OrderItemRead]
    total: int = Field(description="Minor units of ``currency``.")
    currency: str
    address: str | None
    payment_failure: str | None = Field(
        description="Why the last payment failed (card_declined ...), until the order is paid."
    )
    created_at: datetime
    updated_at: datetime
    history: list[HistoryEntryRead]

    @classmethod
    def of(cls, order: Order) -> OrderRead:
        return cls(
            id=order.id,
            user_id=order.user_id,
            status=order.status,
            items=[
                OrderItemRead(
                    product_id=item.product_id,
                    title=item.title,
                    quantity=item.quantity,
                    unit_price=item.unit_price,
                    amount=item.unit_price * item.quantity,
                )
                for item in order.items
            ],
            total=order.total,
            currency=order.currency,
            address=order.address,
            payment_failure=order.payment_failure,
            created_at=order.created_at,
            updated_at=order.updated_at,
            history=[
                HistoryEntryRead(
                    status=entry.status,
                    from_status=entry.from_status,
                    at=entry.at,
                    reason=entry.reason,
                    actor=entry.actor,
                )
                for entry in order.history
            ],
        )


class OrderPage(BaseModel):
    items: list[OrderRead]
    next_cursor: str | None = None

    @classmethod
    def of(cls, page: Page[Order]) -> OrderPage:
        items = [OrderRead.of(order) for order in page.items]
        return cls(items=items, next_cursor=page.next_cursor)


class InternalOrderRead(BaseModel):
    """What payments needs to accept a payment for an order."""

    id: uuid.UUID
    user_id: uuid.UUID
    status: OrderStatus
    total: int = Field(description="Minor units of ``currency``.")
    currency: str

    @classmethod
    def of(cls, order: Order) -> InternalOrderRead:
        return cls(
            id=order.id,
            user_id=order.user_id,
            status=order.status,
            total=order.total,
            currency=order.currency,
        )
