"""Search and browse: each filter and sort, keyset pages, per-category counts, full-text
search on each engine (Russian forms and typos on PostgreSQL), and bad input."""

import asyncio
import base64
import uuid

import pytest

pytestmark = pytest.mark.integration

PRODUCTS = "/api/catalog/products"


@pytest.fixture
async def shop(catalog):
    """Electronics > Phones, Electronics > Laptops, and Books, with products whose price,
    stock, rating and popularity differ."""
    electronics = await catalog.create_category("Electronics")
    phones = await catalog.create_category("Phones", electronics["id"])
    laptops = await catalog.create_category("Laptops", electronics["id"])
    books = await catalog.create_category("Books")
    specs = [
        # title, category, price, stock, rating, reviews, orders, views
        ("Phone A", phones, 30000, 5, 4.5, 10, 7, 100),
        ("Phone B", phones, 20000, 0, 3.0, 2, 9, 50),
        ("Laptop A", laptops, 90000, 2, 5.0, 1, 3, 20),
        ("Laptop B", laptops, 70000, 1, 4.5, 30, 3, 90),
        ("Book A", books, 1500, 100, 2.0, 4, 12, 10),
        ("Book B", books, 900, 0, 0.0, 0, 0, 0),
    ]
    products = {}
    for title, category, price, stock, rating, reviews, orders, views in specs:
        product = await catalog.create_product(
            category["id"], title=title, price=price, stock=stock
        )
        await catalog.set_figures(
            product["id"],
            rating_avg=rating,
            review_count=reviews,
            orders_count=orders,
            views=views,
        )
        products[title] = product
    return {
        "electronics": electronics,
        "phones": phones,
        "laptops": laptops,
        "books": books,
        "products": products,
    }


async def test_the_category_filter_includes_sub_categories(catalog, shop) -> None:
    assert sorted(await catalog.titles(category=shop["electronics"]["id"])) == [
        "Laptop A",
        "Laptop B",
        "Phone A",
        "Phone B",
    ]
    assert sorted(await catalog.titles(category=shop["phones"]["id"])) == ["Phone A", "Phone B"]


async def test_price_rating_and_stock_filters(catalog, shop) -> None:
    assert sorted(await catalog.titles(min_price=20000, max_price=70000)) == [
        "Laptop B",
        "Phone A",
        "Phone B",
    ]
    assert sorted(await catalog.titles(min_price=70000)) == ["Laptop A", "Laptop B"]
    assert sorted(await catalog.titles(max_price=1500)) == ["Book A", "Book B"]
    assert sorted(await catalog.titles(min_rating=4.5)) == ["Laptop A", "Laptop B", "Phone A"]
    assert sorted(await catalog.titles(in_stock="true")) == [
        "Book A",
        "Laptop A",
        "Laptop B",
        "Phone A",
    ]
    assert sorted(await catalog.titles(in_stock="false")) == ["Book B", "Phone B"]
    combined = await catalog.titles(
        category=shop["electronics"]["id"], in_stock="true", max_price=80000, min_rating=4
    )
    assert sorted(combined) == ["Laptop B", "Phone A"]


SORTS = {
    "price_asc": ["Book B", "Book A", "Phone B", "Phone A", "Laptop B", "Laptop A"],
    "price_desc": ["Laptop A", "Laptop B", "Phone A", "Phone B", "Book A", "Book B"],
    # Ties on the rating go to the product with more reviews.
    "rating": ["Laptop A", "Laptop B", "Phone A", "Phone B", "Book A", "Book B"],
    # By orders, then views.
    "popular": ["Book A", "Phone B", "Phone A", "Laptop B", "Laptop A", "Book B"],
    "newest": ["Book B", "Book A", "Laptop B", "Laptop A", "Phone B", "Phone A"],
}


async def test_each_sort_orders_the_whole_list(catalog, shop, subtests) -> None:
    for sort, expected in SORTS.items():
        with subtests.test(sort):
            assert await catalog.titles(sort=sort) == expected
    # Without a query relevance means nothing: the default order is newest first.
    assert await catalog.titles() == SORTS["newest"]
    assert await catalog.titles(sort="relevance") == SORTS["newest"]


