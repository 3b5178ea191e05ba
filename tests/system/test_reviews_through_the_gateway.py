"""Reviews through the gateway, on each database: users review a product of the demo
catalog, and once the events have flowed the catalog shows the same rating figures as the
reviews service; texts come back exactly as written."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from marketplace_launcher.testing import Account, sign_up

pytestmark = pytest.mark.system


def eventually(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.2)


def test_the_catalog_shows_the_rating_the_reviews_service_computed(client: httpx.Client) -> None:
    product = client.get("/api/catalog/products", params={"limit": 1, "sort": "newest"})
    assert product.status_code == 200, product.text
    product_id = product.json()["items"][0]["id"]
    users: list[Account] = [sign_up(client) for _ in range(3)]
    text = '<script>alert("hi")</script> Отличная вещь & точка'

    for user, rating in zip(users, [5, 4, 2], strict=True):
        response = client.post(
            "/api/reviews",
            json={"product_id": product_id, "rating": rating, "text": text},
            headers=user.headers,
        )
        assert response.status_code == 201, response.text
        assert response.json()["text"] == text

    figures = client.get(f"/api/reviews/products/{product_id}/rating").json()
    assert (figures["count"], figures["average"]) == (3, round(11 / 3, 4))

    def catalog_rating() -> dict[str, Any] | None:
        rating = client.get(f"/api/catalog/products/{product_id}").json()["rating"]
        return rating if rating == {"average": figures["average"], "count": 3} else None

    eventually(catalog_rating, "the catalog's rating equals the reviews service's")

    listing = client.get(
        "/api/reviews", params={"product_id": product_id}, headers=users[0].headers
    )
    assert listing.status_code == 200, listing.text
    assert [item["text"] for item in listing.json()["items"]] == [text] * 3
    assert '<script>alert(\\"hi\\")</script>' in listing.text

    def named() -> bool:
        items = client.get("/api/reviews", params={"product_id": product_id}).json()["items"]
        return all(item["author"]["name"] == "Test User" for item in items)

    eventually(named, "authors' names learnt from auth's events")

    mine = listing.json()["items"][-1]  # the first user's, the oldest
    liked = client.put(f"/api/reviews/{mine['id']}/like", headers=users[1].headers)
    assert liked.json() == {"likes": 1, "liked_by_me": True}
    own = client.put(f"/api/reviews/{mine['id']}/like", headers=users[0].headers)
    assert own.status_code == 403


def test_writing_a_review_needs_a_token_at_the_gateway(client: httpx.Client) -> None:
    response = client.post("/api/reviews", json={"product_id": "x", "rating": 5, "text": "t"})
    assert response.status_code == 401
