"""The category tree: reading it, and the admin's create, rename, move and delete."""

import uuid

import pytest

pytestmark = pytest.mark.integration

CATEGORIES = "/api/catalog/categories"


async def test_the_tree_nests_children_and_counts_products_below(catalog) -> None:
    electronics = await catalog.create_category("Электроника")
    phones = await catalog.create_category("Телефоны", electronics["id"])
    smartphones = await catalog.create_category("Смартфоны", phones["id"])
    await catalog.create_category("Книги")
    await catalog.create_product(smartphones["id"])
    await catalog.create_product(phones["id"])
    archived = await catalog.create_product(phones["id"])
    await catalog.http.delete(
        f"/api/catalog/products/{archived['id']}", headers=catalog.admin().headers
    )

    response = await catalog.http.get(CATEGORIES)
    assert response.status_code == 200
    [books, top] = response.json()["items"]  # by name: "Книги" < "Электроника"
    assert (books["name"], books["product_count"], books["children"]) == ("Книги", 0, [])
    assert (top["name"], top["product_count"]) == ("Электроника", 2)
    [middle] = top["children"]
    assert (middle["name"], middle["parent_id"], middle["product_count"]) == (
        "Телефоны",
        electronics["id"],
        2,
    )
    [leaf] = middle["children"]
    assert (leaf["name"], leaf["product_count"], leaf["children"]) == ("Смартфоны", 1, [])


async def test_a_category_answers_with_its_path_from_the_top(catalog) -> None:
    top = await catalog.create_category("Дом")
    sub = await catalog.create_category("Кухня", top["id"])
    assert [step["name"] for step in sub["path"]] == ["Дом", "Кухня"]
    response = await catalog.http.get(f"{CATEGORIES}/{sub['id']}")
    assert response.status_code == 200
    assert response.json()["path"] == sub["path"]
    assert response.json()["parent_id"] == top["id"]


async def test_rename_and_move_carry_the_subtree_along(catalog) -> None:
    a = await catalog.create_category("A")
    b = await catalog.create_category("B")
    child = await catalog.create_category("Child", a["id"])
    grandchild = await catalog.create_category("Grandchild", child["id"])
    product = await catalog.create_product(grandchild["id"])

    moved = await catalog.http.patch(
        f"{CATEGORIES}/{child['id']}",
        json={"parent_id": b["id"], "name": "Moved"},
        headers=catalog.admin().headers,
    )
    assert moved.status_code == 200, moved.text
    assert [step["name"] for step in moved.json()["path"]] == ["B", "Moved"]
    deep = (await catalog.http.get(f"{CATEGORIES}/{grandchild['id']}")).json()
    assert [step["name"] for step in deep["path"]] == ["B", "Moved", "Grandchild"]
    assert [item["title"] for item in (await catalog.search(category=b["id"]))["items"]] == [
        product["title"]
    ]
    assert (await catalog.search(category=a["id"]))["items"] == []

    to_top = await catalog.http.patch(
        f"{CATEGORIES}/{child['id']}", json={"parent_id": None}, headers=catalog.admin().headers
    )
    assert to_top.status_code == 200
    assert to_top.json()["parent_id"] is None
    assert [step["name"] for step in to_top.json()["path"]] == ["Moved"]


async def test_a_category_cannot_move_into_its_own_subtree(catalog) -> None:
    top = await catalog.create_category()
    sub = await catalog.create_category(parent_id=top["id"])
    for target in (top["id"], sub["id"]):
        response = await catalog.http.patch(
            f"{CATEGORIES}/{top['id']}", json={"parent_id": target}, headers=catalog.admin().headers
        )
        assert response.status_code == 409
        assert response.json()["type"].endswith("/invalid-category-move")
    assert (await catalog.http.get(f"{CATEGORIES}/{top['id']}")).json()["parent_id"] is None


async def test_the_tree_is_at_most_five_levels_deep(catalog) -> None:
    chain: list[str] = []
    for _ in range(5):
        chain.append((await catalog.create_category(parent_id=chain[-1] if chain else None))["id"])
    too_deep = await catalog.http.post(
        CATEGORIES, json={"name": "Sixth", "parent_id": chain[-1]}, headers=catalog.admin().headers
    )
    assert too_deep.status_code == 409
    tall = await catalog.create_category()
    await catalog.create_category(parent_id=tall["id"])
    # A two-level subtree under the fourth level would reach the sixth; under the third, fine.
    moved = await catalog.http.patch(
        f"{CATEGORIES}/{tall['id']}", json={"parent_id": chain[3]}, headers=catalog.admin().headers
    )
    assert moved.status_code == 409
    moved = await catalog.http.patch(
        f"{CATEGORIES}/{tall['id']}", json={"parent_id": chain[2]}, headers=catalog.admin().headers
    )
    assert moved.status_code == 200


