"""axe-core on every admin page, on a desktop and a phone: no serious or critical
violation. With ``MARKETPLACE_SCREENSHOTS=<folder>`` it also keeps a screenshot of each page
(docs/ui/admin-*.png are made so)."""

from __future__ import annotations

import pytest
from tests.browser.admin_fixtures import admin_page, axe_violations, keep_screenshot, settled
from tests.browser.helpers import in_stock_product, paid_order

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}

PAGES = {
    "dashboard": "/admin",
    "products": "/admin/products",
    "product-new": "/admin/products/new",
    "product-edit": "/admin/products/{product}",
    "categories": "/admin/categories",
    "orders": "/admin/orders",
    "users": "/admin/users",
    "dead-letters": "/admin/dead-letters",
}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("name", list(PAGES))
def test_an_admin_page_has_no_serious_accessibility_violation(
    name, viewport, new_context, admin, api, shopper
):
    if name == "orders":
        paid_order(api, shopper)
    path = PAGES[name].format(product=in_stock_product(api)["id"])
    page = admin_page(new_context, admin, viewport=viewport)
    page.goto(path)
    settled(page)
    if name == "orders":
        # The first order's details open: its items and history are checked too.
        page.locator("td.title button").first.click()
    if name == "categories":
        page.locator(".admin-tree .node button").first.click()

    assert axe_violations(page) == []
    keep_screenshot(page, f"admin-{name}-{'desktop' if viewport is DESKTOP else 'phone'}")
