"""The ``analytics`` consumer: translates other services' events into ``service.ingest``
effects, each applied once with its inbox claim."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from analytics_service.adapters.unit_of_work import AnalyticsUnitOfWork
from analytics_service.domain.facts import Line, OrderFact, ReviewFact
from analytics_service.service import ingest
from marketplace_contracts import (
    CommentCreated,
    CommentLiked,
    CommentUnliked,
    Envelope,
    OrderCancelled,
    OrderCreated,
    OrderLine,
    OrderPaid,
    OrderStatusChanged,
    PaymentFailed,
    PaymentRefunded,
    PaymentStarted,
    PaymentSucceeded,
    ProductCreated,
    ProductUpdated,
    ProductViewsCounted,
    ReviewCreated,
    ReviewDeleted,
    ReviewHidden,
    ReviewLiked,
    ReviewUnhidden,
    ReviewUnliked,
    ReviewUpdated,
    UserLoggedIn,
    UserRegistered,
)
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.inbox import Effect, consume_once

CONSUMER = "analytics"
SUBJECTS = (
    UserRegistered.TYPE,
    UserLoggedIn.TYPE,
    ProductCreated.TYPE,
    ProductUpdated.TYPE,
    ProductViewsCounted.TYPE,
    OrderCreated.TYPE,
    OrderPaid.TYPE,
    OrderStatusChanged.TYPE,
    OrderCancelled.TYPE,
    PaymentStarted.TYPE,
    PaymentSucceeded.TYPE,
    PaymentFailed.TYPE,
    PaymentRefunded.TYPE,
    ReviewCreated.TYPE,
    ReviewUpdated.TYPE,
    ReviewDeleted.TYPE,
    ReviewHidden.TYPE,
    ReviewUnhidden.TYPE,
    ReviewLiked.TYPE,
    ReviewUnliked.TYPE,
    CommentCreated.TYPE,
    CommentLiked.TYPE,
    CommentUnliked.TYPE,
)

U = AnalyticsUnitOfWork
LIKES: dict[str, type[ReviewLiked | ReviewUnliked | CommentLiked | CommentUnliked]] = {
    model.TYPE: model for model in (ReviewLiked, ReviewUnliked, CommentLiked, CommentUnliked)
}


def _lines(items: list[OrderLine]) -> tuple[Line, ...]:
    merged: dict[uuid.UUID, Line] = {}
    for item in items:
        before = merged.get(item.product_id)
        quantity = item.quantity + (before.quantity if before else 0)
        merged[item.product_id] = Line(item.product_id, quantity, item.unit_price)
    return tuple(sorted(merged.values(), key=lambda line: line.product_id))


def _order(
    order_id: uuid.UUID,
    change: Callable[[OrderFact], OrderFact] | None,
    *,
    active: tuple[uuid.UUID, datetime] | None = None,
    placed: bool = False,
) -> Effect[U]:
    async def effect(uow: U) -> None:
        if change is not None:  # None: the event tells nothing new of the order itself
            await ingest.change_order(uow, order_id=order_id, change=change)
        if active is not None:
            ingest.record_activity(uow, user_id=active[0], at=active[1], placed_order=placed)

    return effect


def _review(
    review_id: uuid.UUID,
    product_id: uuid.UUID,
    change: Callable[[ReviewFact], ReviewFact],
    *,
    actor: uuid.UUID | None,
    at: datetime,
    counts: dict[str, int] | None = None,
) -> Effect[U]:
    async def effect(uow: U) -> None:
        await ingest.change_review(uow, review_id=review_id, product_id=product_id, change=change)
        await _acted(uow, actor, at, counts)

    return effect


async def _acted(
    uow: U, actor: uuid.UUID | None, at: datetime, counts: dict[str, int] | None
) -> None:
    if actor is None:
        return
    ingest.record_activity(uow, user_id=actor, at=at)
    if counts:
        ingest.add_user_figures(uow, user_id=actor, figures=counts)


def _activity(user_id: uuid.UUID, at: datetime, *, registered: bool = False) -> Effect[U]:
    async def effect(uow: U) -> None:
        ingest.record_activity(uow, user_id=user_id, at=at, registered=registered)

    return effect


def _acted_only(actor: uuid.UUID | None, at: datetime, counts: dict[str, int]) -> Effect[U]:
    return lambda uow: _acted(uow, actor, at, counts)


def effect_of(envelope: Envelope) -> Effect[U] | None:
    """What the event does to the figures; None for one that does nothing."""
    at = envelope.time
    match envelope.type:
        case UserRegistered.TYPE:
            registered = envelope.parse(UserRegistered)
            return _activity(registered.user_id, at, registered=True)
        case UserLoggedIn.TYPE:
            login = envelope.parse(UserLoggedIn)
            return _activity(login.user_id, login.logged_in_at)
        case ProductCreated.TYPE | ProductUpdated.TYPE:
            product = envelope.parse(
                ProductCreated if envelope.type == ProductCreated.TYPE else ProductUpdated
            )
            return lambda uow: ingest.learn_product(
                uow,
                product_id=product.product_id,
                category_id=product.category_id,
                title=product.title,
                as_of=at,
            )
        case ProductViewsCounted.TYPE:
            counted = envelope.parse(ProductViewsCounted)
            views = [(count.product_id, count.views) for count in counted.counts]
            return lambda uow: ingest.count_views(uow, views=views, at=counted.until)
        case OrderCreated.TYPE:
            created = envelope.parse(OrderCreated)
            return _order(
                created.order_id,
                lambda fact: fact.placed(
                    user_id=created.user_id,
                    at=created.created_at,
                    total=created.total,
                    lines=_lines(created.items),
                ),
                active=(created.user_id, created.created_at),
                placed=True,
            )
        case OrderPaid.TYPE:
            paid = envelope.parse(OrderPaid)
            return _order(
                paid.order_id,
                lambda fact: fact.paid_for(
                    user_id=paid.user_id, total=paid.total, lines=_lines(paid.items)
                ),
            )
        case OrderStatusChanged.TYPE:
            changed = envelope.parse(OrderStatusChanged)
            active = (changed.user_id, changed.changed_at) if changed.actor == "user" else None
            if changed.to_status == "cancelled":
                return _order(changed.order_id, OrderFact.with_cancellation, active=active)
            return _order(changed.order_id, None, active=active)
        case OrderCancelled.TYPE:
            cancelled = envelope.parse(OrderCancelled)
            return _order(cancelled.order_id, OrderFact.with_cancellation)
        case PaymentStarted.TYPE:
            started = envelope.parse(PaymentStarted)
            return _order(started.order_id, None, active=(started.user_id, at))
        case PaymentSucceeded.TYPE:
            succeeded = envelope.parse(PaymentSucceeded)
            return _order(
                succeeded.order_id,
                lambda fact: fact.paid_for(
                    user_id=succeeded.user_id, total=fact.total, lines=fact.lines
                ),
            )
        case PaymentFailed.TYPE:
            failed = envelope.parse(PaymentFailed)
            return _order(failed.order_id, OrderFact.with_failed_payment)
        case PaymentRefunded.TYPE:
            refunded = envelope.parse(PaymentRefunded)
            return _order(refunded.order_id, lambda fact: fact.with_refund(refunded.amount))
    return _review_effect_of(envelope)


def _review_effect_of(envelope: Envelope) -> Effect[U] | None:
    at = envelope.time
    match envelope.type:
        case ReviewCreated.TYPE:
            created = envelope.parse(ReviewCreated)
            return _review(
                created.review_id,
                created.product_id,
                lambda fact: fact.created(at=created.created_at, rating=created.rating),
                actor=created.actor_id,
                at=created.created_at,
                counts={"reviews": 1},
            )
        case ReviewUpdated.TYPE:
            updated = envelope.parse(ReviewUpdated)
            return _review(
                updated.review_id,
                updated.product_id,
                lambda fact: fact.rated(updated.rating, as_of=at),
                actor=updated.actor_id if updated.actor_role == "user" else None,
                at=at,
            )
        case ReviewDeleted.TYPE:
            deleted = envelope.parse(ReviewDeleted)
            return _review(
                deleted.review_id, deleted.product_id, ReviewFact.with_deletion, actor=None, at=at
            )
        case ReviewHidden.TYPE | ReviewUnhidden.TYPE:
            hidden = envelope.type == ReviewHidden.TYPE
            moderated = envelope.parse(ReviewHidden if hidden else ReviewUnhidden)
            return _review(
                moderated.review_id,
                moderated.product_id,
                lambda fact: fact.moderated(hidden=hidden, as_of=at),
                actor=None,
                at=at,
            )
        case ReviewLiked.TYPE | ReviewUnliked.TYPE | CommentLiked.TYPE | CommentUnliked.TYPE:
            like = envelope.parse(LIKES[envelope.type])
            liked = envelope.type in (ReviewLiked.TYPE, CommentLiked.TYPE)
            return _acted_only(like.actor_id, at, {"likes_given": 1 if liked else -1})
        case CommentCreated.TYPE:
            comment = envelope.parse(CommentCreated)
            return _acted_only(comment.actor_id, comment.created_at, {"comments": 1})
    return None


# Events about an order that change its fact: a batch of them is prepared (``prepare``).
ORDER_FACTS = {
    OrderCreated.TYPE,
    OrderPaid.TYPE,
    OrderCancelled.TYPE,
    OrderStatusChanged.TYPE,
    PaymentSucceeded.TYPE,
    PaymentFailed.TYPE,
    PaymentRefunded.TYPE,
}


async def prepare(uow: U, envelopes: Sequence[Envelope]) -> None:
    """What a batch's order events will read, loaded in a few statements instead of a few
    per event (the effects read it from the unit of work's repositories)."""
    order_ids, buyer_ids, product_ids = set(), set(), set()
    for envelope in envelopes:
        if envelope.type not in ORDER_FACTS:
            continue
        data = envelope.data
        order_ids.add(uuid.UUID(str(data["order_id"])))
        buyer_ids.add(uuid.UUID(str(data["user_id"])))
        for item in data.get("items", ()):
            product_ids.add(uuid.UUID(str(item["product_id"])))
    if order_ids:
        await ingest.prepare(uow, order_ids=order_ids, buyer_ids=buyer_ids, product_ids=product_ids)


def register(bus: EventBus, unit_of_work: Callable[[], AnalyticsUnitOfWork], *, batch: int) -> None:
    """Every event's effect once, up to ``batch`` of them to a transaction: the rollups a
    busy stream touches over and over are written once per batch."""
    consume_once(
        bus,
        CONSUMER,
        SUBJECTS,
        unit_of_work=unit_of_work,
        effect_of=effect_of,
        batch=batch,
        prepare=prepare,
    )
