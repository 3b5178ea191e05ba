"""Ordering in the browser: a declined card is shown as declined with its reason, then a
good card pays the same order: one order, paid."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.browser.helpers import DECLINED_CARD, GOOD_CARD, in_stock_product

pytestmark = pytest.mark.browser


def test_a_declined_payment_is_shown_then_a_retry_pays_the_same_order(shopper_page, api, shopper):
    page = shopper_page
    product = in_stock_product(api)
    page.goto(f"/products/{product['id']}")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name=re.compile("Cart")).click()
    page.get_by_role("link", name="Checkout").click()

    page.get_by_label("Delivery address").fill("Moscow, Tverskaya 1, flat 5")
    page.get_by_role("button", name=f"Use {DECLINED_CARD}").click()
    expect(page.get_by_label("Card number")).to_have_value(DECLINED_CARD)
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Cardholder").fill("ANNA PETROVA")
    page.get_by_role("button", name=re.compile("^Pay")).click()

    expect(page.locator("#payment-failed")).to_contain_text("Payment failed: the card was declined")

    page.get_by_label("Card number").fill(GOOD_CARD)
    page.get_by_role("button", name=re.compile("^Pay")).click()

    expect(page.locator(".notice.ok")).to_contain_text("Payment succeeded")
    expect(page.locator("#cart-link .badge")).to_be_hidden()
    orders = api.get("/api/orders", headers=shopper.headers).json()["items"]
    assert len(orders) == 1  # the retry paid the same order
    assert orders[0]["address"] == "Moscow, Tverskaya 1, flat 5"

    # Orders learns of the payment from its event, a moment after payments answered: the
    # order page shows it settle (live), rather than the API being read at one instant.

    page.get_by_role("link", name="View the order").click()
    expect(page.locator("#order-status")).to_contain_text("Paid")
    expect(page.locator("#timeline")).to_contain_text("the card was declined")


def test_checkout_asks_a_visitor_to_log_in_and_keeps_the_cart(page, api):
    product = in_stock_product(api)
    page.goto(f"/products/{product['id']}")
    page.get_by_role("button", name="Add to cart").click()

    page.goto("/checkout")

    expect(page.get_by_text("Log in to see this page.")).to_be_visible()
    expect(page.locator("#cart-link .badge")).to_have_text("1")
