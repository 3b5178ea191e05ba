"""Writing, editing, deleting and hiding reviews through the HTTP API, with the product's
rating figures following, on each engine."""


import pytest

pytestmark = pytest.mark.integration


async def test_a_review_is_listed_with_its_author_and_moves_the_figures(reviews) -> None:
    product = await reviews.product()
    ivan = await reviews.named(reviews.user(), "Иван")
    review = await reviews.review(ivan, product, rating=4, text="Хороший телефон")

    assert review["rating"] == 4
    assert review["author"] == {"id": str(ivan.user_id), "name": "Иван"}
    assert (review["likes"], review["comments"], review["liked_by_me"]) == (0, 0, False)
    assert review["verified_purchase"] is False
    page = await reviews.listing(product)
    assert [item["id"] for item in page["items"]] == [review["id"]]
    assert await reviews.rating(product) == {
        "product_id": product,
        "average": 4.0,
        "count": 1,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
    }
    [created] = await reviews.outbox("reviews.review.created.v1")
    assert created["data"]["actor_id"] == created["data"]["author_id"] == str(ivan.user_id)
    [figures] = await reviews.outbox("reviews.product_rating.changed.v1")
    assert figures["data"]["average_rating"] == 4.0
    assert figures["data"]["distribution"] == [0, 0, 0, 1, 0]
