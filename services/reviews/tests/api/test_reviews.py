"""Writing, editing, deleting, hiding and un-hiding reviews through the HTTP API, with the product's
rating figures following, on each engine."""

import uuid

import pytest

from marketplace_contracts import ProductArchived

pytestmark = pytest.mark.integration

CREATED = "reviews.review.created.v1"
UPDATED = "reviews.review.updated.v1"
DELETED = "reviews.review.deleted.v1"
HIDDEN = "reviews.review.hidden.v1"
UNHIDDEN = "reviews.review.unhidden.v1"
COMMENT_DELETED = "reviews.comment.deleted.v1"
FIGURES = "reviews.product_rating.changed.v1"


def figures(average: float, *distribution: int) -> dict:
    return {
        "average": average,
        "count": sum(distribution),
        "distribution": {str(n): count for n, count in enumerate(distribution, 1)},
    }


async def rating_of(reviews, product: str) -> dict:
    rating = await reviews.rating(product)
    del rating["product_id"]
    return rating


async def test_a_review_is_listed_with_its_author_and_moves_the_figures(reviews) -> None:
    product = await reviews.product()
    ivan = await reviews.named(reviews.user(), "Иван")
    review = await reviews.review(ivan, product, rating=4, text="Хороший телефон")

    assert review["rating"] == 4
    assert review["author"] == {"id": str(ivan.user_id), "name": "Иван"}
    assert (review["likes"], review["comments"], review["liked_by_me"]) == (0, 0, False)
    assert (review["status"], review["verified_purchase"]) == ("published", False)
    page = await reviews.listing(product)
    assert [item["id"] for item in page["items"]] == [review["id"]]
    assert page["next_cursor"] is None
    assert await rating_of(reviews, product) == figures(4.0, 0, 0, 0, 1, 0)
    [created] = await reviews.outbox(CREATED)
    assert created["data"]["actor_id"] == created["data"]["author_id"] == str(ivan.user_id)
    assert created["data"]["actor_role"] == "user"
    [published] = await reviews.outbox(FIGURES)
    assert published["subject"] == product
    assert published["data"]["average_rating"] == 4.0
    assert published["data"]["distribution"] == [0, 0, 0, 1, 0]


async def test_a_script_in_the_text_comes_back_byte_for_byte(reviews) -> None:
    product = await reviews.product()
    text = '<script>alert("x")</script> & <b>bold</b> \u00a0 ok\n'
    review = await reviews.review(reviews.user(), product, text=text)

    assert review["text"] == text
    response = await reviews.http.get("/api/reviews", params={"product_id": product})
    assert response.headers["content-type"] == "application/json"
    assert '<script>alert(\\"x\\")</script> & <b>bold</b>' in response.text
    assert response.json()["items"][0]["text"] == text


async def test_a_second_review_of_the_same_product_is_a_conflict(reviews) -> None:
    product = await reviews.product()
    user = reviews.user()
    await reviews.review(user, product, rating=5)

    response = await reviews.http.post(
        "/api/reviews",
        json={"product_id": product, "rating": 1, "text": "Again"},
        headers=user.headers,
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/already-reviewed")
    assert await rating_of(reviews, product) == figures(5.0, 0, 0, 0, 0, 1)
    assert len(await reviews.outbox(CREATED)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "5"}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({"text": ""}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"product_id": "not-an-id"}, "product_id"),
        ({"extra": 1}, "extra"),
    ],
)
async def test_bad_input_is_a_422_and_changes_nothing(reviews, body: dict, field: str) -> None:
    product = await reviews.product()
    response = await reviews.http.post(
        "/api/reviews",
        json={"product_id": product, "rating": 3, "text": "Fine", **body},
        headers=reviews.user().headers,
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["loc"][-1] for error in response.json()["errors"]] == [field]
    assert await reviews.outbox() == []
    assert (await reviews.listing(product))["items"] == []


