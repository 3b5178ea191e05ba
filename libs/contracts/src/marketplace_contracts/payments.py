"""Events published by the payments service. Card data never leaves payments: events carry at
most the card's brand and last four digits."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import Field

from marketplace_contracts.envelope import Event

FailureReason = Literal["card_declined", "insufficient_funds", "processing_error", "expired_card"]


class PaymentStarted(Event):
    """Payments accepted a payment for an order and is about to charge it: the order moves to
    ``processing``."""

    TYPE: ClassVar[str] = "payments.payment.started.v1"

    payment_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    amount: int = Field(ge=0)
    currency: str

    def event_subject(self) -> str:
        return str(self.order_id)


class PaymentSucceeded(Event):
    TYPE: ClassVar[str] = "payments.payment.succeeded.v1"

    payment_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    amount: int = Field(ge=0)
    currency: str
    card_brand: str
    card_last4: str = Field(pattern=r"^[0-9]{4}$")

    def event_subject(self) -> str:
        return str(self.order_id)


class PaymentFailed(Event):
    """The charge failed; the order goes back to ``created`` with ``reason`` so the user can
    pay again."""

    TYPE: ClassVar[str] = "payments.payment.failed.v1"

    payment_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    amount: int = Field(ge=0)
    currency: str
    reason: FailureReason

    def event_subject(self) -> str:
        return str(self.order_id)


class PaymentRefunded(Event):
    TYPE: ClassVar[str] = "payments.payment.refunded.v1"

    payment_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    amount: int = Field(ge=0)
    currency: str

    def event_subject(self) -> str:
        return str(self.order_id)
