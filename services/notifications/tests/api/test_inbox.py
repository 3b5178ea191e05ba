"""The inbox through the API, on each engine: notifications made from events, one per event
however often it comes, listed, counted, read and deleted by their owner only."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from marketplace_contracts import OrderStatusChanged, PaymentFailed, PaymentSucceeded

pytestmark = pytest.mark.integration


def status_changed(user_id: uuid.UUID, to: str = "paid", **extra) -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=extra.pop("order_id", uuid.uuid4()),
        user_id=user_id,
        from_status=extra.pop("from_status", "processing"),
        to_status=to,
        actor="system",
        total=125000,
        currency="RUB",
        changed_at=datetime.now(UTC),
        **extra,
    )


async def test_an_order_status_change_is_a_notification_in_the_owners_language(
    notifications,
) -> None:
    owner = notifications.user()
    order_id = uuid.uuid4()
    await notifications.deliver(status_changed(owner.id, "paid", order_id=order_id))

    [item] = (await notifications.inbox(owner))["items"]
    number = order_id.hex[-8:]
    assert item["type"] == "order.status"
    assert item["title"] == f"Заказ № {number} оплачен"
    assert item["link"] == f"/orders/{order_id}"
    assert item["read_at"] is None
    assert item["created_at"]
    assert await notifications.unread(owner) == 1

    await notifications.preferences(owner, {"language": "en"})
    await notifications.deliver(status_changed(owner.id, "delivered", order_id=order_id))
    newest = (await notifications.inbox(owner))["items"][0]
    assert newest["title"] == f"Order {number} delivered"


async def test_a_redelivered_event_makes_one_notification_and_one_letter(notifications) -> None:
    owner = notifications.user()
    await notifications.registered(owner)
    paid = notifications.envelope(
        PaymentSucceeded(
            payment_id=uuid.uuid4(), order_id=uuid.uuid4(), user_id=owner.id, amount=123450,
            currency="RUB", card_brand="visa", card_last4="4242",
        )
    )
    assert await notifications.deliver(paid) is True
    assert await notifications.deliver(paid) is False

    items = (await notifications.inbox(owner))["items"]
    assert [item["type"] for item in items] == ["payment.succeeded", "welcome"]
    assert "1\u00a0234,50\u00a0₽" in items[0]["body"]
    letters = await notifications.wait_for_mail(2)  # the welcome and the payment
    assert sorted(letter["Subject"] for letter in letters) == sorted(
        ["Оплата прошла", "Добро пожаловать в Marketplace"]
    )
    assert {letter["To"] for letter in letters} == {f"{owner.id}@example.test"}
    await notifications.wait_for_sent(2)
    await asyncio.sleep(0.2)  # a second letter for the redelivery would be sent by now
    assert await notifications.scalar("SELECT count(*) FROM mail") == 2
    assert len(notifications.maildir()) == 2


async def test_a_failed_payment_says_why(notifications) -> None:
    owner = notifications.user()
    await notifications.deliver(
        PaymentFailed(
            payment_id=uuid.uuid4(), order_id=uuid.uuid4(), user_id=owner.id, amount=500,
            currency="RUB", reason="insufficient_funds",
        )
    )
    [item] = (await notifications.inbox(owner))["items"]
    assert item["title"] == "Оплата не прошла"
    assert "недостаточно средств" in item["body"]


async def test_pages_follow_the_cursor_and_the_unread_filter(notifications) -> None:
    owner = notifications.user()
    for _ in range(5):
        await notifications.deliver(status_changed(owner.id))
    first = await notifications.inbox(owner, limit=2)
    second = await notifications.inbox(owner, limit=2, cursor=first["next_cursor"])
    third = await notifications.inbox(owner, limit=2, cursor=second["next_cursor"])
    ids = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert len(ids) == 5
    assert len(set(ids)) == 5
    assert ids == sorted(ids, reverse=True)  # newest first
    assert third["next_cursor"] is None

    read = await notifications.http.post(
        f"/api/notifications/{ids[0]}/read", headers=owner.headers
    )
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    unread = await notifications.inbox(owner, unread="true")
    assert [item["id"] for item in unread["items"]] == ids[1:]
    assert await notifications.unread(owner) == 4

    # An unread-only cursor does not continue the full list.
    mixed = await notifications.http.get(
        "/api/notifications", params={"cursor": first["next_cursor"], "unread": "true"},
        headers=owner.headers,
    )
    assert mixed.status_code == 422


async def test_read_all_and_delete(notifications) -> None:
    owner = notifications.user()
    for _ in range(3):
        await notifications.deliver(status_changed(owner.id))
    first_read = await notifications.http.post(
        "/api/notifications/read-all", headers=owner.headers
    )
    assert first_read.json() == {"marked": 3, "unread": 0}
    again = await notifications.http.post("/api/notifications/read-all", headers=owner.headers)
    assert again.json() == {"marked": 0, "unread": 0}

    items = (await notifications.inbox(owner))["items"]
    deleted = await notifications.http.delete(
        f"/api/notifications/{items[0]['id']}", headers=owner.headers
    )
    assert deleted.status_code == 204
    assert len((await notifications.inbox(owner))["items"]) == 2
    gone = await notifications.http.delete(
        f"/api/notifications/{items[0]['id']}", headers=owner.headers
    )
    assert gone.status_code == 404


async def test_another_users_notifications_are_not_there(notifications) -> None:
    owner, stranger = notifications.user(), notifications.user()
    await notifications.deliver(status_changed(owner.id))
    [item] = (await notifications.inbox(owner))["items"]

    assert (await notifications.inbox(stranger))["items"] == []
    for method, path in (
        ("POST", f"/api/notifications/{item['id']}/read"),
        ("DELETE", f"/api/notifications/{item['id']}"),
    ):
        response = await notifications.http.request(method, path, headers=stranger.headers)
        assert response.status_code == 404, response.text
        assert response.json()["type"].endswith("notification-not-found")
    # Untouched for its owner.
    [still] = (await notifications.inbox(owner))["items"]
    assert still["read_at"] is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/notifications"),
        ("GET", "/api/notifications/unread-count"),
        ("POST", "/api/notifications/read-all"),
        ("GET", "/api/notifications/preferences"),
        ("PUT", "/api/notifications/preferences"),
        ("POST", f"/api/notifications/{uuid.uuid4()}/read"),
        ("DELETE", f"/api/notifications/{uuid.uuid4()}"),
    ],
)
async def test_every_route_needs_a_token(notifications, method: str, path: str) -> None:
    response = await notifications.http.request(method, path, json={})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "101"}, {"cursor": "not-a-cursor"}, {"unread": "maybe"}],
)
async def test_bad_list_parameters_are_422(notifications, params) -> None:
    owner = notifications.user()
    response = await notifications.http.get(
        "/api/notifications", params=params, headers=owner.headers
    )
    assert response.status_code == 422


async def test_a_malformed_id_is_422(notifications) -> None:
    owner = notifications.user()
    response = await notifications.http.post(
        "/api/notifications/not-an-id/read", headers=owner.headers
    )
    assert response.status_code == 422
