"""Products and services: the admin's create, edit and archive; reading by id; the events
each change publishes; users get 403 and bad input a 4xx problem that changes nothing."""

# ruff: noqa: RUF001 - Russian text is Cyrillic on purpose

import uuid

import pytest

pytestmark = pytest.mark.integration

PRODUCTS = "/api/catalog/products"


async def test_an_admin_creates_a_product_and_anyone_reads_it(catalog) -> None:
    top = await catalog.create_category("Электроника")
    phones = await catalog.create_category("Смартфоны", top["id"])
    response = await catalog.http.post(
        PRODUCTS,
        headers=catalog.admin().headers,
        json={
            "title": "  Смартфон   Galaxy A55 ",
            "description": "Экран 6,6 дюйма.",
            "price": 3499000,
            "category_id": phones["id"],
            "kind": "product",
            "stock": 7,
            "attributes": {"цвет": "синий", "память_гб": 256, "5g": True, "вес_кг": 0.21},
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert uuid.UUID(created["id"]).version == 7
    assert created["title"] == "Смартфон Galaxy A55"
    assert (created["price"], created["currency"], created["kind"]) == (3499000, "RUB", "product")
    assert (created["stock"], created["in_stock"], created["status"]) == (7, True, "active")
    assert created["attributes"] == {"цвет": "синий", "память_гб": 256, "5g": True, "вес_кг": 0.21}
    assert created["images"] == []
    assert created["category"] == {
        "id": phones["id"],
        "name": "Смартфоны",
        "path": [
            {"id": top["id"], "name": "Электроника"},
            {"id": phones["id"], "name": "Смартфоны"},
        ],
    }
    assert created["rating"] == {"average": 0.0, "count": 0}
    assert (created["orders_count"], created["views"]) == (0, 0)

    read = await catalog.http.get(f"{PRODUCTS}/{created['id']}")
    assert read.status_code == 200
    assert read.json() == created


async def test_a_service_has_no_stock_and_never_runs_out(catalog) -> None:
    service = await catalog.create_product(kind="service", title="Установка кондиционера")
    assert (service["kind"], service["stock"], service["in_stock"]) == ("service", None, True)
    given_stock = await catalog.http.post(
        PRODUCTS,
        headers=catalog.admin().headers,
        json={
            "title": "Доставка",
            "price": 500,
            "category_id": service["category"]["id"],
            "kind": "service",
            "stock": 3,
        },
    )
    assert given_stock.status_code == 422
    goods = await catalog.create_product(stock=None)  # goods without a stock level have none
    assert (goods["stock"], goods["in_stock"]) == (0, False)


async def test_an_admin_edits_only_what_is_sent_and_events_say_what_changed(catalog) -> None:
    product = await catalog.create_product(title="Old", price=1000, stock=5)
    other = await catalog.create_category()
    response = await catalog.http.patch(
        f"{PRODUCTS}/{product['id']}",
        headers=catalog.admin().headers,
        json={"title": "New", "price": 1500, "stock": 8, "category_id": other["id"]},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["title"], updated["price"], updated["stock"]) == ("New", 1500, 8)
    assert updated["category"]["id"] == other["id"]
    assert updated["description"] == product["description"]
    assert updated["updated_at"] > product["updated_at"]

    [event] = await catalog.outbox("catalog.product.updated.v1")
    assert event["data"]["changed"] == ["category_id", "price", "stock", "title"]
    [price] = await catalog.outbox("catalog.product.price_changed.v1")
    assert price["data"] == {
        "product_id": product["id"],
        "old_price": 1000,
        "new_price": 1500,
        "currency": "RUB",
    }
    [stock] = await catalog.outbox("catalog.product.stock_changed.v1")
    assert stock["data"] == {
        "product_id": product["id"],
        "stock": 8,
        "delta": 3,
        "reason": "adjusted",
        "reservation_id": None,
    }

    unchanged = await catalog.http.patch(
        f"{PRODUCTS}/{product['id']}", headers=catalog.admin().headers, json={"title": "New"}
    )
    assert unchanged.status_code == 200
    assert len(await catalog.outbox("catalog.product.updated.v1")) == 1


async def test_creating_publishes_product_created(catalog) -> None:
    product = await catalog.create_product(price=4200, stock=3)
    [event] = await catalog.outbox("catalog.product.created.v1")
    assert event["subject"] == product["id"]
    assert event["source"] == "catalog"
    assert event["data"] == {
        "product_id": product["id"],
        "title": product["title"],
        "kind": "product",
        "category_id": product["category"]["id"],
        "price": 4200,
        "currency": "RUB",
        "stock": 3,
    }


async def test_delete_archives_it_is_still_readable_but_leaves_search(catalog) -> None:
    product = await catalog.create_product(title="Архивный чайник")
    assert (await catalog.titles(q="чайник")) == ["Архивный чайник"]

    deleted = await catalog.http.delete(
        f"{PRODUCTS}/{product['id']}", headers=catalog.admin().headers
    )
    assert deleted.status_code == 204
    read = (await catalog.http.get(f"{PRODUCTS}/{product['id']}")).json()
    assert (read["status"], read["in_stock"]) == ("archived", False)
    assert await catalog.titles(q="чайник") == []
    assert await catalog.titles() == []
    [archived] = await catalog.outbox("catalog.product.archived.v1")
    assert archived["data"] == {"product_id": product["id"]}

    again = await catalog.http.delete(
        f"{PRODUCTS}/{product['id']}", headers=catalog.admin().headers
    )
    assert again.status_code == 204
    assert len(await catalog.outbox("catalog.product.archived.v1")) == 1

    restored = await catalog.http.patch(
        f"{PRODUCTS}/{product['id']}", headers=catalog.admin().headers, json={"status": "active"}
    )
    assert restored.json()["status"] == "active"
    assert await catalog.titles(q="чайник") == ["Архивный чайник"]


async def test_every_admin_route_is_403_for_users_and_401_without_a_token(catalog) -> None:
    product = await catalog.create_product()
    image = f"{PRODUCTS}/{product['id']}/images/{uuid.uuid4()}"
    calls = [
        (
            "POST",
            PRODUCTS,
            {"title": "X", "price": 1, "category_id": product["category"]["id"], "kind": "product"},
        ),
        ("PATCH", f"{PRODUCTS}/{product['id']}", {"title": "Y"}),
        ("DELETE", f"{PRODUCTS}/{product['id']}", None),
        ("POST", f"{PRODUCTS}/{product['id']}/images", None),
        ("DELETE", image, None),
    ]
    for method, url, body in calls:
        anonymous = await catalog.http.request(method, url, json=body)
        assert anonymous.status_code == 401, (method, url)
        user = await catalog.http.request(method, url, json=body, headers=catalog.user().headers)
        assert user.status_code == 403, (method, url)
        assert user.json()["type"].endswith("/forbidden")
    read = (await catalog.http.get(f"{PRODUCTS}/{product['id']}")).json()
    assert (read["title"], read["status"]) == (product["title"], "active")
    assert len((await catalog.search())["items"]) == 1


def bad_product_bodies(category_id: str) -> dict[str, dict]:
    good = {"title": "Good", "price": 100, "category_id": category_id, "kind": "product"}
    return {
        "negative price": {**good, "price": -1},
        "zero price": {**good, "price": 0},
        "fractional price": {**good, "price": 10.5},
        "price as a string": {**good, "price": "100"},
        "too large a price": {**good, "price": 10**12},
        "unknown category": {**good, "category_id": str(uuid.uuid4())},
        "malformed category": {**good, "category_id": "phones"},
        "unknown currency": {**good, "currency": "XYZ"},
        "empty title": {**good, "title": "   "},
        "too long a title": {**good, "title": "x" * 201},
        "control characters in the title": {**good, "title": "a\x00b"},
        "negative stock": {**good, "stock": -1},
        "stock for a service": {**good, "kind": "service", "stock": 1},
        "unknown kind": {**good, "kind": "gift"},
        "nested attributes": {**good, "attributes": {"size": {"w": 1}}},
        "null attribute": {**good, "attributes": {"size": None}},
        "too many attributes": {**good, "attributes": {f"a{i}": i for i in range(31)}},
        "too long an attribute": {**good, "attributes": {"note": "x" * 201}},
        "an unknown field": {**good, "colour": "red"},
        "no title": {key: value for key, value in good.items() if key != "title"},
    }


async def test_bad_product_input_is_a_4xx_and_changes_nothing(catalog, subtests) -> None:
    category = await catalog.create_category()
    for name, body in bad_product_bodies(category["id"]).items():
        with subtests.test(name):
            response = await catalog.http.post(PRODUCTS, json=body, headers=catalog.admin().headers)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"
    assert await catalog.scalar("SELECT count(*) FROM products") == 0
    assert await catalog.outbox() == []


BAD_UPDATES = {
    "negative price": {"price": -5},
    "null title": {"title": None},
    "null price": {"price": None},
    "goods without a stock level": {"stock": None},
    "negative stock": {"stock": -1},
    "unknown status": {"status": "deleted"},
    "the kind": {"kind": "service"},
    "unknown category": {"category_id": str(uuid.uuid4())},
}


async def test_bad_edits_are_a_4xx_and_change_nothing(catalog, subtests) -> None:
    product = await catalog.create_product()
    for name, body in BAD_UPDATES.items():
        with subtests.test(name):
            response = await catalog.http.patch(
                f"{PRODUCTS}/{product['id']}", json=body, headers=catalog.admin().headers
            )
            assert response.status_code == 422, response.text
    assert (await catalog.http.get(f"{PRODUCTS}/{product['id']}")).json() == product


async def test_unknown_and_malformed_product_ids(catalog) -> None:
    missing = uuid.uuid4()
    assert (await catalog.http.get(f"{PRODUCTS}/{missing}")).status_code == 404
    assert (await catalog.http.get(f"{PRODUCTS}/123")).status_code == 422
    assert (
        await catalog.http.patch(
            f"{PRODUCTS}/{missing}", json={"price": 5}, headers=catalog.admin().headers
        )
    ).status_code == 404
    assert (
        await catalog.http.delete(f"{PRODUCTS}/{missing}", headers=catalog.admin().headers)
    ).status_code == 404
    assert (
        await catalog.http.delete(f"{PRODUCTS}/x", headers=catalog.admin().headers)
    ).status_code == 422
