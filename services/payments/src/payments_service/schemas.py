"""The JSON the payments API speaks: ``XCreate`` / ``XRead`` / ``XPage``.

Request models forbid unknown fields and bound every value, so nothing oversized reaches the
use cases; ``domain.cards`` applies the card rules with clear messages. A read model has no
field that could hold a card number: a card reads as brand and last four digits.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from payments_service.domain.payments import Payment
from payments_service.service.payments import PaymentView

PaymentStatusName = Literal["pending", "succeeded", "failed", "refunded"]
AttemptStatusName = Literal["pending", "succeeded", "failed"]
FailureReasonName = Literal[
    "card_declined", "insufficient_funds", "processing_error", "expired_card"
]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CardCreate(RequestModel):
    """Card details; checked (Luhn, expiry, CVC length by brand) and never stored."""

    number: Annotated[
        str,
        Field(
            min_length=1,
            max_length=40,
            description="12-19 digits; spaces and dashes between groups are fine.",
            examples=["4242 4242 4242 4242"],
        ),
    ]
    exp_month: Annotated[int, Field(ge=-10_000, le=10_000, examples=[12])]
    exp_year: Annotated[
        int, Field(ge=-10_000, le=10_000, description="2030 or 30.", examples=[2030])
    ]
    cvc: Annotated[str, Field(min_length=1, max_length=8, examples=["123"])]
    holder: Annotated[str, Field(min_length=1, max_length=200, examples=["IVAN PETROV"])]


class PaymentCreate(RequestModel):
    order_id: uuid.UUID
    card: CardCreate
    amount: Annotated[
        int | None,
        Field(
            ge=0,
            le=10**15,
            description="Optional, in minor units (kopecks for RUB): the total the payer "
            "agreed to; refused unless it is the order's total now.",
        ),
    ] = None


class CardRead(BaseModel):
    brand: Literal["visa", "mastercard", "amex", "mir", "unknown"]
    last4: str

    @classmethod
    def of(cls, payment: Payment) -> CardRead:
        return cls(brand=payment.card_brand, last4=payment.card_last4)  # type: ignore[arg-type]


class AttemptRead(BaseModel):
    """One try at paying the order: a payment of its own."""

    payment_id: uuid.UUID
    attempt: int
    status: PaymentStatusName
    failure_reason: FailureReasonName | None
    card: CardRead
    created_at: datetime
    settled_at: datetime | None

    @classmethod
    def of(cls, payment: Payment) -> AttemptRead:
        return cls(
            payment_id=payment.id,
            attempt=payment.attempt,
            status=payment.status,  # type: ignore[arg-type]
            failure_reason=payment.failure_reason,  # type: ignore[arg-type]
            card=CardRead.of(payment),
            created_at=payment.created_at,
            settled_at=payment.settled_at,
        )


class PaymentRead(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    status: PaymentStatusName = Field(
        description="pending while the processor is working; after failed, the order can be "
        "paid again (a new payment)."
    )
    amount: int = Field(description="Minor units of the currency.")
    currency: str
    failure_reason: FailureReasonName | None
    card: CardRead
    attempt: int = Field(description="Which try at paying the order this is: 1, 2, ...")
    attempts: list[AttemptRead] = Field(
        description="Every try at paying the order, this one included, first try first."
    )
    created_at: datetime
    updated_at: datetime
    settled_at: datetime | None
    refunded_at: datetime | None

    @classmethod
    def of(cls, view: PaymentView) -> PaymentRead:
        payment = view.payment
        return cls(
            id=payment.id,
            order_id=payment.order_id,
            user_id=payment.user_id,
            status=payment.status,  # type: ignore[arg-type]
            amount=payment.amount,
            currency=payment.currency,
            failure_reason=payment.failure_reason,  # type: ignore[arg-type]
            card=CardRead.of(payment),
            attempt=payment.attempt,
            attempts=[AttemptRead.of(attempt) for attempt in view.attempts],
            created_at=payment.created_at,
            updated_at=payment.updated_at,
            settled_at=payment.settled_at,
            refunded_at=payment.refunded_at,
        )


class PaymentPage(BaseModel):
    items: list[PaymentRead]
    total: int
    next_cursor: str | None = None


class PaymentList(BaseModel):
    items: list[PaymentRead]