async def test_cursors_walk_every_sort_page_by_page(catalog, shop, subtests) -> None:
    for sort, expected in SORTS.items():
        with subtests.test(sort):
            seen, cursor = [], None
            while True:
                params = {"sort": sort, "limit": 4, **({"cursor": cursor} if cursor else {})}
                page = await catalog.search(**params)
                assert page["total"] == 6
                seen += [item["title"] for item in page["items"]]
                cursor = page.get("next_cursor")
                if cursor is None:
                    break
            assert seen == expected


async def test_a_keyset_page_does_not_shift_when_a_product_is_added_before_it(
    catalog, shop
) -> None:
    first = await catalog.search(sort="price_asc", limit=2)
    await catalog.create_product(shop["books"]["id"], title="Cheapest", price=1)
    second = await catalog.search(sort="price_asc", limit=2, cursor=first["next_cursor"])
    assert [item["title"] for item in second["items"]] == ["Phone B", "Phone A"]


async def test_page_numbers_work_too(catalog, shop) -> None:
    page_two = await catalog.search(sort="price_asc", limit=2, page=2)
    assert [item["title"] for item in page_two["items"]] == ["Phone B", "Phone A"]
    assert (await catalog.search(sort="price_asc", limit=2, page=9))["items"] == []


async def test_facets_count_matches_per_category_with_the_other_filters(catalog, shop) -> None:
    page = await catalog.search(in_stock="true", category=shop["phones"]["id"])
    assert [item["title"] for item in page["items"]] == ["Phone A"]
    assert page["total"] == 1
    facets = {(f["name"], f["parent_id"]): f["count"] for f in page["facets"]["categories"]}
    # The category filter is left out of the counts: they show where else there are matches.
    assert facets == {
        ("Books", None): 1,
        ("Electronics", None): 3,
        ("Laptops", shop["electronics"]["id"]): 2,
        ("Phones", shop["electronics"]["id"]): 1,
    }
    names = [facet["name"] for facet in page["facets"]["categories"]]
    assert names.index("Electronics") < names.index("Laptops")  # parents before children


@pytest.fixture
async def texts(catalog):
    category = await catalog.create_category("Всё")
    items = [
        ("Смартфон Galaxy A55", "Тонкий корпус, яркий экран.", {"цвет": "синий"}),
        ("Apple iPhone 15 Pro", "Titanium design, great camera.", {"colour": "natural"}),
        ("Чехол для телефона", "Защитит смартфоны от царапин.", {"материал": "силикон"}),
        ("Ноутбук Lenovo IdeaPad", "Для работы и учёбы.", {"цвет": "серый"}),
        ("Красный свитер", "Тёплый, из шерсти.", {"размер": "M"}),
    ]
    for title, description, attributes in items:
        await catalog.create_product(
            category["id"], title=title, description=description, attributes=attributes
        )
    return category


async def test_full_text_search_ranks_title_above_description(catalog, texts) -> None:
    # "смартфон" is in one title and (as "смартфоны") in another product's description.
    assert await catalog.titles(q="смартфон") == ["Смартфон Galaxy A55", "Чехол для телефона"]
    assert await catalog.titles(q="LENOVO") == ["Ноутбук Lenovo IdeaPad"]
    assert await catalog.titles(q="синий") == ["Смартфон Galaxy A55"]  # an attribute value
    assert await catalog.titles(q="titanium camera") == ["Apple iPhone 15 Pro"]
    assert await catalog.titles(q="titanium sweater") == []  # every word must match


async def test_another_form_of_a_russian_word_finds_the_product(catalog, texts) -> None:
    assert await catalog.titles(q="смартфоны") == ["Смартфон Galaxy A55", "Чехол для телефона"]
    assert await catalog.titles(q="ноутбуки") == ["Ноутбук Lenovo IdeaPad"]
    assert await catalog.titles(q="красные свитера") == ["Красный свитер"]


