"""What changes while the page is open: an order's status when an admin delivers it (in a
second browser), and a notification arriving, with the bell's unread badge."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.browser.helpers import paid_order

from marketplace_launcher.testing import sign_up

pytestmark = pytest.mark.browser


def test_the_order_page_follows_the_status_when_an_admin_delivers_it(
    shopper_page, new_context, api, shopper, admin
):
    order = paid_order(api, shopper)
    page = shopper_page
    page.goto(f"/orders/{order['id']}")
    expect(page.locator("#order-status")).to_contain_text("Paid")
    expect(page.locator("html[data-live=open]")).to_have_count(1)

    # The admin, in a browser of their own, delivers it through the public API.
    admin_page = new_context(admin).new_page()
    admin_page.goto("/")
    status = admin_page.evaluate(
        """async (id) => {
            const session = JSON.parse(localStorage.getItem("mp.session"));
            const response = await fetch(`/api/orders/${id}/deliver`, {
                method: "POST", headers: {Authorization: `Bearer ${session.access_token}`}});
            return response.status;
        }""",
        order["id"],
    )
    assert status == 200

    expect(page.locator("#order-status")).to_contain_text("Delivered")
    expect(page.locator("#timeline li").last).to_contain_text("Delivered")
    expect(page.locator("#cancel-order")).to_have_count(0)


def test_a_notification_arrives_live_and_the_bell_counts_it(shopper_page, api, shopper):
    page = shopper_page
    page.goto("/notifications")
    expect(page.locator("html[data-live=open]")).to_have_count(1)
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator("#unread-badge")).to_be_hidden()

    # Another shopper comments on this shopper's review: its author is notified.
    newest = api.get("/api/catalog/products", params={"limit": 60, "sort": "newest"}).json()
    product = newest["items"][20]
    review = api.post(
        "/api/reviews", json={"product_id": product["id"], "rating": 3, "text": "So-so."},
        headers=shopper.headers,
    ).json()
    other = sign_up(api)
    commented = api.post(
        f"/api/reviews/{review['id']}/comments", json={"text": "Why only three?"},
        headers=other.headers,
    )
    assert commented.status_code == 201, commented.text

    expect(page.locator("#unread-badge")).to_have_text("1")
    first = page.locator("#notification-list .notification").first
    expect(first).to_have_class("notification unread")
    expect(first).to_contain_text("Why only three?")

    first.get_by_role("button", name="Mark as read").click()
    expect(page.locator("#unread-badge")).to_be_hidden()
