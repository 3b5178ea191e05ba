"""Preferences through the API, and what they decide: a type switched off on a channel is
not stored or sent there; likes fold; a comment on my review reaches me, not its writer."""

import uuid
from datetime import UTC, datetime

import pytest

from marketplace_contracts import CommentCreated, CommentLiked, ReviewLiked

pytestmark = pytest.mark.integration


def review_liked(author: uuid.UUID, review: uuid.UUID, product: uuid.UUID) -> ReviewLiked:
    return ReviewLiked(
        review_id=review, product_id=product, author_id=author, actor_id=uuid.uuid4(),
        actor_role="user", likes=1,
    )


def commented(review_author: uuid.UUID, commenter: uuid.UUID) -> CommentCreated:
    return CommentCreated(
        comment_id=uuid.uuid4(), review_id=uuid.uuid4(), product_id=uuid.uuid4(),
        author_id=commenter, review_author_id=review_author, actor_id=commenter,
        actor_role="user", text="Полностью согласен!", created_at=datetime.now(UTC),
    )


async def test_the_defaults_send_everything_but_likes_by_email(notifications) -> None:
    owner = notifications.user()
    response = await notifications.http.get(
        "/api/notifications/preferences", headers=owner.headers
    )
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "ru"
    assert body["types"]["review.liked"] == {"in_app": True, "email": False}
    assert body["types"]["comment.liked"] == {"in_app": True, "email": False}
    assert body["types"]["order.status"] == {"in_app": True, "email": True}
    assert len(body["types"]) == 8


async def test_a_change_keeps_what_it_does_not_name(notifications) -> None:
    owner = notifications.user()
    await notifications.preferences(owner, {"types": {"order.status": {"email": False}}})
    body = await notifications.preferences(owner, {"language": "en"})
    assert body["language"] == "en"
    assert body["types"]["order.status"] == {"in_app": True, "email": False}


async def test_changed_preferences_read_back_as_changed(notifications) -> None:
    owner = notifications.user()
    await notifications.preferences(
        owner, {"language": "en", "types": {"review.liked": {"email": True}}}
    )

    response = await notifications.http.get(
        "/api/notifications/preferences", headers=owner.headers
    )

    assert response.status_code == 200
    assert response.json()["language"] == "en"
    assert response.json()["types"]["review.liked"] == {"in_app": True, "email": True}


@pytest.mark.parametrize(
    "body",
    [
        {"language": "de"},
        {"types": {"order.shipped": {"email": False}}},
        {"types": {"order.status": {"sms": False}}},
        {"types": {"order.status": {"email": "no"}}},
        {"types": {"order.status": {"email": 0}}},
        {"theme": "dark"},
        [],
    ],
)
async def test_bad_preferences_are_422_and_change_nothing(notifications, body) -> None:
    owner = notifications.user()
    response = await notifications.http.put(
        "/api/notifications/preferences", json=body, headers=owner.headers
    )
    assert response.status_code == 422, response.text
    after = await notifications.http.get("/api/notifications/preferences", headers=owner.headers)
    assert after.json()["types"]["order.status"] == {"in_app": True, "email": True}
    assert await notifications.scalar("SELECT count(*) FROM preferences") == 0


async def test_a_type_switched_off_is_neither_stored_nor_mailed(notifications) -> None:
    owner = notifications.user()
    await notifications.registered(owner)
    await notifications.wait_for_mail(1)  # the welcome
    await notifications.preferences(
        owner, {"types": {"review.commented": {"in_app": False, "email": False}}}
    )
    await notifications.deliver(commented(owner.id, uuid.uuid4()))

    assert [item["type"] for item in (await notifications.inbox(owner))["items"]] == ["welcome"]
    assert await notifications.scalar("SELECT count(*) FROM mail") == 1


async def test_email_only_goes_out_without_an_inbox_entry(notifications) -> None:
    owner = notifications.user()
    await notifications.registered(owner)
    await notifications.preferences(owner, {"types": {"review.commented": {"in_app": False}}})
    await notifications.deliver(commented(owner.id, uuid.uuid4()))

    letters = await notifications.wait_for_mail(2)
    assert "Новый комментарий к отзыву" in {letter["Subject"] for letter in letters}
    assert [item["type"] for item in (await notifications.inbox(owner))["items"]] == ["welcome"]


async def test_a_comment_reaches_the_reviews_author_not_its_writer(notifications) -> None:
    author = notifications.user()
    await notifications.deliver(commented(author.id, commenter=author.id))  # own comment
    assert (await notifications.inbox(author))["items"] == []

    await notifications.deliver(commented(author.id, commenter=uuid.uuid4()))
    [item] = (await notifications.inbox(author))["items"]
    assert item["type"] == "review.commented"
    assert "«Полностью согласен!»" in item["body"]
    assert item["link"].startswith("/products/")
    assert "#comment-" in item["link"]


async def test_likes_on_one_review_fold_into_one_notification(notifications) -> None:
    author = notifications.user()
    await notifications.registered(author)
    review, product = uuid.uuid4(), uuid.uuid4()
    for _ in range(3):
        await notifications.deliver(review_liked(author.id, review, product))
    await notifications.deliver(review_liked(author.id, uuid.uuid4(), product))  # another

    items = (await notifications.inbox(author))["items"]
    assert [(item["type"], item["count"]) for item in items] == [
        ("review.liked", 1), ("review.liked", 3), ("welcome", 1)
    ]
    assert items[1]["body"] == "Ваш отзыв понравился 3 пользователям."
    assert await notifications.unread(author) == 3
    # Likes are not mailed by default: the welcome is the only letter.
    assert await notifications.scalar("SELECT count(*) FROM mail") == 1

    # Once read, the next like is news again.
    await notifications.http.post(
        f"/api/notifications/{items[1]['id']}/read", headers=author.headers
    )
    await notifications.deliver(review_liked(author.id, review, product))
    newest = (await notifications.inbox(author))["items"][0]
    assert (newest["count"], newest["body"]) == (1, "Ваш отзыв понравился 1 пользователю.")


async def test_likes_on_a_comment_fold_by_comment(notifications) -> None:
    author = notifications.user()
    comment = uuid.uuid4()
    for _ in range(2):
        await notifications.deliver(
            CommentLiked(
                comment_id=comment, review_id=uuid.uuid4(), product_id=uuid.uuid4(),
                author_id=author.id, review_author_id=uuid.uuid4(), actor_id=uuid.uuid4(),
                actor_role="user", likes=1,
            )
        )
    [item] = (await notifications.inbox(author))["items"]
    assert (item["type"], item["count"]) == ("comment.liked", 2)
