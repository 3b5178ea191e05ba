"""Russian and English: a switch that is remembered, with the order statuses named as the
requirements name them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.browser.helpers import paid_order

pytestmark = pytest.mark.browser


def test_the_russian_switch_translates_the_shop_and_is_remembered(shopper_page, api, shopper):
    order = paid_order(api, shopper)
    page = shopper_page
    page.goto(f"/orders/{order['id']}")
    expect(page.locator("#order-status")).to_contain_text("Paid")

    page.get_by_role("button", name="RU").click()

    expect(page.get_by_role("link", name="Каталог")).to_be_visible()
    expect(page.locator("#order-status")).to_contain_text("Оплачен")
    expect(page.locator("#timeline")).to_contain_text("Создан")
    expect(page.locator("#timeline")).to_contain_text("В обработке")  # noqa: RUF001
    assert page.evaluate("document.documentElement.lang") == "ru"

    if folder := os.environ.get("MARKETPLACE_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / "order-desktop-ru.png"), full_page=True)

    page.reload()
    expect(page.get_by_role("link", name="Мои заказы")).to_be_visible()
    expect(page.get_by_role("button", name="RU")).to_have_attribute("aria-pressed", "true")

    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("link", name="My orders")).to_be_visible()


def test_every_order_status_has_its_russian_name(page):
    page.goto("/")

    names = page.evaluate(
        """async () => {
            const app = document.querySelector('script[type=module]').src;
            const { default: ru } = await import(app.replace('app.js', 'locales/ru.js'));
            return ["created", "processing", "paid", "cancelled", "delivered"]
                .map((status) => ru[`status.${status}`].toLowerCase());
        }"""
    )

    assert names == ["создан", "в обработке", "оплачен", "отменён", "доставлен"]
