"""Likes on reviews and comments: idempotent, one per user, never one's own, counted exactly
under concurrency, with ``liked_by_me`` in every listing."""

import asyncio
import uuid

import pytest

pytestmark = pytest.mark.integration

LIKED = "reviews.review.liked.v1"
UNLIKED = "reviews.review.unliked.v1"


async def written(reviews) -> tuple[str, object, str]:
    product = await reviews.product()
    author = reviews.user()
    review = await reviews.review(author, product)
    return product, author, review["id"]


async def test_a_like_counts_once_and_shows_in_the_listing(reviews) -> None:
    product, author, review = await written(reviews)
    fan = reviews.user()

    for _ in range(2):
        response = await reviews.http.put(f"/api/reviews/{review}/like", headers=fan.headers)
        assert response.status_code == 200
        assert response.json() == {"likes": 1, "liked_by_me": True}

    [mine] = (await reviews.listing(product, fan))["items"]
    [theirs] = (await reviews.listing(product, reviews.user()))["items"]
    [anonymous] = (await reviews.listing(product))["items"]
    assert (mine["likes"], mine["liked_by_me"]) == (1, True)
    assert (theirs["likes"], theirs["liked_by_me"]) == (1, False)
    assert anonymous["liked_by_me"] is False
    [liked] = await reviews.outbox(LIKED)
    assert liked["data"]["actor_id"] == str(fan.user_id)
    assert liked["data"]["author_id"] == str(author.user_id)
    assert liked["data"]["likes"] == 1


async def test_an_unlike_is_idempotent_too(reviews) -> None:
    product, _, review = await written(reviews)
    fan = reviews.user()
    await reviews.http.put(f"/api/reviews/{review}/like", headers=fan.headers)

    for _ in range(2):
        response = await reviews.http.delete(f"/api/reviews/{review}/like", headers=fan.headers)
        assert response.json() == {"likes": 0, "liked_by_me": False}
    assert len(await reviews.outbox(UNLIKED)) == 1
    [item] = (await reviews.listing(product, fan))["items"]
    assert (item["likes"], item["liked_by_me"]) == (0, False)


async def test_nobody_likes_their_own_review(reviews) -> None:
    product, author, review = await written(reviews)
    response = await reviews.http.put(f"/api/reviews/{review}/like", headers=author.headers)
    assert response.status_code == 403
    assert response.json()["type"].endswith("/own-content")
    assert (await reviews.listing(product))["items"][0]["likes"] == 0
    assert await reviews.outbox(LIKED) == []


async def test_liking_an_unknown_or_hidden_review_is_a_404(reviews) -> None:
    _, _, review = await written(reviews)
    await reviews.http.post(
        f"/api/reviews/{review}/hide", json={"reason": "Spam"}, headers=reviews.admin().headers
    )
    for target in (review, str(uuid.uuid4())):
        response = await reviews.http.put(
            f"/api/reviews/{target}/like", headers=reviews.user().headers
        )
        assert response.status_code == 404
    assert await reviews.outbox(LIKED) == []


async def test_a_hundred_users_liking_at_once_count_a_hundred(reviews) -> None:
    product, _, review = await written(reviews)
    fans = [reviews.user() for _ in range(100)]

    answers = await asyncio.gather(
        *(reviews.http.put(f"/api/reviews/{review}/like", headers=fan.headers) for fan in fans)
    )
    assert {answer.status_code for answer in answers} == {200}
    assert (await reviews.listing(product))["items"][0]["likes"] == 100
    assert await reviews.scalar("SELECT count(*) FROM review_likes") == 100
    assert sorted(e["data"]["likes"] for e in await reviews.outbox(LIKED)) == list(range(1, 101))


async def test_one_user_liking_twenty_times_at_once_counts_once(reviews) -> None:
    product, _, review = await written(reviews)
    fan = reviews.user()

    answers = await asyncio.gather(
        *(reviews.http.put(f"/api/reviews/{review}/like", headers=fan.headers) for _ in range(20))
    )
    assert {answer.status_code for answer in answers} == {200}
    assert (await reviews.listing(product))["items"][0]["likes"] == 1
    assert len(await reviews.outbox(LIKED)) == 1


async def test_refused_likes_among_concurrent_ones_change_nothing(reviews) -> None:
    # Concurrent likes share transactions (group commit): the author's own like, twins of a
    # like and a like of nothing are each answered alone, and every other like counts once.
    product, author, review = await written(reviews)
    fans = [reviews.user() for _ in range(30)]
    unknown = uuid.uuid4()

    answers = await asyncio.gather(
        *(reviews.http.put(f"/api/reviews/{review}/like", headers=fan.headers) for fan in fans),
        reviews.http.put(f"/api/reviews/{review}/like", headers=author.headers),
        *(reviews.http.put(f"/api/reviews/{review}/like", headers=fans[1].headers) for _ in "abc"),
    )
    assert [answer.status_code for answer in answers] == [200] * 30 + [403] + [200] * 3
    # A like of nothing among others: the batch's one statement fails, each is taken alone.
    more = [reviews.user() for _ in range(5)]
    answers = await asyncio.gather(
        *(reviews.http.put(f"/api/reviews/{review}/like", headers=fan.headers) for fan in more),
        reviews.http.put(f"/api/reviews/{unknown}/like", headers=author.headers),
    )
    assert [answer.status_code for answer in answers] == [200] * 5 + [404]
    assert (await reviews.listing(product))["items"][0]["likes"] == 35
    assert await reviews.scalar("SELECT count(*) FROM review_likes") == 35
    assert sorted(e["data"]["likes"] for e in await reviews.outbox(LIKED)) == list(range(1, 36))


async def test_an_unlike_of_a_hidden_review_is_a_404_and_keeps_the_like(reviews) -> None:
    _, _, review = await written(reviews)
    fan = reviews.user()
    await reviews.http.put(f"/api/reviews/{review}/like", headers=fan.headers)
    given_at = await reviews.scalar("SELECT created_at FROM review_likes")
    await reviews.http.post(
        f"/api/reviews/{review}/hide", json={"reason": "Spam"}, headers=reviews.admin().headers
    )

    response = await reviews.http.delete(f"/api/reviews/{review}/like", headers=fan.headers)

    assert response.status_code == 404
    assert await reviews.scalar("SELECT created_at FROM review_likes") == given_at
    assert await reviews.scalar("SELECT likes FROM reviews") == 1
    assert await reviews.outbox(UNLIKED) == []


async def test_comments_are_liked_the_same_way(reviews) -> None:
    _, _, review = await written(reviews)
    commenter, fan = reviews.user(), reviews.user()
    comment = await reviews.comment(commenter, review)
    url = f"/api/reviews/comments/{comment['id']}/like"

    own = await reviews.http.put(url, headers=commenter.headers)
    assert own.status_code == 403
    answers = await asyncio.gather(*(reviews.http.put(url, headers=fan.headers) for _ in range(5)))
    assert {a.json()["likes"] for a in answers} <= {0, 1}
    listing = await reviews.http.get(f"/api/reviews/{review}/comments", headers=fan.headers)
    [item] = listing.json()["items"]
    assert (item["likes"], item["liked_by_me"]) == (1, True)
    [liked] = await reviews.outbox("reviews.comment.liked.v1")
    assert liked["data"]["author_id"] == str(commenter.user_id)
    assert liked["data"]["actor_id"] == str(fan.user_id)

    gone = await reviews.http.delete(url, headers=fan.headers)
    assert gone.json() == {"likes": 0, "liked_by_me": False}
