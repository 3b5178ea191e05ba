"""Reviews in the browser: writing one and commenting on it, liking others' reviews and
comments; what a user wrote is shown as text, never run as markup."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from tests.browser.helpers import in_stock_product

from marketplace_launcher.testing import sign_up

pytestmark = pytest.mark.browser


def any_product(api, offset: int) -> dict:
    """One of the newest products: one review per user and product, each test has users of
    its own, and the offsets keep the tests' rating figures apart."""
    items = api.get("/api/catalog/products", params={"limit": 60, "sort": "newest"}).json()
    return items["items"][offset]


def test_a_shopper_writes_a_review_and_comments_on_it(shopper_page, api):
    page = shopper_page
    product = any_product(api, 10)
    text = f"Works well, arrived on time. {uuid.uuid4().hex[:6]}"
    page.goto(f"/products/{product['id']}")

    page.get_by_role("radio", name="4 ★").check()
    page.get_by_label("Your review").fill(text)
    page.get_by_role("button", name="Publish review").click()

    review = page.locator(".review").filter(has_text=text)
    expect(review).to_be_visible()
    expect(review.get_by_label("4 of 5")).to_be_visible()
    expect(review.get_by_text("Your review")).to_be_visible()
    expect(page.locator(".distribution li").nth(1)).to_have_attribute(
        "aria-label", re.compile(r"^4 stars: [1-9]")
    )

    review.get_by_role("button", name="Comments (0)").click()
    review.get_by_label("Your comment").fill("Update: still fine after a month.")
    review.get_by_role("button", name="Comment", exact=True).click()
    expect(review.locator(".comment")).to_contain_text("Update: still fine after a month.")
    expect(review.get_by_role("button", name="Comments (1)")).to_be_visible()

    page.reload()
    expect(page.locator(".review").filter(has_text=text).get_by_role(
        "button", name="Comments (1)")).to_be_visible()


def test_another_shopper_likes_a_review_and_its_comment(new_context, api):
    author = sign_up(api)
    product = any_product(api, 11)
    review = api.post(
        "/api/reviews",
        json={"product_id": product["id"], "rating": 5, "text": "Excellent value."},
        headers=author.headers,
    ).json()
    api.post(f"/api/reviews/{review['id']}/comments", json={"text": "Agreed!"},
             headers=author.headers)
    reader = new_context(sign_up(api)).new_page()
    reader.goto(f"/products/{product['id']}")
    item = reader.locator(f"#review-{review['id']}")

    item.locator(".review-actions").first.get_by_role("button", name="Helpful (0)").click()
    item.get_by_role("button", name="Comments (1)").click()
    comment = item.locator(".comment").filter(has_text="Agreed!")
    comment.get_by_role("button", name="Helpful (0)").click()

    expect(comment.get_by_role("button", name="Helpful (1)")).to_have_attribute(
        "aria-pressed", "true")
    reader.reload()
    liked = reader.locator(f"#review-{review['id']} .review-actions").first
    expect(liked.get_by_role("button", name="Helpful (1)")).to_have_attribute(
        "aria-pressed", "true")


def test_a_review_holding_a_script_is_shown_as_text(page, api):
    author = sign_up(api)
    product = any_product(api, 12)
    text = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    created = api.post(
        "/api/reviews", json={"product_id": product["id"], "rating": 2, "text": text},
        headers=author.headers,
    )
    assert created.status_code == 201, created.text

    page.goto(f"/products/{product['id']}")

    body = page.locator(f"#review-{created.json()['id']} .review-text")
    expect(body).to_have_text(text)
    assert body.locator("script, img").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_a_visitor_is_asked_to_log_in_to_write_a_review(page, api):
    product = in_stock_product(api)

    page.goto(f"/products/{product['id']}")

    expect(page.get_by_text("Log in to write a review, comment or like.")).to_be_visible()
    expect(page.get_by_role("button", name="Publish review")).to_have_count(0)
