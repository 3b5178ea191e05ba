"""The use cases on a fake unit of work: what they store, push and mail, and that a refusal
or a switched-off type leaves nothing behind."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from marketplace_contracts import NotificationCreated
from marketplace_platform.clock import utcnow
from notifications_service.domain.errors import NotificationNotFound
from notifications_service.domain.kinds import Kind, Language
from notifications_service.domain.mail import Mail, MailDeferred, MailRejected, MailStatus
from notifications_service.service import inbox, live, mail, notify, preferences

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def status_changed(uow, outlets, user_id, to="paid", at=NOW):
    async with uow:
        await notify.order_status_changed(
            uow=uow, outlets=outlets, order_id=uuid.uuid4(), user_id=user_id,
            to_status=to, reason=None, changed_at=at,
        )
        await uow.commit()


async def like(uow, outlets, author, review, at=NOW):
    async with uow:
        await notify.liked(
            uow=uow, outlets=outlets, kind=Kind.REVIEW_LIKED, author_id=author,
            liker_id=uuid.uuid4(), product_id=uuid.uuid4(), review_id=review, comment_id=None,
            at=at,
        )
        await uow.commit()


async def test_a_status_change_stores_pushes_and_publishes(uow, outlets, pusher) -> None:
    user = uuid.uuid4()
    await status_changed(uow, outlets, user)

    [stored] = uow.notifications.rows.values()
    assert (stored.kind, stored.user_id) == ("order.status", user)
    assert pusher.types(user) == ["notification", "unread"]
    [created] = uow.events(NotificationCreated)
    assert (created.notification_id, created.kind, created.count) == (stored.id, "order.status", 1)


async def test_nothing_is_pushed_before_the_commit(uow, outlets, pusher) -> None:
    user = uuid.uuid4()
    async with uow:
        await notify.order_status_changed(
            uow=uow, outlets=outlets, order_id=uuid.uuid4(), user_id=user,
            to_status="processing", reason=None, changed_at=NOW,
        )
        assert pusher.pushed == []
    assert uow.commits == 0
    assert pusher.pushed == []


async def test_a_type_switched_off_in_app_is_neither_stored_nor_pushed(
    uow, outlets, pusher
) -> None:
    user = uuid.uuid4()
    await preferences.update(
        uow=uow, user_id=user, language=None, switches={"order.status": {"in_app": False}}
    )
    await status_changed(uow, outlets, user)
    assert uow.notifications.rows == {}
    assert pusher.pushed == []


async def test_a_status_is_pushed_from_the_event_unless_it_is_stale(pusher) -> None:
    user, order = uuid.uuid4(), uuid.uuid4()
    changed = {"pusher": pusher, "order_id": order, "user_id": user, "from_status": "processing",
               "to_status": "paid", "reason": None}
    assert await live.order_status_changed(**changed, changed_at=utcnow()) is True
    [(to, message)] = pusher.pushed
    assert (to, message["type"], message["data"]["status"]) == (user, "order.status", "paid")
    stale = utcnow() - live.STALE_AFTER - timedelta(seconds=1)
    assert await live.order_status_changed(**changed, changed_at=stale) is False
    assert len(pusher.pushed) == 1


async def test_a_letter_is_queued_only_for_a_known_address_and_an_allowed_type(
    uow, outlets, nudges
) -> None:
    user = uuid.uuid4()
    await status_changed(uow, outlets, user)
    assert uow.mail.rows == {}  # no address known yet

    async with uow:
        await notify.user_registered(
            uow=uow, outlets=outlets, user_id=user, email="ivan@example.test", name="Иван",
            at=NOW,
        )
        await uow.commit()
    [welcome] = uow.mail.rows.values()
    assert (welcome.to_address, welcome.subject) == ("ivan@example.test",
                                                     "Добро пожаловать в Marketplace")
    assert welcome.body.endswith("https://shop.example/\n")
    assert nudges == [1]

    await preferences.update(
        uow=uow, user_id=user, language=Language.EN, switches={"order.status": {"email": False}}
    )
    await status_changed(uow, outlets, user)
    assert len(uow.mail.rows) == 1
    newest = max(uow.notifications.rows.values(), key=lambda n: n.id)
    assert newest.title.startswith("Order ")


async def test_likes_within_the_window_fold_and_outside_it_do_not(uow, outlets, pusher) -> None:
    author, review = uuid.uuid4(), uuid.uuid4()
    await like(uow, outlets, author, review)
    first = next(iter(uow.notifications.rows))
    await like(uow, outlets, author, review, at=NOW + timedelta(minutes=4))

    [folded] = uow.notifications.rows.values()
    assert folded.count == 2
    assert folded.id != first
    replaced = [m for to, m in pusher.pushed if m["type"] == "notification"][-1]
    assert replaced["data"]["replaces"] == str(first)
    assert uow.events(NotificationCreated)[-1].replaces == first

    await like(uow, outlets, author, review, at=NOW + timedelta(minutes=20))
    assert sorted(n.count for n in uow.notifications.rows.values()) == [1, 2]


async def test_liking_or_commenting_ones_own_review_notifies_nobody(uow, outlets, pusher) -> None:
    author = uuid.uuid4()
    async with uow:
        await notify.liked(
            uow=uow, outlets=outlets, kind=Kind.REVIEW_LIKED, author_id=author,
            liker_id=author, product_id=uuid.uuid4(), review_id=uuid.uuid4(), comment_id=None,
            at=NOW,
        )
        await notify.review_commented(
            uow=uow, outlets=outlets, review_author_id=author, commenter_id=author,
            product_id=uuid.uuid4(), review_id=uuid.uuid4(), comment_id=uuid.uuid4(),
            text="Me again", at=NOW,
        )
        await uow.commit()
    assert uow.notifications.rows == {}
    assert pusher.pushed == []


async def test_another_users_notification_is_not_found_and_unchanged(uow, outlets, pusher) -> None:
    owner, stranger = uuid.uuid4(), uuid.uuid4()
    await status_changed(uow, outlets, owner)
    notification_id = next(iter(uow.notifications.rows))
    pushed_before = len(pusher.pushed)

    with pytest.raises(NotificationNotFound):
        await inbox.mark_read(
            uow=uow, pusher=pusher, user_id=stranger, notification_id=notification_id
        )
    with pytest.raises(NotificationNotFound):
        await inbox.delete(
            uow=uow, pusher=pusher, user_id=stranger, notification_id=notification_id
        )
    assert uow.notifications.rows[notification_id].read_at is None
    assert len(pusher.pushed) == pushed_before


async def test_reading_pushes_the_new_count_once(uow, outlets, pusher) -> None:
    owner = uuid.uuid4()
    await status_changed(uow, outlets, owner)
    await status_changed(uow, outlets, owner)
    first = min(uow.notifications.rows)
    pusher.pushed.clear()

    await inbox.mark_read(uow=uow, pusher=pusher, user_id=owner, notification_id=first)
    await inbox.mark_read(uow=uow, pusher=pusher, user_id=owner, notification_id=first)
    assert [m for _, m in pusher.pushed] == [{"type": "unread", "data": {"unread": 1}}]
    assert await inbox.mark_all_read(uow=uow, pusher=pusher, user_id=owner) == 1
    assert pusher.pushed[-1][1] == {"type": "unread", "data": {"unread": 0}}


async def queued(uow, count=1):
    """Letters due now (the sender reads the real clock)."""
    for _ in range(count):
        await uow.mail.add(Mail(id=uuid.uuid4(), user_id=uuid.uuid4(), to_address="a@example.test",
                          subject="S", body="B", created_at=utcnow() - timedelta(seconds=1)))


async def send(uow, mailer):
    return await mail.send_due(
        unit_of_work=lambda: uow, mailer=mailer, batch=10, claim_for=timedelta(minutes=1)
    )


async def test_a_round_sends_each_due_letter_once(uow, mailer) -> None:
    async with uow:
        await queued(uow, 3)
        await uow.commit()
    assert await send(uow, mailer) == 3
    assert await send(uow, mailer) == 0
    assert len(mailer.sent) == 3
    assert {m.status for m in uow.mail.rows.values()} == {MailStatus.SENT.value}


async def test_an_outage_defers_and_a_refusal_ends_a_letter(uow, mailer) -> None:
    async with uow:
        await queued(uow, 2)
        await uow.commit()
    mailer.outcomes = [MailDeferred("connection refused"), MailRejected("550 no such user")]
    assert await send(uow, mailer) == 2
    deferred, refused = sorted(uow.mail.rows.values(), key=lambda m: m.status, reverse=True)
    assert (deferred.status, deferred.attempts) == ("pending", 1)
    assert deferred.next_attempt_at > utcnow()
    assert deferred.claimed_until is None
    assert (refused.status, refused.last_error) == ("failed", "550 no such user")
    assert mailer.sent == []
    # Not due again until its pause is over: nothing is sent twice meanwhile.
    assert await send(uow, mailer) == 0


async def test_a_purchase_is_one_letter_and_later_changes_are_mailed(uow, outlets) -> None:
    """The statuses a payment sets are the payment's letter; a cancellation or a delivery is
    a letter of its own, unless ``order.status`` by email is switched off."""
    user = uuid.uuid4()
    async with uow:
        await notify.user_registered(
            uow=uow, outlets=outlets, user_id=user, email="ivan@example.test", name="Иван",
            at=NOW,
        )
        await uow.commit()
    for status in ("processing", "created", "processing", "paid"):
        await status_changed(uow, outlets, user, to=status)
    async with uow:
        await notify.payment_settled(
            uow=uow, outlets=outlets, kind=Kind.PAYMENT_SUCCEEDED, order_id=uuid.uuid4(),
            user_id=user, amount=500, currency="RUB", reason=None, at=NOW,
        )
        await uow.commit()
    subjects = [letter.subject for letter in uow.mail.rows.values()]
    assert subjects == ["Добро пожаловать в Marketplace", "Оплата прошла"]
    assert len(uow.notifications.of(user)) == 6  # every change is in the inbox

    await status_changed(uow, outlets, user, to="delivered")
    await status_changed(uow, outlets, user, to="cancelled")
    assert len(uow.mail.rows) == 4

    await preferences.update(
        uow=uow, user_id=user, language=None, switches={"order.status": {"email": False}}
    )
    await status_changed(uow, outlets, user, to="delivered")
    assert len(uow.mail.rows) == 4
