"""What the analytics API answers. Money is integer minor units of RUB (kopecks)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel


class UserActivityRead(BaseModel):
    user_id: uuid.UUID
    orders: int
    paid_orders: int
    spent: int
    refunded: int
    reviews: int
    comments: int
    likes_given: int
    registered_at: datetime | None
    last_active: datetime | None
    first_order_at: datetime | None


class ProductStatsRead(BaseModel):
    product_id: uuid.UUID
    category_id: uuid.UUID | None
    title: str | None
    views: int
    orders: int
    paid_orders: int
    units: int
    revenue: int
    cancellations: int
    refunds: int
    reviews: int
    average_rating: float | None
    conversion: float | None


class SalesPeriod(BaseModel):
    period: date
    orders: int
    paid_orders: int
    revenue: int
    refunds: int
    average_order_value: int
    cancelled_orders: int | None = None
    refunded_orders: int | None = None
    failed_payments: int | None = None
    new_buyers: int | None = None
    returning_orders: int | None = None
    units: int | None = None
    cancellations: int | None = None


class CategoryRead(BaseModel):
    category_id: uuid.UUID
    views: int
    orders: int
    paid_orders: int
    units: int
    revenue: int
    cancellations: int
    refunds: int
    reviews: int
    average_rating: float | None
    average_order_value: int


class LiveProduct(BaseModel):
    product_id: uuid.UUID
    units: int
    orders: int


class LiveRead(BaseModel):
    since: datetime
    until: datetime
    orders: int
    paid_orders: int
    revenue: int
    active_users: int
    top_products: list[LiveProduct]


class ActivePeriod(BaseModel):
    period: date
    active_users: int
