"""The shopper's own pages: profile and avatar, activity while analytics is away, cancelling
an unpaid order, notification preferences; and the admin area's link, for admins only."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from PIL import Image
from playwright.sync_api import expect
from tests.browser.helpers import in_stock_product

pytestmark = pytest.mark.browser


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (91, 43, 217)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_profile_saves_personal_data_and_takes_and_removes_an_avatar(
    shopper_page, api, shopper
):
    page = shopper_page
    page.goto("/profile")

    page.get_by_label("Phone").fill("+7 900 123-45-67")
    page.get_by_label("Address", exact=True).fill("Kazan, Baumana 5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    me = api.get("/api/auth/me", headers=shopper.headers).json()
    assert me["address"] == "Kazan, Baumana 5"
    assert me["phone"].replace(" ", "").replace("-", "") == "+79001234567"

    page.get_by_label("Picture (JPEG, PNG or WebP)").set_input_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": png()}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("img", name="Avatar", exact=True)).to_be_visible()
    assert api.get("/api/auth/me", headers=shopper.headers).json()["avatar_url"]

    page.get_by_role("button", name="Remove avatar").click()
    expect(page.get_by_role("img", name="No avatar yet.", exact=True)).to_be_visible()
    assert api.get("/api/auth/me", headers=shopper.headers).json()["avatar_url"] is None


def test_my_activity_is_an_empty_state_while_analytics_does_not_answer(shopper_page):
    page = shopper_page
    page.route("**/api/analytics/me/activity", lambda route: route.fulfill(
        status=503, content_type="application/problem+json",
        body='{"type": "about:blank", "title": "Service Unavailable", "status": 503}'))

    page.goto("/profile")

    expect(page.locator("#activity-empty")).to_have_text("Activity figures are not available yet.")


def test_an_unpaid_order_is_cancelled_from_its_page(shopper_page, api, shopper):
    product = in_stock_product(api)
    order = api.post(
        "/api/orders", json={"items": [{"product_id": product["id"], "quantity": 1}]},
        headers={**shopper.headers, "Idempotency-Key": uuid.uuid4().hex},
    ).json()
    page = shopper_page
    page.goto(f"/orders/{order['id']}")
    expect(page.get_by_role("link", name="Pay for the order")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel the order").click()

    expect(page.locator("#order-status")).to_contain_text("Cancelled")
    expect(page.locator("#cancel-order")).to_have_count(0)
    cancelled = api.get(f"/api/orders/{order['id']}", headers=shopper.headers).json()
    assert cancelled["status"] == "cancelled"


def test_notification_preferences_are_saved(shopper_page, api, shopper):
    page = shopper_page
    page.goto("/notifications/preferences")

    page.get_by_label("Likes of my reviews: By email").check()
    page.get_by_label("Order status: In the shop").uncheck()
    page.get_by_role("button", name="Save preferences").click()

    expect(page.get_by_text("Preferences saved.")).to_be_visible()
    saved = api.get("/api/notifications/preferences", headers=shopper.headers).json()
    assert saved["types"]["review.liked"]["email"] is True
    assert saved["types"]["order.status"]["in_app"] is False


def test_the_admin_link_shows_to_admins_only(new_context, shopper, admin):
    shopper_view = new_context(shopper).new_page()
    shopper_view.goto("/")
    expect(shopper_view.get_by_role("link", name="My orders")).to_be_visible()
    expect(shopper_view.get_by_role("link", name="Admin")).to_have_count(0)

    admin_view = new_context(admin).new_page()
    admin_view.goto("/")
    admin_view.get_by_role("link", name="Admin").click()

    expect(admin_view).to_have_url(re.compile(r"/admin$"))
    # The admin area (its own tests are test_admin*.py): its sections' navigation is there.
    expect(admin_view.get_by_role("navigation", name="Admin sections")).to_be_visible()
