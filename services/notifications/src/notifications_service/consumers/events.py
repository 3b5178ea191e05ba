"""The ``notifications`` consumer: translates other services' events into the use cases of
``service.notify``, each applied once with its inbox claim.

One durable consumer, shared by the replicas: each event is handled by one of them, which
stores the notification and publishes the pushes every replica hears.
"""

from __future__ import annotations

from collections.abc import Callable

from marketplace_contracts import (
    CommentCreated,
    CommentLiked,
    Envelope,
    OrderStatusChanged,
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
    ReviewLiked,
    UserRegistered,
    UserUpdated,
)
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.inbox import Effect, consume_once
from notifications_service.adapters.unit_of_work import NotificationsUnitOfWork
from notifications_service.domain.kinds import Kind
from notifications_service.service import notify
from notifications_service.service.notify import Outlets

CONSUMER = "notifications"
SUBJECTS = (
    OrderStatusChanged.TYPE,
    PaymentSucceeded.TYPE,
    PaymentFailed.TYPE,
    PaymentRefunded.TYPE,
    CommentCreated.TYPE,
    ReviewLiked.TYPE,
    CommentLiked.TYPE,
    UserRegistered.TYPE,
    UserUpdated.TYPE,
)

_PAYMENTS: dict[str, tuple[type[PaymentSucceeded | PaymentFailed | PaymentRefunded], Kind]] = {
    PaymentSucceeded.TYPE: (PaymentSucceeded, Kind.PAYMENT_SUCCEEDED),
    PaymentFailed.TYPE: (PaymentFailed, Kind.PAYMENT_FAILED),
    PaymentRefunded.TYPE: (PaymentRefunded, Kind.PAYMENT_REFUNDED),
}


def effect_of(envelope: Envelope, outlets: Outlets) -> Effect | None:
    """What the event does to the notifications service; None for one it does not act on."""
    at = envelope.time
    match envelope.type:
        case OrderStatusChanged.TYPE:
            changed = envelope.parse(OrderStatusChanged)
            return lambda uow: notify.order_status_changed(
                uow=uow, outlets=outlets, order_id=changed.order_id, user_id=changed.user_id,
                to_status=changed.to_status, reason=changed.reason,
                changed_at=changed.changed_at,
            )
        case PaymentSucceeded.TYPE | PaymentFailed.TYPE | PaymentRefunded.TYPE:
            model, kind = _PAYMENTS[envelope.type]
            payment = envelope.parse(model)
            reason = payment.reason if isinstance(payment, PaymentFailed) else None
            return lambda uow: notify.payment_settled(
                uow=uow, outlets=outlets, kind=kind, order_id=payment.order_id,
                user_id=payment.user_id, amount=payment.amount, currency=payment.currency,
                reason=reason, at=at,
            )
        case CommentCreated.TYPE:
            comment = envelope.parse(CommentCreated)
            return lambda uow: notify.review_commented(
                uow=uow, outlets=outlets, review_author_id=comment.review_author_id,
                commenter_id=comment.actor_id, product_id=comment.product_id,
                review_id=comment.review_id, comment_id=comment.comment_id,
                text=comment.text, at=comment.created_at,
            )
        case ReviewLiked.TYPE:
            review_like = envelope.parse(ReviewLiked)
            return lambda uow: notify.liked(
                uow=uow, outlets=outlets, kind=Kind.REVIEW_LIKED,
                author_id=review_like.author_id, liker_id=review_like.actor_id,
                product_id=review_like.product_id, review_id=review_like.review_id,
                comment_id=None, at=at,
            )
        case CommentLiked.TYPE:
            comment_like = envelope.parse(CommentLiked)
            return lambda uow: notify.liked(
                uow=uow, outlets=outlets, kind=Kind.COMMENT_LIKED,
                author_id=comment_like.author_id, liker_id=comment_like.actor_id,
                product_id=comment_like.product_id, review_id=comment_like.review_id,
                comment_id=comment_like.comment_id, at=at,
            )
        case UserRegistered.TYPE:
            user = envelope.parse(UserRegistered)
            return lambda uow: notify.user_registered(
                uow=uow, outlets=outlets, user_id=user.user_id, email=user.email,
                name=user.name, at=at,
            )
        case UserUpdated.TYPE:
            updated = envelope.parse(UserUpdated)
            if "name" not in updated.changed:
                return None
            return lambda uow: notify.user_renamed(
                uow=uow, user_id=updated.user_id, name=updated.name, at=at
            )
    return None


def register(
    bus: EventBus,
    unit_of_work: Callable[[], NotificationsUnitOfWork],
    outlets: Outlets,
    *,
    batch: int,
) -> None:
    """``batch``: the events in work at once (different orders', users', reviews') share one
    transaction, a group commit: a saga's status and payment events cost one commit between
    them under load instead of one each. One subject's events still go one after another,
    so likes on one review never meet in a batch and fold as they did one by one."""
    consume_once(
        bus,
        CONSUMER,
        SUBJECTS,
        unit_of_work=unit_of_work,
        effect_of=lambda envelope: effect_of(envelope, outlets),
        batch=batch,
    )
