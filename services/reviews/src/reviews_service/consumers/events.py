"""The ``reviews`` consumer: translates other services' events into
``service.projections`` effects, each applied once with its inbox claim. The events in work
at once share one transaction (a group commit, ``consume_once(batch=...)``): under load a
saga's order events cost a fraction of a commit each."""

from __future__ import annotations

from collections.abc import Callable

from marketplace_contracts import (
    Envelope,
    OrderPaid,
    OrderStatusChanged,
    ProductArchived,
    ProductCreated,
    ProductUpdated,
    UserRegistered,
    UserUpdated,
)
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.inbox import Effect, consume_once
from reviews_service.adapters.unit_of_work import ReviewsUnitOfWork
from reviews_service.domain.products import ProductStatus
from reviews_service.service import projections

CONSUMER = "reviews"
SUBJECTS = (
    ProductCreated.TYPE,
    ProductUpdated.TYPE,
    ProductArchived.TYPE,
    UserRegistered.TYPE,
    UserUpdated.TYPE,
    OrderPaid.TYPE,
    OrderStatusChanged.TYPE,
)


def effect_of(envelope: Envelope) -> Effect[ReviewsUnitOfWork] | None:
    """What the event does to the reviews service; None for one it does not act on."""
    at = envelope.time
    match envelope.type:
        case ProductCreated.TYPE:
            created = envelope.parse(ProductCreated)
            return lambda uow: projections.learn_product(
                uow, product_id=created.product_id, status=ProductStatus.ACTIVE, as_of=at
            )
        case ProductUpdated.TYPE:
            updated = envelope.parse(ProductUpdated)
            return lambda uow: projections.learn_product(
                uow, product_id=updated.product_id, status=ProductStatus(updated.status), as_of=at
            )
        case ProductArchived.TYPE:
            archived = envelope.parse(ProductArchived)
            return lambda uow: projections.learn_product(
                uow, product_id=archived.product_id, status=ProductStatus.ARCHIVED, as_of=at
            )
        case UserRegistered.TYPE | UserUpdated.TYPE:
            user = envelope.parse(
                UserRegistered if envelope.type == UserRegistered.TYPE else UserUpdated
            )
            return lambda uow: projections.learn_author(
                uow, user_id=user.user_id, name=user.name, as_of=at
            )
        case OrderPaid.TYPE:
            paid = envelope.parse(OrderPaid)
            return lambda uow: projections.learn_order(
                uow,
                order_id=paid.order_id,
                user_id=paid.user_id,
                status="paid",
                as_of=at,
                product_ids=[line.product_id for line in paid.items],
            )
        case OrderStatusChanged.TYPE:
            changed = envelope.parse(OrderStatusChanged)
            return lambda uow: projections.learn_order(
                uow,
                order_id=changed.order_id,
                user_id=changed.user_id,
                status=changed.to_status,
                as_of=changed.changed_at,
            )
    return None


def register(
    bus: EventBus, unit_of_work: Callable[[], ReviewsUnitOfWork], *, batch: int
) -> None:
    """``batch``: how many events in work at once share a transaction."""
    consume_once(
        bus, CONSUMER, SUBJECTS, unit_of_work=unit_of_work, effect_of=effect_of, batch=batch
    )
