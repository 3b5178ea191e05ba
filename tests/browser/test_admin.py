"""The admin area in the browser: products (an admin's new product is found by the shop's
search; the API's field errors shown by their fields), categories (create, rename, move,
delete, and the refusal to delete one that holds products), orders (deliver, with the
customer's page following live; cancel), users (a role changed), the Russian texts."""

from __future__ import annotations

import io
import random
import re

import pytest
from playwright.sync_api import expect
from tests.browser.admin_fixtures import admin_page, settled
from tests.browser.helpers import in_stock_product, paid_order

from marketplace_launcher.testing import sign_up

pytestmark = pytest.mark.browser

UUID_PATH = r"/admin/products/[0-9a-f-]{36}$"


def a_word() -> str:
    """A made-up word no demo product holds (letters only, so every search tokenises it
    the same way)."""
    return "".join(random.choices("bcdfghjklmnpqrstvwxz", k=12))


def a_png() -> bytes:
    """A small picture, as a phone's photo would be sent."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (91, 43, 217)).save(out, format="PNG")
    return out.getvalue()


def test_an_admins_new_product_is_found_by_the_shops_search(new_context, admin):
    word = a_word()
    title = f"Lamp {word}"
    page = admin_page(new_context, admin)
    page.goto("/admin/products")
    settled(page)
    page.get_by_role("link", name="New product").click()

    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("A desk lamp with a warm light.")
    page.get_by_label("Price").fill("1499.90")
    page.get_by_label("Category").select_option(index=1)
    page.get_by_label("Kind").select_option("product")
    page.get_by_label("Stock").fill("5")
    page.get_by_label("Attributes").fill("colour = green\nwatts = 40")
    page.get_by_role("button", name="Create product").click()

    expect(page).to_have_url(re.compile(UUID_PATH))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("heading", name="Photos")).to_be_visible()

    # A shopper's browser: the header's search suggests it, and the search page lists it.
    shop = new_context().new_page()
    shop.goto("/")
    search = shop.get_by_role("combobox", name="Search products and services")
    search.fill(word)
    expect(shop.get_by_role("option", name=re.compile(title))).to_be_visible()
    search.press("Enter")
    expect(shop.get_by_role("link", name=title)).to_be_visible()


def test_the_apis_field_errors_show_next_to_the_product_fields(new_context, admin):
    page = admin_page(new_context, admin)
    page.goto("/admin/products/new")
    settled(page)

    # A price the form cannot read is refused before sending, by the price field.
    page.get_by_label("Price").fill("twelve")
    page.get_by_label("Category").select_option(index=1)
    page.get_by_role("button", name="Create product").click()
    expect(page.locator("[data-field=price] .field-error")).to_contain_text("price above zero")
    expect(page.get_by_label("Price")).to_have_attribute("aria-invalid", "true")

    # An empty title is the API's 422: its message lands by the title field.
    page.get_by_label("Price").fill("10")
    page.get_by_role("button", name="Create product").click()
    expect(page.locator("[data-field=title] .field-error")).not_to_be_empty()
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/admin/products/new$"))


def test_an_admin_edits_a_product_and_its_photos_archives_it_and_brings_it_back(
    new_context, admin, api
):
    product = in_stock_product(api)
    page = admin_page(new_context, admin)
    page.goto(f"/admin/products/{product['id']}")
    settled(page)

    page.get_by_label("Stock").fill(str(product["stock"] + 3))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    assert api.get(f"/api/catalog/products/{product['id']}").json()["stock"] == product["stock"] + 3

    # A photo uploaded, then removed.
    photos = page.locator(".admin-images img")
    before = len(product["images"])
    page.get_by_label("Photo (JPEG, PNG or WebP)").set_input_files(
        {"name": "lamp.png", "mimeType": "image/png", "buffer": a_png()}
    )
    page.get_by_role("button", name="Upload photo").click()
    expect(photos).to_have_count(before + 1)
    images = api.get(f"/api/catalog/products/{product['id']}").json()["images"]
    assert len(images) == before + 1
    page.get_by_role("button", name=f"Remove photo {before + 1}").click()
    expect(photos).to_have_count(before)

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Archive").click()
    expect(page.locator(".product-status .status")).to_have_text("Archived")
    assert api.get(f"/api/catalog/products/{product['id']}").json()["status"] == "archived"

    page.get_by_role("button", name="Bring back to the shop").click()
    expect(page.locator(".product-status .status")).to_have_text("Active")
    assert api.get(f"/api/catalog/products/{product['id']}").json()["status"] == "active"


def test_an_admin_edits_the_category_tree(new_context, admin, api):
    # A top-level category that holds products: the new one moves under it, and it cannot go.
    holding = in_stock_product(api)["category"]["path"][0]["id"]
    name = f"Test {a_word()}"
    page = admin_page(new_context, admin)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/admin/categories")
    settled(page)

    creating = page.get_by_role("region", name="New category")
    creating.get_by_label("Name").fill(name)
    creating.get_by_role("button", name="Create category").click()
    named = page.locator(".node-name", has_text=re.compile(f"^{name}$"))
    node = page.locator("li[data-category]").filter(has=named)
    expect(node).to_have_count(1)
    category_id = node.get_attribute("data-category")
    by_id = page.locator(f'li[data-category="{category_id}"]')

    # Rename it.
    page.get_by_role("button", name=f"Edit “{name}”").click()
    by_id.locator(".node-editor").get_by_label("Name").fill(f"{name} renamed")
    by_id.locator(".node-editor").get_by_role("button", name="Save").click()
    expect(by_id.locator("> .node .node-name")).to_have_text(f"{name} renamed")

    # Move it under another category.
    page.get_by_role("button", name=f"Edit “{name} renamed”").click()
    by_id.locator(".node-editor").get_by_label("Parent category").select_option(holding)
    by_id.locator(".node-editor").get_by_role("button", name="Save").click()
    moved = page.locator(f'li[data-category="{holding}"] li[data-category="{category_id}"]')
    expect(moved).to_have_count(1)

    # Delete it: it is empty.
    page.get_by_role("button", name=f"Edit “{name} renamed”").click()
    by_id.locator(".node-editor").get_by_role("button", name="Delete").click()
    expect(by_id).to_have_count(0)

    # A category holding products cannot go: the API's refusal shows in its form.
    full = page.locator(f'li[data-category="{holding}"]')
    full.locator("> .node").get_by_role("button").click()
    full.locator("> .node-editor").get_by_role("button", name="Delete").click()
    expect(full.locator("> .node-editor .form-error")).to_be_visible()
    expect(full).to_be_visible()


def test_an_admin_delivers_a_paid_order_and_the_customers_page_follows(
    new_context, admin, api, shopper, shopper_page
):
    order = paid_order(api, shopper)
    shopper_page.goto(f"/orders/{order['id']}")
    expect(shopper_page.locator("main")).to_contain_text("Paid")

    page = admin_page(new_context, admin)
    page.goto(f"/admin/orders?status=paid&user={order['user_id']}")
    settled(page)
    row = page.locator(f'tr[data-order="{order["id"]}"]')
    expect(row.locator(".status")).to_have_text("Paid")
    # With the keyboard: focus the row's Deliver button and press Enter.
    row.get_by_role("button", name=re.compile("^Deliver")).focus()
    page.keyboard.press("Enter")

    expect(row.locator(".status")).to_have_text("Delivered")
    expect(row.get_by_role("button", name=re.compile("^Deliver"))).to_have_count(0)
    status = api.get(f"/api/orders/{order['id']}", headers=shopper.headers).json()["status"]
    assert status == "delivered"
    expect(shopper_page.locator("main")).to_contain_text("Delivered")


def test_an_admin_cancels_an_unpaid_order(new_context, admin, api, shopper):
    product = in_stock_product(api)
    created = api.post(
        "/api/orders",
        json={"items": [{"product_id": product["id"], "quantity": 1}], "address": "Kazan"},
        headers={**shopper.headers, "Idempotency-Key": a_word()},
    ).json()
    page = admin_page(new_context, admin)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/admin/orders?id={created['id']}")
    settled(page)
    row = page.locator(f'tr[data-order="{created["id"]}"]')

    row.get_by_role("button", name=re.compile("^Cancel")).click()

    expect(row.locator(".status")).to_have_text("Cancelled")
    status = api.get(f"/api/orders/{created['id']}", headers=shopper.headers).json()["status"]
    assert status == "cancelled"


def test_an_admin_changes_a_users_role(new_context, admin, api):
    user = sign_up(api)
    page = admin_page(new_context, admin)
    page.goto(f"/admin/users?email={user.email}")
    settled(page)

    page.get_by_label("Role of Test User").select_option("admin")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="is now: Administrator")).to_be_visible()
    found = api.get("/api/auth/users", params={"email": user.email}, headers=admin.headers).json()
    assert [item["role"] for item in found["items"]] == ["admin"]


def test_the_admin_area_speaks_russian(new_context, admin):
    page = admin_page(new_context, admin, language="ru")
    page.goto("/admin/orders")
    settled(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Заказы")
    nav = page.get_by_role("navigation", name="Разделы администрирования")
    expect(nav.get_by_role("link", name="Товары")).to_be_visible()
    expect(page.get_by_label("Статус")).to_be_visible()


def test_a_customer_is_kept_out_of_the_admin_area(shopper_page):
    shopper_page.goto("/admin/products")

    expect(shopper_page.get_by_text("This area is for administrators.")).to_be_visible()
    expect(shopper_page.locator("table")).to_have_count(0)


def test_the_product_list_shows_more_and_archives_from_a_row(new_context, admin, api):
    page = admin_page(new_context, admin)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/admin/products")
    settled(page)
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(20)

    page.get_by_role("button", name="Show more").click()
    expect(rows).to_have_count(40)

    first = rows.first
    product_id = first.get_attribute("data-product")
    first.get_by_role("button", name=re.compile("^Archive")).click()
    expect(page.locator(f'tr[data-product="{product_id}"]')).to_have_count(0)
    assert api.get(f"/api/catalog/products/{product_id}").json()["status"] == "archived"
    restored = api.patch(
        f"/api/catalog/products/{product_id}", json={"status": "active"}, headers=admin.headers
    )
    assert restored.status_code == 200, restored.text