async def test_sibling_names_are_unique_whatever_their_case(catalog) -> None:
    top = await catalog.create_category("Sport")
    await catalog.create_category("Bikes", top["id"])
    for body in ({"name": "sport"}, {"name": "BIKES", "parent_id": top["id"]}):
        response = await catalog.http.post(CATEGORIES, json=body, headers=catalog.admin().headers)
        assert response.status_code == 409
        assert response.json()["type"].endswith("/category-name-taken")
    # The same name elsewhere in the tree is fine.
    other = await catalog.create_category("Other")
    await catalog.create_category("Bikes", other["id"])


async def test_delete_refuses_a_category_with_children_or_products(catalog) -> None:
    top = await catalog.create_category()
    sub = await catalog.create_category(parent_id=top["id"])
    product = await catalog.create_product(sub["id"])
    await catalog.http.delete(
        f"/api/catalog/products/{product['id']}", headers=catalog.admin().headers
    )

    with_children = await catalog.http.delete(
        f"{CATEGORIES}/{top['id']}", headers=catalog.admin().headers
    )
    assert with_children.status_code == 409
    assert with_children.json()["type"].endswith("/category-not-empty")
    # An archived product still holds its category: old orders show it.
    with_archived = await catalog.http.delete(
        f"{CATEGORIES}/{sub['id']}", headers=catalog.admin().headers
    )
    assert with_archived.status_code == 409
    assert "products" in with_archived.json()["detail"]

    empty = await catalog.create_category(parent_id=top["id"])
    deleted = await catalog.http.delete(
        f"{CATEGORIES}/{empty['id']}", headers=catalog.admin().headers
    )
    assert deleted.status_code == 204
    assert (await catalog.http.get(f"{CATEGORIES}/{empty['id']}")).status_code == 404


async def test_category_changes_need_an_admin(catalog) -> None:
    top = await catalog.create_category()
    calls = [
        ("POST", CATEGORIES, {"name": "X"}),
        ("PATCH", f"{CATEGORIES}/{top['id']}", {"name": "Y"}),
        ("DELETE", f"{CATEGORIES}/{top['id']}", None),
    ]
    for method, url, body in calls:
        anonymous = await catalog.http.request(method, url, json=body)
        assert anonymous.status_code == 401, (method, url)
        user = await catalog.http.request(method, url, json=body, headers=catalog.user().headers)
        assert user.status_code == 403, (method, url)
        assert user.headers["content-type"] == "application/problem+json"
    assert (await catalog.http.get(f"{CATEGORIES}/{top['id']}")).json()["name"] == top["name"]


BAD_CATEGORY_BODIES = [
    {},
    {"name": ""},
    {"name": "   "},
    {"name": "x" * 101},
    {"name": "tab\tinside"},
    {"name": 5},
    {"name": "Fine", "parent_id": "not-a-uuid"},
    {"name": "Fine", "parent_id": str(uuid.uuid4())},
    {"name": "Fine", "colour": "red"},
]


async def test_bad_category_input_is_a_4xx_and_changes_nothing(catalog, subtests) -> None:
    before = (await catalog.http.get(CATEGORIES)).json()
    for body in BAD_CATEGORY_BODIES:
        with subtests.test(body=str(body)):
            response = await catalog.http.post(
                CATEGORIES, json=body, headers=catalog.admin().headers
            )
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"
    assert (await catalog.http.get(CATEGORIES)).json() == before


async def test_unknown_and_malformed_category_ids(catalog) -> None:
    missing = uuid.uuid4()
    assert (await catalog.http.get(f"{CATEGORIES}/{missing}")).status_code == 404
    assert (await catalog.http.get(f"{CATEGORIES}/not-a-uuid")).status_code == 422
    assert (
        await catalog.http.patch(
            f"{CATEGORIES}/{missing}", json={"name": "X"}, headers=catalog.admin().headers
        )
    ).status_code == 404
    assert (
        await catalog.http.delete(f"{CATEGORIES}/{missing}", headers=catalog.admin().headers)
    ).status_code == 404
    top = await catalog.create_category()
    moved_nowhere = await catalog.http.patch(
        f"{CATEGORIES}/{top['id']}",
        json={"parent_id": str(missing)},
        headers=catalog.admin().headers,
    )
    assert moved_nowhere.status_code == 422
    unnamed = await catalog.http.patch(
        f"{CATEGORIES}/{top['id']}", json={"name": None}, headers=catalog.admin().headers
    )
    assert unnamed.status_code == 422
