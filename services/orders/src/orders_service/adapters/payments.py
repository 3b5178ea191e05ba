"""Payments' internal API, as orders' reconciliation uses it: the payments of one order and
what became of each."""

from __future__ import annotations

import uuid
from typing import Any

from marketplace_platform.internal_http import InternalClient, PeerUnavailable
from orders_service.domain.payments import PaymentOutcome, PaymentRecord

PAYMENTS = "/internal/payments"

_OUTCOMES = {
    "pending": PaymentOutcome.PENDING,
    "processing": PaymentOutcome.PENDING,
    "succeeded": PaymentOutcome.SUCCEEDED,
    "failed": PaymentOutcome.FAILED,
    "refunded": PaymentOutcome.REFUNDED,
}


class PaymentsUnavailable(Exception):
    """Payments did not tell: reconciliation tries again at its next pass."""


class PaymentsClient:
    def __init__(self, client: InternalClient) -> None:
        self.client = client

    async def payments_of(self, order_id: uuid.UUID) -> list[PaymentRecord]:
        try:
            response = await self.client.request(
                "GET", PAYMENTS, params={"order_id": str(order_id)}
            )
        except PeerUnavailable as error:
            raise PaymentsUnavailable(str(error)) from None
        if response.status_code != 200:
            raise PaymentsUnavailable(f"payments answered {response.status_code}")
        body = response.json()
        # ``{"items": [...]}`` as every list of this system answers, or a bare list.
        items: list[dict[str, Any]] = body.get("items", []) if isinstance(body, dict) else body
        records = []
        for item in items:
            outcome = _OUTCOMES.get(str(item.get("status")))
            if outcome is None:
                raise PaymentsUnavailable(f"unknown payment status {item.get('status')!r}")
            records.append(
                PaymentRecord(
                    payment_id=str(item["id"]),
                    outcome=outcome,
                    reason=item.get("failure_reason"),
                )
            )
        return records
