"""A product's reviews in every order, filtered and paged; one's own reviews; the rating
figures, exact when fifty reviews arrive at once."""

import asyncio
import uuid

import pytest

from marketplace_contracts import OrderLine, OrderPaid, OrderStatusChanged, UserUpdated
from marketplace_platform.clock import utcnow

pytestmark = pytest.mark.integration


async def filled(reviews, ratings: list[int]) -> tuple[str, list[dict]]:
    """A product with one review per rating given, oldest first."""
    product = await reviews.product()
    written = [await reviews.review(reviews.user(), product, rating=r) for r in ratings]
    return product, written


async def every_page(reviews, product: str, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        page = await reviews.listing(
            product, limit=2, **params, **({"cursor": cursor} if cursor else {})
        )
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_every_sort_pages_through_every_review_in_order(reviews) -> None:
    product, written = await filled(reviews, [3, 5, 1, 5, 3])
    ids = [r["id"] for r in written]
    fans = [reviews.user() for _ in range(3)]
    for likes, review in zip([2, 0, 3, 1, 0], ids, strict=True):
        for fan in fans[:likes]:
            await reviews.http.put(f"/api/reviews/{review}/like", headers=fan.headers)

    def order(key) -> list[str]:
        return [r["id"] for r in sorted(written, key=key)]

    newest = list(reversed(ids))
    position = {review: n for n, review in enumerate(ids)}
    likes = dict(zip(ids, [2, 0, 3, 1, 0], strict=True))
    expected = {
        "newest": newest,
        "liked": order(lambda r: (-likes[r["id"]], -position[r["id"]])),
        "rating_desc": order(lambda r: (-r["rating"], -position[r["id"]])),
        "rating_asc": list(reversed(order(lambda r: (-r["rating"], -position[r["id"]])))),
    }
    for sort, ids_in_order in expected.items():
        assert [r["id"] for r in await every_page(reviews, product, sort=sort)] == ids_in_order, (
            sort
        )


async def test_filters_by_rating_and_by_verified_purchase(reviews) -> None:
    product = await reviews.product()
    buyer = reviews.user()
    bought = await reviews.review(buyer, product, rating=5)
    await reviews.review(reviews.user(), product, rating=5)
    await reviews.review(reviews.user(), product, rating=2)
    order = uuid.uuid4()
    await reviews.deliver(
        OrderPaid(
            order_id=order,
            user_id=buyer.user_id,
            items=[OrderLine(product_id=uuid.UUID(product), quantity=1, unit_price=100)],
            total=100,
            currency="RUB",
        )
    )

    assert [r["rating"] for r in await every_page(reviews, product, rating=5)] == [5, 5]
    verified = await every_page(reviews, product, verified="true")
    assert [r["id"] for r in verified] == [bought["id"]]
    assert verified[0]["verified_purchase"] is True
    assert len(await every_page(reviews, product, verified="false")) == 2
    [update] = await reviews.outbox("reviews.review.updated.v1")
    assert update["data"]["changed"] == ["verified_purchase"]
    assert update["data"]["actor_role"] == "system"

    await reviews.deliver(
        OrderStatusChanged(
            order_id=order,
            user_id=buyer.user_id,
            from_status="paid",
            to_status="cancelled",
            actor="user",
            total=100,
            currency="RUB",
            changed_at=utcnow(),
        )
    )
    assert await every_page(reviews, product, verified="true") == []


async def test_a_review_written_after_the_purchase_is_verified_at_once(reviews) -> None:
    product = await reviews.product()
    buyer = reviews.user()
    await reviews.deliver(
        OrderPaid(
            order_id=uuid.uuid4(),
            user_id=buyer.user_id,
            items=[OrderLine(product_id=uuid.UUID(product), quantity=2, unit_price=100)],
            total=200,
            currency="RUB",
        )
    )
    review = await reviews.review(buyer, product)
    assert review["verified_purchase"] is True


async def test_a_renamed_author_shows_under_the_new_name(reviews) -> None:
    product = await reviews.product()
    author = await reviews.named(reviews.user(), "Old")
    await reviews.review(author, product)
    await reviews.deliver(
        UserUpdated(user_id=author.user_id, name="New", role="user", changed=["name"])
    )
    [item] = (await reviews.listing(product))["items"]
    assert item["author"]["name"] == "New"


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "oldest"},
        {"rating": 0},
        {"rating": 6},
        {"limit": 0},
        {"limit": 101},
        {"cursor": "not-a-cursor"},
        {"verified": "maybe"},
    ],
)
async def test_a_bad_listing_request_is_a_422(reviews, params: dict) -> None:
    product = await reviews.product()
    response = await reviews.http.get("/api/reviews", params={"product_id": product, **params})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_cursor_of_one_sort_is_refused_by_another(reviews) -> None:
    product, _ = await filled(reviews, [1, 2, 3])
    page = await reviews.listing(product, sort="liked", limit=1)
    response = await reviews.http.get(
        "/api/reviews",
        params={"product_id": product, "sort": "newest", "cursor": page["next_cursor"]},
    )
    assert response.status_code == 422


async def test_a_listing_needs_a_product(reviews) -> None:
    assert (await reviews.http.get("/api/reviews")).status_code == 422


async def test_my_reviews_are_mine_only(reviews) -> None:
    me = reviews.user()
    first, second = await reviews.product(), await reviews.product()
    a = await reviews.review(me, first)
    b = await reviews.review(me, second)
    await reviews.review(reviews.user(), first)
    response = await reviews.http.get("/api/reviews/mine", headers=me.headers)
    assert [r["id"] for r in response.json()["items"]] == [b["id"], a["id"]]
    assert (await reviews.http.get("/api/reviews/mine")).status_code == 401


async def test_fifty_reviews_at_once_give_exact_figures(reviews) -> None:
    product = await reviews.product()
    ratings = [1 + n % 5 for n in range(50)]
    ratings[:7] = [5] * 7  # an uneven distribution, so the average is not a round number

    async def write(rating: int) -> int:
        response = await reviews.http.post(
            "/api/reviews",
            json={"product_id": product, "rating": rating, "text": "Concurrent"},
            headers=reviews.user().headers,
        )
        return response.status_code

    assert set(await asyncio.gather(*(write(r) for r in ratings))) == {201}

    distribution = [ratings.count(n) for n in range(1, 6)]
    figures = await reviews.rating(product)
    assert figures["count"] == 50
    assert figures["distribution"] == {str(n): c for n, c in enumerate(distribution, 1)}
    assert figures["average"] == round(sum(ratings) / 50, 4)
    published = await reviews.outbox("reviews.product_rating.changed.v1")
    assert sorted(e["data"]["review_count"] for e in published) == list(range(1, 51))
    newest = max(published, key=lambda e: e["time"])
    assert newest["data"]["distribution"] == distribution


async def test_a_public_listing_checks_a_token_that_is_sent(reviews) -> None:
    product = await reviews.product()
    anonymous = await reviews.http.get("/api/reviews", params={"product_id": product})
    assert anonymous.status_code == 200
    forged = await reviews.http.get(
        "/api/reviews",
        params={"product_id": product},
        headers={"Authorization": "Bearer not.a.token"},
    )
    assert forged.status_code == 401


async def test_the_document_says_which_routes_take_a_token(reviews) -> None:
    paths = (await reviews.http.get("/openapi.json")).json()["paths"]
    assert "401" in paths["/api/reviews"]["get"]["responses"]  # a sent token is checked
    assert paths["/api/reviews/mine"]["get"]["security"] == [{"bearerAuth": []}]
    assert "403" in paths["/api/reviews/{review_id}/hide"]["post"]["responses"]
