"""What a user feels without naming it: no serious accessibility problem (axe-core), pages
that fit a 375 px phone, the keyboard alone reaching what the mouse does, and a first page
light enough (≤ 250 KB compressed).

With ``MARKETPLACE_SCREENSHOTS`` set to a folder, the layout test also saves each page there
at both widths (how docs/ui/ is made: see docs/ui.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import in_stock_product, paid_order

pytestmark = pytest.mark.browser

FIRST_PAGE_BUDGET = 250 * 1024  # bytes on the wire, compressed


@pytest.fixture
def pages(api, shopper) -> dict[str, str]:
    """The main pages, by name: path."""
    product = in_stock_product(api)
    order = paid_order(api, shopper)
    return {
        "home": "/",
        "catalog": "/catalog?q=" + product["title"].split()[0],
        "product": f"/products/{product['id']}",
        "cart": "/cart",
        "checkout": "/checkout",
        "orders": "/orders",
        "order": f"/orders/{order['id']}",
        "profile": "/profile",
        "notifications": "/notifications",
        "preferences": "/notifications/preferences",
        "login": "/login",
    }


def settle(page) -> None:
    """Wait until the view has drawn: nothing busy, no spinner."""
    expect(page.locator("main[aria-busy], .loading, [aria-busy=true]")).to_have_count(0)


def images_loaded(page) -> None:
    """Wait until every image of the page has loaded (for a screenshot). Polled from here:
    the page's CSP forbids the string evaluation ``wait_for_function`` uses."""
    for _ in range(100):
        if page.evaluate("[...document.images].every((image) => image.complete)"):
            return
        page.wait_for_timeout(100)


def fill_cart(page, api) -> None:
    product = in_stock_product(api)
    page.goto(f"/products/{product['id']}")
    page.get_by_role("button", name="Add to cart").click()


def test_the_main_pages_have_no_serious_accessibility_violation(new_context, shopper, pages, api):
    page = new_context(shopper).new_page()
    fill_cart(page, api)
    axe = Axe()
    found = {}
    for name, path in pages.items():
        if name == "login":
            continue
        page.goto(path)
        settle(page)
        violations = axe.run(page).response["violations"]
        serious = [
            f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes'][:3]]}"
            for v in violations if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[name] = serious
    login = new_context().new_page()
    login.goto(pages["login"])
    settle(login)
    serious = [v["id"] for v in Axe().run(login).response["violations"]
               if v["impact"] in ("serious", "critical")]
    if serious:
        found["login"] = serious

    assert not found, found


def test_the_main_pages_fit_a_phone_and_a_desktop(new_context, shopper, pages, api):
    folder = os.environ.get("MARKETPLACE_SCREENSHOTS")
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_context(shopper, viewport=viewport).new_page()
        fill_cart(page, api)
        for name, path in pages.items():
            if name == "login":
                continue
            page.goto(path)
            settle(page)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} is {overflow}px wider than the {label} screen"
            if folder:
                images_loaded(page)
                page.screenshot(
                    path=str(Path(folder) / f"{name}-{label}.png"),
                    full_page=name not in ("home", "catalog"),  # long lists: the first screen
                )


def test_the_first_page_needs_at_most_250_kb(page):
    sizes = []
    page.on("requestfinished", lambda request: sizes.append(request.sizes()))

    page.goto("/", wait_until="networkidle")
    settle(page)

    transferred = sum(size["responseBodySize"] + size["responseHeadersSize"] for size in sizes)
    assert 0 < transferred <= FIRST_PAGE_BUDGET, transferred


def test_the_keyboard_alone_finds_a_product_and_puts_it_in_the_cart(page, api):
    product = in_stock_product(api)
    page.goto("/")

    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    search = page.get_by_role("combobox", name="Search products and services")
    search.focus()
    page.keyboard.type(product["title"])
    page.keyboard.press("Enter")
    expect(page.locator("#results .card-link").first).to_be_visible()
    page.locator("#results .card-link").first.focus()
    page.keyboard.press("Enter")
    add = page.get_by_role("button", name="Add to cart")
    add.focus()
    page.keyboard.press("Enter")

    expect(page.locator("#cart-link .badge")).to_have_text("1")
