"""Paying an order, and reading payments.

A payment is two transactions around one outside call, because a charge cannot be part of
our transaction:

1. check the order (owner, status ``created``, amount) and record a new payment as
   ``pending`` with ``PaymentStarted`` (the order moves to ``processing``). The first payment
   of an order payments heard placed (``domain.orders``) is checked against that alone
   (``start_placed``); any other asks orders first (``start``);
2. charge the processor under the payment's id (idempotent there);
3. record the outcome with ``PaymentSucceeded`` or ``PaymentFailed``.

Each transaction is one ``PaymentsUnitOfWork``: the ``Payment`` aggregate records its events
(``Payment.start``, ``Payment.settle``) and the unit of work writes them to the outbox with
the change. A crash between 1 and 3 leaves the payment ``pending``; ``service.recovery``
settles it from the processor's own record, so the payment, the processor and (through the
events) the order end up agreeing whatever moment the process died.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from marketplace_platform.clock import utcnow
from marketplace_platform.ids import new_id
from marketplace_platform.pagination import Page, decode_cursor, page_after
from marketplace_platform.security.jwks import Principal
from payments_service.adapters.orders import OrderSnapshot
from payments_service.adapters.repositories import PaymentFilter
from payments_service.adapters.unit_of_work import PaymentsUnitOfWork
from payments_service.domain import payments as rules
from payments_service.domain.cards import Card
from payments_service.domain.errors import OrderNotFound, PaymentInProgress, PaymentNotFound
from payments_service.domain.orders import PlacedOrder, status_without_asking
from payments_service.domain.payments import Outcome, Payment
from payments_service.service.ports import Orders, Processor, UnitOfWorkFactory

log = logging.getLogger(__name__)

CURSOR_TAG = "payments"
PROCESSING = "processing"


@dataclass(frozen=True, slots=True)
class PaymentView:
    """A payment and every try at paying its order (this one included), first try first."""

    payment: Payment
    attempts: Sequence[Payment]


# The caller's note, stored in the transaction that records the outcome: an
# ``Idempotency-Key``'s answer goes there, so a replay answers exactly what this request did.
OnSettled = Callable[[PaymentsUnitOfWork, PaymentView], Awaitable[None]]


async def pay(
    *,
    unit_of_work: UnitOfWorkFactory,
    orders: Orders,
    processor: Processor,
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
    started = None
    placed = orders.placed(order_id)
    if placed is not None:
        if placed.user_id != payer.user_id:
            raise OrderNotFound("There is no order with this id.")
        started = await start_placed(unit_of_work, order=placed, card=card, amount=amount)
    if started is None:
        order = await orders.get_order(order_id)
        if order is None or order.user_id != payer.user_id:
            raise OrderNotFound("There is no order with this id.")
        if order.status != PROCESSING:  # a processing order is judged with its payments below
            rules.check_order_payable(order.status)
        rules.check_amount(amount, total=order.total)
        started = await start(unit_of_work, order=order, card=card)
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
                await on_settled(uow, started)
                await uow.commit()
        return started
    return await settle(
        unit_of_work, payment_id=payment.id, outcome=charge.outcome, on_settled=on_settled
    )


async def start(
    unit_of_work: UnitOfWorkFactory, *, order: OrderSnapshot, card: Card
) -> PaymentView:
    """Record a new pending payment of ``order`` (``PaymentStarted``), in one transaction,
    judged against the order's earlier payments read under lock and what payments knows of
    its cancellation (``Payment.start``)."""
    try:
        async with unit_of_work() as uow:
            earlier = await uow.payments.of_order(order.id, lock=True)
            payment = Payment.start(
                id=new_id(),
                order_id=order.id,
                user_id=order.user_id,
                amount=order.total,
                currency=order.currency,
                card=card.summary,
                order_status=order.status,
                earlier=earlier,
                order_cancelled=await uow.cancelled_orders.contains(order.id),
                at=utcnow(),
            )
            uow.payments.add(payment)
            await uow.commit()
    except IntegrityError:
        # Another request started a payment of this order between our read and our insert.
        raise PaymentInProgress("A payment for this order is in progress.") from None
    return PaymentView(payment=payment, attempts=[*earlier, payment])


async def start_placed(
    unit_of_work: UnitOfWorkFactory, *, order: PlacedOrder, card: Card, amount: int | None
) -> PaymentView | None:
    """Start the first payment of an order payments has seen placed (the payer's: checked by
    the caller), without asking orders (``domain.orders``), in one transaction; None, having
    changed nothing, when payments alone cannot tell the order is awaiting payment (a payment
    of it exists, a cancellation was heard): the caller then asks orders, as ``start`` needs.
    The amount is checked once the status is known, as ``pay`` checks orders' answer."""
    try:
        async with unit_of_work() as uow:
            earlier = await uow.payments.of_order(order.order_id, lock=True)
            status = status_without_asking(
                earlier, cancelled=await uow.cancelled_orders.contains(order.order_id)
            )
            if status is None:
                return None
            rules.check_amount(amount, total=order.total)
            payment = Payment.start(
                id=new_id(),
                order_id=order.order_id,
                user_id=order.user_id,
                amount=order.total,
                currency=order.currency,
                card=card.summary,
                order_status=status,
                earlier=earlier,
                order_cancelled=False,
                at=utcnow(),
            )
            uow.payments.add(payment)
            await uow.commit()
    except IntegrityError:
        raise PaymentInProgress("A payment for this order is in progress.") from None
    return PaymentView(payment=payment, attempts=[payment])


