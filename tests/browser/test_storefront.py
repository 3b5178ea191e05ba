"""The storefront: search with suggestions, filters and sorts kept in the URL, the product
page, services shown as services, and a cart that survives a reload."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect
from tests.browser.helpers import in_stock_product

pytestmark = pytest.mark.browser


def test_search_suggests_as_you_type_and_a_suggestion_opens_the_product(page, api):
    product = in_stock_product(api)
    words = " ".join(product["title"].split()[:2])
    page.goto("/")

    page.get_by_role("combobox", name="Search products and services").press_sequentially(words)
    suggestions = page.get_by_role("listbox", name="Suggestions")
    expect(suggestions.get_by_role("option").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/products/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_a_search_lists_what_matches_and_keeps_the_query_in_the_url(page, api):
    product = in_stock_product(api)
    word = product["title"].split()[0]
    page.goto("/")

    search = page.get_by_role("combobox", name="Search products and services")
    search.fill(word)
    search.press("Enter")

    expect(page).to_have_url(re.compile(r"/catalog\?q="))
    expect(page.get_by_role("heading", level=1)).to_contain_text(word)
    expect(page.locator("#results .card-link").first).to_be_visible()
    assert parse_qs(urlparse(page.url).query)["q"] == [word]


def test_filters_and_sort_go_into_the_url_and_a_shared_link_shows_the_same_list(
    page, new_context
):
    page.goto("/catalog")
    expect(page.locator("#results .card-link").first).to_be_visible()

    page.locator(".tree").get_by_role("link", name=re.compile("Электроника")).click()
    expect(page).to_have_url(re.compile(r"category="))
    page.get_by_label("Price from, ₽").fill("1000")
    page.get_by_label("Price to, ₽").fill("50000")
    page.get_by_label("In stock only").check()
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"in_stock=true"))
    page.get_by_label("Sort by").select_option("price_asc")
    expect(page).to_have_url(re.compile(r"sort=price_asc"))
    expect(page.locator("#results .card-link").first).to_be_visible()

    query = parse_qs(urlparse(page.url).query)
    assert query["min_price"] == ["1000"]
    assert query["max_price"] == ["50000"]
    prices = page.locator("#results .price").all_inner_texts()
    assert prices
    values = [int(re.sub(r"\D", "", price)) for price in prices]
    assert values == sorted(values)
    assert all(1000 <= value <= 50000 for value in values)
    assert "Out of stock" not in page.locator("#results").inner_text()

    shared = new_context().new_page()
    shared.goto(page.url)
    expect(shared.locator("#results .price").first).to_be_visible()
    assert shared.locator("#results .price").all_inner_texts() == prices
    expect(shared.get_by_label("In stock only")).to_be_checked()


def test_a_products_page_shows_photos_price_stock_and_rating_figures(page, api):
    product = in_stock_product(api)

    page.goto(f"/products/{product['id']}")

    expect(page.get_by_role("heading", level=1)).to_have_text(product["title"])
    expect(page.locator(".gallery-main img")).to_be_visible()
    expect(page.locator(".buy .price")).to_contain_text(str(product["price"] // 100)[:1])
    expect(page.locator(".buy .stock")).to_contain_text("in stock")
    expect(page.locator(".distribution li")).to_have_count(5)


def test_a_service_is_shown_as_a_service(page, api):
    service = api.get("/api/catalog/products", params={"q": "уборка", "limit": 20}).json()
    item = next(item for item in service["items"] if item["kind"] == "service")

    page.goto(f"/products/{item['id']}")

    expect(page.locator(".buy .tag.service")).to_have_text("Service")
    expect(page.get_by_role("button", name="Book the service")).to_be_visible()
    expect(page.locator(".buy .stock")).to_have_count(0)


def test_the_cart_keeps_what_was_added_across_a_reload(page, api):
    product = in_stock_product(api)
    page.goto(f"/products/{product['id']}")

    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-link .badge")).to_have_text("2")
    page.reload()
    page.get_by_role("link", name=re.compile("Cart")).click()

    expect(page.get_by_role("link", name=product["title"])).to_be_visible()
    expect(page.get_by_label(f"Quantity of {product['title']}")).to_have_value("2")


def test_a_product_an_admin_just_created_is_found_in_search(page, new_context, api, admin):
    category = api.get("/api/catalog/categories").json()["items"][0]["children"][0]
    title = f"Самовар Тульский {uuid.uuid4().hex[:6]}"
    admin_page = new_context(admin).new_page()
    admin_page.goto("/")
    created = admin_page.evaluate(
        """async (body) => {
            const session = JSON.parse(localStorage.getItem("mp.session"));
            const response = await fetch("/api/catalog/products", {
                method: "POST", body: JSON.stringify(body),
                headers: {Authorization: `Bearer ${session.access_token}`,
                          "Content-Type": "application/json"}});
            return response.status;
        }""",
        {"title": title, "description": "Медный, на 5 литров.", "price": 1_250_000,
         "category_id": category["id"], "kind": "product", "stock": 3},
    )
    assert created == 201

    page.goto("/")
    search = page.get_by_role("combobox", name="Search products and services")
    search.fill(title)
    search.press("Enter")

    expect(page.locator("#results .card-title").first).to_have_text(title)
