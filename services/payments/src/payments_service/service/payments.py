"""Paying an order, and reading payments.

A payment is two transactions around one outside call, because a charge cannot be part of
our transaction:

1. check the order with orders (owner, status ``created``, amount) and record a new payment
   as ``pending`` with ``PaymentStarted`` (the order moves to ``processing``);
2. charge the processor under the payment's id (idempotent there);
3. record the outcome with ``PaymentSucceeded`` or ``PaymentFailed``.

A crash between 1 and 3 leaves the payment ``pending``; ``service.recovery`` settles it from
the processor's own record, so the payment, the processor and (through the events) the order
end up agreeing whatever moment the process died.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_contracts import PaymentFailed, PaymentStarted, PaymentSucceeded
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.ids import new_id
from marketplace_platform.pagination import Page, decode_cursor, page_after
from marketplace_platform.security.jwks import Principal
from payments_service.adapters.orders import OrdersClient
from payments_service.adapters.orm import Payment
from payments_service.adapters.processor import SimulatedProcessor
from payments_service.adapters.repositories import (
    CancelledOrderRepository,
    PaymentFilter,
    PaymentRepository,
)
from payments_service.domain import payments as rules
from payments_service.domain.cards import Card
from payments_service.domain.errors import OrderNotFound, PaymentInProgress, PaymentNotFound
from payments_service.domain.payments import Outcome, PaymentStatus

log = logging.getLogger(__name__)

CURSOR_TAG = "payments"
CANCELLED = "cancelled"
PROCESSING = "processing"


@dataclass(frozen=True, slots=True)
class PaymentView:
    """A payment and every try at paying its order (this one included), first try first."""

    payment: Payment
    attempts: Sequence[Payment]


# Called in the transaction that records the outcome: the idempotency key's answer is stored
# with it, so a replay answers exactly what this request did.
OnSettled = Callable[[AsyncSession, PaymentView], Awaitable[None]]


async def pay(
    *,
    unit_of_work: Callable[[], UnitOfWork],
    orders: OrdersClient,
    processor: SimulatedProcessor,
    payer: Principal,
    order_id: uuid.UUID,
    card: Card,
    amount: int | None = None,
    processor_timeout: timedelta,
    on_settled: OnSettled | None = None,
) -> PaymentView:
    """Charge ``card`` for the payer's order and return the payment as it ended.

    Raises before anything is recorded if the order is not the payer's (``OrderNotFound``),
    not awaiting payment or of another amount (409), or orders cannot say (503). Returns a
    ``pending`` payment if the processor did not answer in time; recovery settles it.
    """
    order = await orders.get_order(order_id)
    if order is None or order.user_id != payer.user_id:
        raise OrderNotFound("There is no order with this id.")
    if order.status != PROCESSING:  # a processing order is judged with its payments below
        rules.check_order_payable(order.status)
    rules.check_amount(amount, total=order.total)

    started = await _start(
        unit_of_work(), order_id=order.id, order_status=order.status, user_id=payer.user_id,
        amount=order.total, currency=order.currency, card=card,
    )
    payment = started.payment
    try:
        async with asyncio.timeout(processor_timeout.total_seconds()):
            charge = await processor.charge(
                key=str(payment.id), amount=payment.amount, currency=payment.currency, card=card
            )
    except Exception as error:
        # Charged or not, we cannot tell now: the payment stays pending and recovery asks
        # the processor later. Logged without a word of the card.
        log.warning(
            "no answer from the processor; the payment stays pending: %s",
            type(error).__name__,
            extra={"payment_id": str(payment.id)},
        )
        if on_settled is not None:
            async with unit_of_work() as uow:
                await on_settled(uow.session, started)
                await uow.commit()
        return started
    return await settle(
        unit_of_work(),
        payment_id=payment.id,
        outcome=charge.outcome,
        on_settled=on_settled,
    )


async def _start(
    uow: UnitOfWork,
    *,
    order_id: uuid.UUID,
    order_status: str,
    user_id: uuid.UUID,
    amount: int,
    currency: str,
    card: Card,
) -> PaymentView:
    """Record a new pending payment and ``PaymentStarted``, in one transaction. An order
    orders still calls ``processing`` is checked here, against the payments read under lock:
    if every try failed, orders is only late to hear it (``OrderSettling``)."""
    now = utcnow()
    summary = card.summary
    try:
        async with uow:
            payments = PaymentRepository(uow.session)
            earlier = await payments.of_order(order_id, lock=True)
            if order_status == PROCESSING:
                rules.check_order_payable(
                    order_status, earlier=[PaymentStatus(p.status) for p in earlier]
                )
            rules.check_can_attempt(PaymentStatus(p.status) for p in earlier)
            if await CancelledOrderRepository(uow.session).contains(order_id):
                # Orders answered before it cancelled: no charge for an order that will not ship.
                rules.check_order_payable(CANCELLED)
            payment = Payment(
                id=new_id(),
                order_id=order_id,
                attempt=len(earlier) + 1,
                user_id=user_id,
                status=PaymentStatus.PENDING.value,
                amount=amount,
                currency=currency,
                card_brand=summary.brand.value,
                card_last4=summary.last4,
                created_at=now,
                updated_at=now,
            )
            payments.add(payment)
            uow.publish(
                PaymentStarted(
                    payment_id=payment.id,
                    order_id=order_id,
                    user_id=user_id,
                    amount=amount,
                    currency=currency,
                )
            )
            await uow.commit()
    except IntegrityError:
        # Another request started a payment of this order between our read and our insert.
        raise PaymentInProgress("A payment for this order is in progress.") from None
    return PaymentView(payment=payment, attempts=[*earlier, payment])


async def settle(
    uow: UnitOfWork,
    *,
    payment_id: uuid.UUID,
    outcome: Outcome,
    on_settled: OnSettled | None = None,
) -> PaymentView:
    """Record a charge's outcome and publish it; a payment already settled (the request and
    recovery both got there) is left as it is."""
    now = utcnow()
    async with uow:
        payments = PaymentRepository(uow.session)
        payment = await payments.lock(payment_id)
        if payment is None:
            raise PaymentNotFound("There is no payment with this id.")
        if rules.can_settle(PaymentStatus(payment.status)):
            payment.status = outcome.payment_status.value
            payment.failure_reason = outcome.reason.value if outcome.reason else None
            payment.settled_at = now
            payment.updated_at = now
            uow.publish(_outcome_event(payment, outcome))
        view = PaymentView(payment=payment, attempts=await payments.of_order(payment.order_id))
        if on_settled is not None:
            await on_settled(uow.session, view)
        await uow.commit()
    return view


def _outcome_event(payment: Payment, outcome: Outcome) -> PaymentSucceeded | PaymentFailed:
    if outcome.succeeded:
        return PaymentSucceeded(
            payment_id=payment.id,
            order_id=payment.order_id,
            user_id=payment.user_id,
            amount=payment.amount,
            currency=payment.currency,
            card_brand=payment.card_brand,
            card_last4=payment.card_last4,
        )
    assert outcome.reason is not None
    return PaymentFailed(
        payment_id=payment.id,
        order_id=payment.order_id,
        user_id=payment.user_id,
        amount=payment.amount,
        currency=payment.currency,
        reason=outcome.reason.value,
    )


async def get(*, db: Database, payment_id: uuid.UUID, viewer: Principal) -> PaymentView:
    """The payment, if the viewer owns it or is an admin; else ``PaymentNotFound`` (another
    user's payment does not exist as far as they can tell)."""
    async with db.read_session() as session:
        payments = PaymentRepository(session)
        payment = await payments.get(payment_id)
        if payment is None or not (viewer.is_admin or payment.user_id == viewer.user_id):
            raise PaymentNotFound("There is no payment with this id.")
        attempts = await payments.of_order(payment.order_id)
    return PaymentView(payment=payment, attempts=attempts)


async def get_all(
    *, db: Database, where: PaymentFilter, limit: int, cursor: str | None = None
) -> Page[PaymentView]:
    """A page of payments, newest first; ``next_cursor`` continues after its last item."""
    before = decode_cursor(cursor, uuid.UUID, tag=CURSOR_TAG)[0] if cursor else None
    async with db.read_session() as session:
        payments = PaymentRepository(session)
        rows = await payments.page(where=where, limit=limit + 1, before=before)
        total = await payments.count(where=where)
        page = page_after(rows, limit=limit, key=lambda p: (p.id,), tag=CURSOR_TAG, total=total)
        attempts = await payments.of_orders(payment.order_id for payment in page.items)
    return Page(
        items=[PaymentView(payment=p, attempts=attempts[p.order_id]) for p in page.items],
        total=page.total,
        next_cursor=page.next_cursor,
    )


async def for_order(*, db: Database, order_id: uuid.UUID) -> list[PaymentView]:
    """Every payment of the order, first try first: what orders reconciles with."""
    async with db.read_session() as session:
        payments = await PaymentRepository(session).of_order(order_id)
    return [PaymentView(payment=payment, attempts=payments) for payment in payments]
