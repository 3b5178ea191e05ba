"""Comments under reviews: written by anyone signed in, edited and deleted by their author,
hidden and published again by an admin; the review's comment count follows."""

import uuid

import pytest

pytestmark = pytest.mark.integration


async def reviewed(reviews) -> tuple[str, str]:
    product = await reviews.product()
    review = await reviews.review(reviews.user(), product)
    return product, review["id"]


async def comments_of(reviews, review: str, caller=None) -> list[dict]:
    response = await reviews.http.get(
        f"/api/reviews/{review}/comments", headers=caller.headers if caller else {}
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_comments_read_oldest_first_and_are_counted(reviews) -> None:
    product, review = await reviewed(reviews)
    anna = await reviews.named(reviews.user(), "Анна")
    first = await reviews.comment(anna, review, "First <b>")
    second = await reviews.comment(reviews.user(), review, "Second")

    assert first["author"] == {"id": str(anna.user_id), "name": "Анна"}
    assert [c["text"] for c in await comments_of(reviews, review)] == ["First <b>", "Second"]
    assert [c["id"] for c in await comments_of(reviews, review)] == [first["id"], second["id"]]
    assert (await reviews.listing(product))["items"][0]["comments"] == 2
    [created, _] = await reviews.outbox("reviews.comment.created.v1")
    assert created["data"]["actor_id"] == str(anna.user_id)
    assert created["data"]["review_author_id"] != created["data"]["author_id"]


async def test_comment_pages_follow_the_cursor(reviews) -> None:
    _, review = await reviewed(reviews)
    written = [(await reviews.comment(reviews.user(), review, f"c{n}"))["id"] for n in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await reviews.http.get(f"/api/reviews/{review}/comments", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == written


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
async def test_a_bad_comment_is_a_422(reviews, text: str) -> None:
    product, review = await reviewed(reviews)
    response = await reviews.http.post(
        f"/api/reviews/{review}/comments", json={"text": text}, headers=reviews.user().headers
    )
    assert response.status_code == 422
    assert await comments_of(reviews, review) == []
    assert (await reviews.listing(product))["items"][0]["comments"] == 0


async def test_a_comment_on_an_unknown_or_hidden_review_is_a_404(reviews) -> None:
    _, review = await reviewed(reviews)
    await reviews.http.post(
        f"/api/reviews/{review}/hide", json={"reason": "Spam"}, headers=reviews.admin().headers
    )
    for target in (review, str(uuid.uuid4())):
        response = await reviews.http.post(
            f"/api/reviews/{target}/comments", json={"text": "Hi"}, headers=reviews.user().headers
        )
        assert response.status_code == 404
    assert await reviews.scalar("SELECT count(*) FROM comments") == 0


async def test_the_author_edits_and_deletes_a_comment_and_nobody_else(reviews) -> None:
    product, review = await reviewed(reviews)
    author, other, admin = reviews.user(), reviews.user(), reviews.admin()
    comment = await reviews.comment(author, review, "Mine")
    url = f"/api/reviews/comments/{comment['id']}"

    for caller in (other, admin):
        assert (
            await reviews.http.patch(url, json={"text": "X"}, headers=caller.headers)
        ).status_code == 403
        assert (await reviews.http.delete(url, headers=caller.headers)).status_code == 403
    assert [c["text"] for c in await comments_of(reviews, review)] == ["Mine"]

    edited = await reviews.http.patch(url, json={"text": "Mine, edited"}, headers=author.headers)
    assert edited.json()["text"] == "Mine, edited"
    assert (await reviews.http.delete(url, headers=author.headers)).status_code == 204
    assert await comments_of(reviews, review) == []
    assert (await reviews.listing(product))["items"][0]["comments"] == 0
    assert (await reviews.http.delete(url, headers=author.headers)).status_code == 404
    kinds = [e["type"] for e in await reviews.outbox() if e["type"].startswith("reviews.comment")]
    assert kinds == [
        "reviews.comment.created.v1",
        "reviews.comment.updated.v1",
        "reviews.comment.deleted.v1",
    ]


async def test_an_admin_hides_a_comment(reviews) -> None:
    product, review = await reviewed(reviews)
    author = reviews.user()
    comment = await reviews.comment(author, review, "Rude words")
    url = f"/api/reviews/comments/{comment['id']}"

    refused = await reviews.http.post(
        f"{url}/hide", json={"reason": "Rude"}, headers=author.headers
    )
    assert refused.status_code == 403
    response = await reviews.http.post(
        f"{url}/hide", json={"reason": "Rude"}, headers=reviews.admin().headers
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["moderation_reason"]) == ("hidden", "Rude")
    assert await comments_of(reviews, review) == []
    assert (await reviews.listing(product))["items"][0]["comments"] == 0
    assert (await reviews.http.get(url)).status_code == 404
    assert (await reviews.http.get(url, headers=author.headers)).json()["status"] == "hidden"
    [hidden] = await reviews.outbox("reviews.comment.hidden.v1")
    assert hidden["data"]["reason"] == "Rude"


async def test_an_admin_unhides_a_comment(reviews) -> None:
    product, review = await reviewed(reviews)
    author, admin = reviews.user(), reviews.admin()
    comment = await reviews.comment(author, review, "Fine words after all")
    url = f"/api/reviews/comments/{comment['id']}"
    await reviews.http.post(f"{url}/hide", json={"reason": "Rude"}, headers=admin.headers)

    refused = await reviews.http.post(f"{url}/unhide", headers=author.headers)
    assert refused.status_code == 403
    response = await reviews.http.post(f"{url}/unhide", headers=admin.headers)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["moderation_reason"]) == ("published", None)
    assert [c["id"] for c in await comments_of(reviews, review)] == [comment["id"]]
    assert (await reviews.listing(product))["items"][0]["comments"] == 1
    [unhidden] = await reviews.outbox("reviews.comment.unhidden.v1")
    assert unhidden["data"]["actor_id"] == str(admin.user_id)
