"""Payments of orders by card: pay, and read one's own payments (admins: everyone's)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse, Response

from marketplace_platform.clock import utcnow
from marketplace_platform.idempotency import Claim, Replay, once, request_fingerprint
from marketplace_platform.problems import DomainError, Forbidden
from marketplace_platform.security.jwks import Principal
from payments_service.adapters.repositories import PaymentFilter
from payments_service.adapters.unit_of_work import PaymentsUnitOfWork
from payments_service.api.deps import (
    ComponentsDep,
    CurrentUser,
    IdempotencyKeyHeader,
    UnitOfWorkDep,
)
from payments_service.components import Components
from payments_service.domain.cards import Card, parse_card
from payments_service.domain.payments import PaymentStatus
from payments_service.schemas import PaymentCreate, PaymentPage, PaymentRead
from payments_service.service import payments
from payments_service.service.payments import PaymentView

router = APIRouter(prefix="/api/payments", tags=["payments"])

PENDING_ANSWER = {
    202: {
        "model": PaymentRead,
        "description": "The processor has not answered yet: the payment is pending and "
        "settles on its own; follow it with GET /api/payments/{id}.",
    },
    409: {
        "description": "The order cannot be paid now: not awaiting payment, already paid, "
        "a payment in progress, or ``amount`` is not its total."
    },
}


def _answer(view: PaymentView) -> tuple[int, dict[str, Any]]:
    pending = view.payment.status is PaymentStatus.PENDING
    code = status.HTTP_202_ACCEPTED if pending else status.HTTP_201_CREATED
    return code, PaymentRead.of(view).model_dump(mode="json")


def _fingerprint(request: Request, body: PaymentCreate, card: Card) -> str:
    # What makes two requests with one key "the same". The card enters as brand, last four
    # digits and expiry, not the number: a hash of a card number is no protection (there are
    # few enough numbers to try them all), and this table keeps its rows for a day.
    return request_fingerprint(
        request.method,
        request.url.path,
        {
            "order_id": str(body.order_id),
            "amount": body.amount,
            "card": [card.brand.value, card.last4, card.exp_month, card.exp_year],
        },
    )


async def _pay(
    components: Components, body: PaymentCreate, card: Card, payer: Principal, claim: Claim | None
) -> PaymentView:
    async def store_answer(uow: PaymentsUnitOfWork, view: PaymentView) -> None:
        assert claim is not None
        code, answer = _answer(view)
        await components.keys.complete(uow.session, claim, status=code, body=answer)

    return await payments.pay(
        unit_of_work=components.unit_of_work,
        orders=components.orders,
        processor=components.processor,
        payer=payer,
        order_id=body.order_id,
        card=card,
        amount=body.amount,
        processor_timeout=components.settings.processor_timeout,
        on_settled=store_answer if claim is not None else None,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentRead,
    responses=PENDING_ANSWER,
)
async def create_payment(
    body: PaymentCreate,
    payer: CurrentUser,
    key: IdempotencyKeyHeader,
    request: Request,
    components: ComponentsDep,
) -> Response:
    """Pay one of your orders by card; answers succeeded or failed (with the reason)."""
    card = parse_card(
        number=body.card.number,
        exp_month=body.card.exp_month,
        exp_year=body.card.exp_year,
        cvc=body.card.cvc,
        holder=body.card.holder,
        today=utcnow().date(),
    )
    keyed = components.keys.keyed(
        key, scope=f"payments:{payer.user_id}", fingerprint=_fingerprint(request, body, card)
    )
    result = await once(
        keyed,
        lambda claim: _pay(components, body, card, payer, claim),
        # Only a refusal comes before anything is recorded or charged: then a corrected
        # retry runs afresh. Past that point the lease, not a retry, frees the key.
        release_on=(DomainError,),
    )
    if isinstance(result, Replay):
        return result.response()
    code, answer = _answer(result)
    return JSONResponse(answer, status_code=code)


@router.get("")
async def list_payments(
    user: CurrentUser,
    unit_of_work: UnitOfWorkDep,
    user_id: Annotated[uuid.UUID | None, Query(description="Admins: one user's.")] = None,
    order_id: uuid.UUID | None = None,
    payment_status: Annotated[PaymentStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> PaymentPage:
    """Your payments, newest first; admins see everyone's, filterable by user."""
    if not user.is_admin:
        if user_id is not None and user_id != user.user_id:
            raise Forbidden("Only admins can list another user's payments.")
        user_id = user.user_id
    where = PaymentFilter(user_id=user_id, order_id=order_id, status=payment_status)
    page = await payments.get_all(
        unit_of_work=unit_of_work, where=where, limit=limit, cursor=cursor
    )
    return PaymentPage(
        items=[PaymentRead.of(view) for view in page.items],
        total=page.total or 0,
        next_cursor=page.next_cursor,
    )


@router.get("/{payment_id}")
async def get_payment(
    payment_id: uuid.UUID, user: CurrentUser, unit_of_work: UnitOfWorkDep
) -> PaymentRead:
    """One payment with its attempts: yours, or anyone's for an admin."""
    found = await payments.get(unit_of_work=unit_of_work, payment_id=payment_id, viewer=user)
    return PaymentRead.of(found)