async def test_a_query_combines_with_filters_and_other_sorts(catalog, texts) -> None:
    phones = await catalog.create_category("Телефоны")
    await catalog.create_product(phones["id"], title="Смартфон дешёвый", price=500)
    await catalog.create_product(phones["id"], title="Смартфон дорогой", price=90000)
    assert await catalog.titles(q="смартфон", sort="price_desc", category=phones["id"]) == [
        "Смартфон дорогой",
        "Смартфон дешёвый",
    ]
    page = await catalog.search(q="смартфон", sort="price_asc", limit=1)
    assert page["total"] == 4
    second = await catalog.search(
        q="смартфон", sort="price_asc", limit=1, cursor=page["next_cursor"]
    )
    assert [item["price"] for item in page["items"] + second["items"]] == [500, 1000]
    facets = {facet["name"]: facet["count"] for facet in page["facets"]["categories"]}
    assert facets == {"Всё": 2, "Телефоны": 2}


async def test_query_syntax_in_q_is_just_text(catalog, texts, subtests) -> None:
    for q in [
        '"',
        "AND (",
        "NEAR(a b)",
        "title:Apple",
        "*",
        "-",
        "' OR 1=1 --",
        'a"b',
        "()",
        "the",
        "и не",
    ]:
        with subtests.test(q=q):
            response = await catalog.http.get(PRODUCTS, params={"q": q})
            assert response.status_code == 200, response.text
    # A query of punctuation only has no words: it searches for nothing and lists everything.
    assert (await catalog.search(q='"'))["total"] == 5
    assert await catalog.titles(q="apple:") == ["Apple iPhone 15 Pro"]


async def test_typos_still_find_the_product_on_postgres(catalog, texts) -> None:
    if catalog.engine != "postgresql":
        pytest.skip("SQLite's FTS5 has no fuzzy matching (see docs/catalog.md)")
    assert await catalog.titles(q="iphnoe") == ["Apple iPhone 15 Pro"]
    assert await catalog.titles(q="смартфн") == ["Смартфон Galaxy A55"]
    assert await catalog.titles(q="ноутбк lenovo") == ["Ноутбук Lenovo IdeaPad"]
    assert await catalog.titles(q="сок") == []  # a short unrelated word finds nothing


async def test_relevance_pages_continue_by_cursor(catalog) -> None:
    category = await catalog.create_category()
    for n in range(5):
        await catalog.create_product(category["id"], title=f"Лампа {n}", description="лампа " * n)
    seen, cursor = [], None
    while True:
        page = await catalog.search(q="лампа", limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [item["title"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if cursor is None:
            break
    assert sorted(seen) == [f"Лампа {n}" for n in range(5)]
    assert len(seen) == 5


def forged_cursor(payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode()


async def test_bad_search_parameters_are_422(catalog, shop, subtests) -> None:
    price_cursor = (await catalog.search(sort="price_asc", limit=1))["next_cursor"]
    bad = {
        "limit over the maximum": {"limit": 101},
        "limit zero": {"limit": 0},
        "min above max price": {"min_price": 10, "max_price": 5},
        "negative price": {"min_price": -1},
        "rating above 5": {"min_rating": 6},
        "unknown sort": {"sort": "cheapest"},
        "malformed category": {"category": "phones"},
        "unknown category": {"category": str(uuid.uuid4())},
        "garbage cursor": {"cursor": "%%%"},
        "forged cursor": {"sort": "price_asc", "cursor": forged_cursor(b'["price_asc", "x"]')},
        "cursor of another sort": {"sort": "rating", "cursor": price_cursor},
        "cursor and page": {"sort": "price_asc", "cursor": price_cursor, "page": 2},
        "page zero": {"page": 0},
        "control characters in q": {"q": "a\x00b"},
        "too long a q": {"q": "x" * 201},
        "in_stock not a boolean": {"in_stock": "maybe"},
    }
    for name, params in bad.items():
        with subtests.test(name):
            response = await catalog.http.get(PRODUCTS, params=params)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"


async def test_many_searches_at_once(catalog, shop) -> None:
    results = await asyncio.gather(*(catalog.search(sort="popular") for _ in range(20)))
    assert {tuple(i["title"] for i in r["items"]) for r in results} == {tuple(SORTS["popular"])}