async def settle(
    unit_of_work: UnitOfWorkFactory,
    *,
    payment_id: uuid.UUID,
    outcome: Outcome,
    on_settled: OnSettled | None = None,
) -> PaymentView:
    """Record a charge's outcome (``PaymentSucceeded`` or ``PaymentFailed``); a payment
    already settled (the request and recovery both got there) is left as it is."""
    async with unit_of_work() as uow:
        payment = await uow.payments.lock(payment_id)
        if payment is None:
            raise PaymentNotFound("There is no payment with this id.")
        payment.settle(outcome, at=utcnow())
        view = PaymentView(payment=payment, attempts=await uow.payments.of_order(payment.order_id))
        if on_settled is not None:
            await on_settled(uow, view)
        await uow.commit()
    return view


async def get(
    *, unit_of_work: UnitOfWorkFactory, payment_id: uuid.UUID, viewer: Principal
) -> PaymentView:
    """The payment, if the viewer owns it or is an admin; else ``PaymentNotFound`` (another
    user's payment does not exist as far as they can tell)."""
    async with unit_of_work(read_only=True) as uow:
        payment = await uow.payments.get(payment_id)
        if payment is None or not (viewer.is_admin or payment.user_id == viewer.user_id):
            raise PaymentNotFound("There is no payment with this id.")
        attempts = await uow.payments.of_order(payment.order_id)
    return PaymentView(payment=payment, attempts=attempts)


async def get_all(
    *,
    unit_of_work: UnitOfWorkFactory,
    where: PaymentFilter,
    limit: int,
    cursor: str | None = None,
) -> Page[PaymentView]:
    """A page of payments, newest first; ``next_cursor`` continues after its last item."""
    before = decode_cursor(cursor, uuid.UUID, tag=CURSOR_TAG)[0] if cursor else None
    async with unit_of_work(read_only=True) as uow:
        rows = await uow.payments.page(where=where, limit=limit + 1, before=before)
        total = await uow.payments.count(where=where)
        page = page_after(rows, limit=limit, key=lambda p: (p.id,), tag=CURSOR_TAG, total=total)
        attempts = await uow.payments.of_orders(payment.order_id for payment in page.items)
    return Page(
        items=[PaymentView(payment=p, attempts=attempts[p.order_id]) for p in page.items],
        total=page.total,
        next_cursor=page.next_cursor,
    )


async def for_order(*, unit_of_work: UnitOfWorkFactory, order_id: uuid.UUID) -> list[PaymentView]:
    """Every payment of the order, first try first: what orders reconciles with."""
    # Read-only: it queues behind no writer, and ending it leaves the payments it loaded
    # readable once it has ended (a read-only unit of work is closed, not rolled back).
    async with unit_of_work(read_only=True) as uow:
        payments = await uow.payments.of_order(order_id)
    return [PaymentView(payment=payment, attempts=payments) for payment in payments]
