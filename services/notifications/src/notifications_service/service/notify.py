"""Notifications from other services' events: each event of a user's order, payment, review
or account becomes at most one notification in that user's inbox, one letter, and live
pushes to their open sockets.

Each use case runs inside the consumer's unit of work, whose inbox claim makes it happen once
however often the event is delivered. What the user switched off on a channel is not stored
there: no notification without ``in_app``, no letter without ``email``. Pushes and the mail
sender's nudge are after-commit actions, so nothing is pushed that was not stored, and a lost
push is made good by the inbox (a reconnecting client catches up from it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from marketplace_platform.ids import new_id
from notifications_service.domain.kinds import Channel, Kind
from notifications_service.domain.mail import Mail, status_mailed
from notifications_service.domain.messages import notification_message, unread_message
from notifications_service.domain.notifications import Notification
from notifications_service.domain.texts import render
from notifications_service.service.ports import Pusher, UnitOfWork


@dataclass(frozen=True, slots=True)
class Outlets:
    """Where a new notification goes besides the inbox, and how."""

    pusher: Pusher
    # Wakes the mail sender once a letter is committed (it also looks on a timer).
    mail_queued: Callable[[], None]
    # The site's address, for the links in letters (the inbox keeps them relative).
    site_url: str
    # Likes on one item within this long fold into one notification.
    fold_window: timedelta


def order_link(order_id: uuid.UUID) -> str:
    return f"/orders/{order_id}"


def review_link(
    product_id: uuid.UUID, review_id: uuid.UUID, comment_id: uuid.UUID | None = None
) -> str:
    link = f"/products/{product_id}/reviews/{review_id}"
    return link if comment_id is None else f"{link}#comment-{comment_id}"


async def notify(
    *,
    uow: UnitOfWork,
    outlets: Outlets,
    user_id: uuid.UUID,
    kind: Kind,
    params: dict[str, Any],
    link: str,
    at: datetime,
    group_key: str | None = None,
    mail: bool = True,
) -> Notification | None:
    """One event's notification for ``user_id``, as far as their preferences allow; the
    stored notification, or None if ``in_app`` is off for this kind. ``mail=False``: news
    that another letter tells (see ``domain.mail.status_mailed``), so none for this one."""
    preferences = await uow.preferences.of(user_id)
    language = preferences.lang
    text = render(kind, language, {**params, "count": 1})
    stored: Notification | None = None
    replaced: uuid.UUID | None = None
    if preferences.allows(kind, Channel.IN_APP):
        previous = None
        if group_key is not None:
            previous = await uow.notifications.latest_of_group(user_id, group_key)
            if previous is not None and not previous.folds(
                group_key=group_key, at=at, window=outlets.fold_window
            ):
                previous = None
        if previous is not None:
            folded_text = render(kind, language, {**params, "count": previous.count + 1})
            stored = previous.folded(id=new_id(), text=folded_text, at=at)
            replaced = previous.id
            await uow.notifications.remove(previous)
        else:
            stored = Notification.make(
                id=new_id(), user_id=user_id, kind=kind, text=text, link=link, at=at,
                group_key=group_key,
            )
        await uow.notifications.add(stored)
        unread = await uow.notifications.unread_count(user_id)
        pushes = [notification_message(stored, replaces=replaced), unread_message(unread)]
        uow.after_commit(lambda: _push_all(outlets.pusher, user_id, pushes))
    # A fold is news of the same thing: one letter for it is enough.
    if mail and replaced is None and preferences.allows(kind, Channel.EMAIL):
        recipient = await uow.recipients.get(user_id)
        if recipient is not None:
            await uow.mail.add(
                Mail(
                    id=new_id(),
                    user_id=user_id,
                    to_address=recipient.email,
                    subject=text.title,
                    body=f"{text.body}\n\n{outlets.site_url.rstrip('/')}{link}\n",
                    created_at=at,
                )
            )
            uow.after_commit(_nudge(outlets.mail_queued))
    return stored


async def _push_all(pusher: Pusher, user_id: uuid.UUID, messages: list[dict[str, Any]]) -> None:
    for message in messages:
        await pusher.push(user_id, message)


def _nudge(wake: Callable[[], None]) -> Callable[[], Any]:
    async def action() -> None:
        wake()

    return action


# -- one use case per event ----------------------------------------------------------------


async def order_status_changed(
    *,
    uow: UnitOfWork,
    outlets: Outlets,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    to_status: str,
    reason: str | None,
    changed_at: datetime,
) -> None:
    """The owner's inbox gets the change if they want it, and their mailbox if it is news
    no payment letter tells (``status_mailed``). (Their open pages get the status itself
    from ``service.live``, whatever the preferences say.)"""
    await notify(
        uow=uow, outlets=outlets, user_id=user_id, kind=Kind.ORDER_STATUS,
        params={"order_id": order_id, "status": to_status, "reason": reason},
        link=order_link(order_id), at=changed_at, mail=status_mailed(to_status),
    )


async def payment_settled(
    *,
    uow: UnitOfWork,
    outlets: Outlets,
    kind: Kind,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    amount: int,
    currency: str,
    reason: str | None,
    at: datetime,
) -> None:
    """A payment succeeded, failed (with the reason) or was refunded."""
    await notify(
        uow=uow, outlets=outlets, user_id=user_id, kind=kind,
        params={"order_id": order_id, "amount": amount, "currency": currency, "reason": reason},
        link=order_link(order_id), at=at,
    )


async def review_commented(
    *,
    uow: UnitOfWork,
    outlets: Outlets,
    review_author_id: uuid.UUID,
    commenter_id: uuid.UUID | None,
    product_id: uuid.UUID,
    review_id: uuid.UUID,
    comment_id: uuid.UUID,
    text: str,
    at: datetime,
) -> None:
    """A comment under my review, unless I wrote it myself."""
    if commenter_id == review_author_id:
        return
    await notify(
        uow=uow, outlets=outlets, user_id=review_author_id, kind=Kind.REVIEW_COMMENTED,
        params={"text": text}, link=review_link(product_id, review_id, comment_id), at=at,
    )


async def liked(
    *,
    uow: UnitOfWork,
    outlets: Outlets,
    kind: Kind,
    author_id: uuid.UUID,
    liker_id: uuid.UUID | None,
    product_id: uuid.UUID,
    review_id: uuid.UUID,
    comment_id: uuid.UUID | None,
    at: datetime,
) -> None:
    """A like on my review or comment; likes on one of them fold within the window."""
    if liker_id == author_id:
        return
    target = f"comment:{comment_id}" if comment_id is not None else f"review:{review_id}"
    await notify(
        uow=uow, outlets=outlets, user_id=author_id, kind=kind, params={},
        link=review_link(product_id, review_id, comment_id), at=at, group_key=target,
    )


async def user_registered(
    *,
    uow: UnitOfWork,
    outlets: Outlets,
    user_id: uuid.UUID,
    email: str,
    name: str,
    at: datetime,
) -> None:
    """Remember where the user's mail goes, and welcome them."""
    await uow.recipients.learn(user_id, email=email, name=name, as_of=at)
    await notify(
        uow=uow, outlets=outlets, user_id=user_id, kind=Kind.WELCOME, params={"name": name},
        link="/", at=at,
    )


async def user_renamed(*, uow: UnitOfWork, user_id: uuid.UUID, name: str, at: datetime) -> None:
    await uow.recipients.rename(user_id, name=name, as_of=at)