@pytest.mark.parametrize("text", ["   \n\t", "NUL \x00 inside"])
async def test_a_blank_text_or_a_nul_is_refused_by_the_rules(reviews, text: str) -> None:
    product = await reviews.product()
    response = await reviews.http.post(
        "/api/reviews",
        json={"product_id": product, "rating": 3, "text": text},
        headers=reviews.user().headers,
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-text")
    assert await reviews.outbox() == []


async def test_the_longest_text_is_taken(reviews) -> None:
    product = await reviews.product()
    review = await reviews.review(reviews.user(), product, text="ж" * 5000)
    assert len(review["text"]) == 5000


async def test_writing_needs_a_token(reviews) -> None:
    product = await reviews.product()
    response = await reviews.http.post(
        "/api/reviews", json={"product_id": product, "rating": 3, "text": "Fine"}
    )
    assert response.status_code == 401


async def test_a_product_no_event_told_of_is_asked_of_the_catalog_once(reviews) -> None:
    product = uuid.uuid4()
    reviews.catalog.products[product] = "active"

    await reviews.review(reviews.user(), str(product))
    await reviews.review(reviews.user(), str(product))

    assert reviews.catalog.asked == [product]


async def test_a_product_the_catalog_does_not_have_is_refused(reviews) -> None:
    product = str(uuid.uuid4())
    response = await reviews.http.post(
        "/api/reviews",
        json={"product_id": product, "rating": 3, "text": "Fine"},
        headers=reviews.user().headers,
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/unknown-product")
    assert await reviews.outbox() == []


async def test_an_unreachable_catalog_is_a_503_and_nothing_is_stored(reviews) -> None:
    product = uuid.uuid4()
    reviews.catalog.down = True
    response = await reviews.http.post(
        "/api/reviews",
        json={"product_id": str(product), "rating": 3, "text": "Fine"},
        headers=reviews.user().headers,
    )
    assert response.status_code == 503
    assert await reviews.outbox() == []
    assert await reviews.scalar("SELECT count(*) FROM products") == 0


async def test_an_archived_product_takes_no_new_reviews(reviews) -> None:
    product = await reviews.product()
    await reviews.review(reviews.user(), product)
    await reviews.deliver(ProductArchived(product_id=uuid.UUID(product)))

    response = await reviews.http.post(
        "/api/reviews",
        json={"product_id": product, "rating": 3, "text": "Fine"},
        headers=reviews.user().headers,
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/product-archived")
    assert len((await reviews.listing(product))["items"]) == 1  # the old one stays


async def test_the_author_edits_and_the_figures_move(reviews) -> None:
    product = await reviews.product()
    author = reviews.user()
    review = await reviews.review(author, product, rating=2)

    response = await reviews.http.patch(
        f"/api/reviews/{review['id']}",
        json={"rating": 5, "text": "Better now"},
        headers=author.headers,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["rating"], response.json()["text"]) == (5, "Better now")
    assert await rating_of(reviews, product) == figures(5.0, 0, 0, 0, 0, 1)
    [updated] = await reviews.outbox(UPDATED)
    assert updated["data"]["changed"] == ["rating", "text"]
    assert [e["data"]["distribution"] for e in await reviews.outbox(FIGURES)] == [
        [0, 1, 0, 0, 0],
        [0, 0, 0, 0, 1],
    ]


async def test_an_edit_that_changes_nothing_publishes_nothing(reviews) -> None:
    product = await reviews.product()
    author = reviews.user()
    review = await reviews.review(author, product, rating=2, text="Same")
    response = await reviews.http.patch(
        f"/api/reviews/{review['id']}", json={"rating": 2}, headers=author.headers
    )
    assert response.status_code == 200
    assert await reviews.outbox(UPDATED) == []


@pytest.mark.parametrize("body", [{}, {"rating": 0}, {"text": ""}, {"rating": None, "text": None}])
async def test_an_edit_needs_something_valid(reviews, body: dict) -> None:
    product = await reviews.product()
    author = reviews.user()
    review = await reviews.review(author, product)
    response = await reviews.http.patch(
        f"/api/reviews/{review['id']}", json=body, headers=author.headers
    )
    assert response.status_code == 422
    assert await reviews.outbox(UPDATED) == []


@pytest.mark.parametrize("who", ["user", "admin"])
async def test_nobody_but_the_author_edits_a_review(reviews, who: str) -> None:
    product = await reviews.product()
    review = await reviews.review(reviews.user(), product, rating=4, text="Mine")
    other = reviews.admin() if who == "admin" else reviews.user()

    response = await reviews.http.patch(
        f"/api/reviews/{review['id']}", json={"rating": 1, "text": "Yours"}, headers=other.headers
    )
    assert response.status_code == 403
    assert response.json()["type"].endswith("/not-the-author")
    [item] = (await reviews.listing(product))["items"]
    assert (item["rating"], item["text"]) == (4, "Mine")
    assert await reviews.outbox(UPDATED) == []


async def test_a_user_cannot_delete_another_users_review(reviews) -> None:
    product = await reviews.product()
    review = await reviews.review(reviews.user(), product)
    response = await reviews.http.delete(
        f"/api/reviews/{review['id']}", headers=reviews.user().headers
    )
    assert response.status_code == 403
    assert len((await reviews.listing(product))["items"]) == 1
    assert await reviews.outbox(DELETED) == []


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_an_unknown_review_is_a_404(reviews, method: str) -> None:
    response = await reviews.http.request(
        method,
        f"/api/reviews/{uuid.uuid4()}",
        json={"rating": 3} if method == "PATCH" else None,
        headers=reviews.user().headers,
    )
    assert response.status_code == 404
    assert response.json()["type"].endswith("/review-not-found")


async def test_an_id_that_is_no_uuid_is_a_422(reviews) -> None:
    response = await reviews.http.get("/api/reviews/nonsense")
    assert response.status_code == 422


async def test_the_author_deletes_and_may_write_again(reviews) -> None:
    product = await reviews.product()
    author = reviews.user()
    review = await reviews.review(author, product, rating=1)
    await reviews.comment(reviews.user(), review["id"])

    response = await reviews.http.delete(f"/api/reviews/{review['id']}", headers=author.headers)
    assert response.status_code == 204
    assert (await reviews.http.get(f"/api/reviews/{review['id']}")).status_code == 404
    assert await rating_of(reviews, product) == figures(0.0, 0, 0, 0, 0, 0)
    assert await reviews.scalar("SELECT count(*) FROM comments") == 0
    [deleted] = await reviews.outbox(DELETED)
    assert deleted["data"]["actor_id"] == str(author.user_id)
    assert deleted["data"]["reason"] is None
    [comment_gone] = await reviews.outbox(COMMENT_DELETED)
    assert (comment_gone["data"]["review_id"], comment_gone["data"]["actor_id"]) == (
        review["id"],
        str(author.user_id),
    )

    await reviews.review(author, product, rating=3)
    assert await rating_of(reviews, product) == figures(3.0, 0, 0, 1, 0, 0)


async def test_an_admin_deletes_with_a_reason_that_is_kept(reviews) -> None:
    product = await reviews.product()
    author, admin = reviews.user(), reviews.admin()
    review = await reviews.review(author, product, rating=1)
    url = f"/api/reviews/{review['id']}"

    refused = await reviews.http.delete(url, headers=admin.headers)
    assert refused.status_code == 422  # no reason
    assert len((await reviews.listing(product))["items"]) == 1

    response = await reviews.http.delete(url, params={"reason": "Spam"}, headers=admin.headers)
    assert response.status_code == 204
    assert (await reviews.listing(product))["items"] == []
    assert await rating_of(reviews, product) == figures(0.0, 0, 0, 0, 0, 0)
    assert (await reviews.http.get(url, headers=author.headers)).status_code == 404
    mine = (await reviews.http.get("/api/reviews/mine", headers=author.headers)).json()
    assert [(i["status"], i["moderation_reason"]) for i in mine["items"]] == [("deleted", "Spam")]
    [deleted] = await reviews.outbox(DELETED)
    assert (deleted["data"]["actor_id"], deleted["data"]["author_id"]) == (
        str(admin.user_id),
        str(author.user_id),
    )
    assert (deleted["data"]["actor_role"], deleted["data"]["reason"]) == ("admin", "Spam")
    second = await reviews.http.post(
        "/api/reviews",
        json={"product_id": product, "rating": 5, "text": "Again"},
        headers=author.headers,
    )
    assert second.status_code == 409


async def test_an_admin_hides_a_review_from_all_but_its_author(reviews) -> None:
    product = await reviews.product()
    author, admin, stranger = reviews.user(), reviews.admin(), reviews.user()
    review = await reviews.review(author, product, rating=2)
    await reviews.review(reviews.user(), product, rating=4)
    url = f"/api/reviews/{review['id']}"

    response = await reviews.http.post(
        f"{url}/hide", json={"reason": "Rude"}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["moderation_reason"]) == ("hidden", "Rude")
    assert [i["rating"] for i in (await reviews.listing(product))["items"]] == [4]
    assert await rating_of(reviews, product) == figures(4.0, 0, 0, 0, 1, 0)
    assert (await reviews.http.get(url, headers=stranger.headers)).status_code == 404
    assert (await reviews.http.get(url)).status_code == 404
    assert (await reviews.http.get(url, headers=author.headers)).json()["status"] == "hidden"
    edit = await reviews.http.patch(url, json={"rating": 5}, headers=author.headers)
    assert edit.status_code == 409
    [hidden] = await reviews.outbox(HIDDEN)
    assert hidden["data"]["reason"] == "Rude"
    assert hidden["data"]["actor_id"] == str(admin.user_id)


async def test_hiding_needs_an_admin_and_a_reason(reviews) -> None:
    product = await reviews.product()
    review = await reviews.review(reviews.user(), product)
    url = f"/api/reviews/{review['id']}/hide"
    user = await reviews.http.post(url, json={"reason": "Rude"}, headers=reviews.user().headers)
    assert user.status_code == 403
    blank = await reviews.http.post(url, json={"reason": "  "}, headers=reviews.admin().headers)
    assert blank.status_code == 422
    assert len((await reviews.listing(product))["items"]) == 1
    assert await reviews.outbox(HIDDEN) == []


async def test_an_admin_unhides_a_review_and_it_counts_again(reviews) -> None:
    product = await reviews.product()
    author, admin = reviews.user(), reviews.admin()
    review = await reviews.review(author, product, rating=2)
    url = f"/api/reviews/{review['id']}"
    await reviews.http.post(f"{url}/hide", json={"reason": "Rude"}, headers=admin.headers)

    refused = await reviews.http.post(f"{url}/unhide", headers=author.headers)
    assert refused.status_code == 403
    assert await reviews.outbox(UNHIDDEN) == []
    for _ in range(2):  # the second changes nothing
        response = await reviews.http.post(f"{url}/unhide", headers=admin.headers)
        assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["moderation_reason"]) == ("published", None)
    assert [i["id"] for i in (await reviews.listing(product))["items"]] == [review["id"]]
    assert await rating_of(reviews, product) == figures(2.0, 0, 1, 0, 0, 0)
    [unhidden] = await reviews.outbox(UNHIDDEN)
    assert (unhidden["data"]["actor_id"], unhidden["data"]["author_id"]) == (
        str(admin.user_id),
        str(author.user_id),
    )
    [hidden] = await reviews.outbox(HIDDEN)
    assert hidden["data"]["reason"] == "Rude"  # the history keeps why it was hidden


async def test_a_review_an_admin_deleted_is_not_unhidden(reviews) -> None:
    product = await reviews.product()
    admin = reviews.admin()
    review = await reviews.review(reviews.user(), product)
    url = f"/api/reviews/{review['id']}"
    await reviews.http.delete(url, params={"reason": "Spam"}, headers=admin.headers)

    response = await reviews.http.post(f"{url}/unhide", headers=admin.headers)
    assert response.status_code == 409
    assert response.json()["type"].endswith("/not-hidden")
    assert (await reviews.listing(product))["items"] == []
    assert await reviews.outbox(UNHIDDEN) == []
    unknown = await reviews.http.post(f"/api/reviews/{uuid.uuid4()}/unhide", headers=admin.headers)
    assert unknown.status_code == 404
