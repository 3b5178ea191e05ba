"""The fast read paths: a product page is one query, the category tree is held in memory and
follows changes (at once in this process, within the refresh interval on other replicas),
and the documents built for speed are exactly what the published schemas say."""

import io

import pytest
from PIL import Image
from sqlalchemy import event

from catalog_service.schemas import ProductPage, ProductRead

pytestmark = pytest.mark.integration

PRODUCTS = "/api/catalog/products"
CATEGORIES = "/api/catalog/categories"


def picture() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


async def rename(catalog, category_id: str, name: str) -> None:
    response = await catalog.http.patch(
        f"{CATEGORIES}/{category_id}", json={"name": name}, headers=catalog.admin().headers
    )
    assert response.status_code == 200, response.text


def category_names(product: dict) -> list[str]:
    return [step["name"] for step in product["category"]["path"]]


async def test_a_product_page_is_one_query(catalog) -> None:
    top = await catalog.create_category("Электроника")
    phones = await catalog.create_category("Смартфоны", top["id"])
    product = await catalog.create_product(phones["id"])
    for _ in range(2):
        response = await catalog.http.post(
            f"{PRODUCTS}/{product['id']}/images",
            headers=catalog.admin().headers,
            files={"file": ("photo.png", picture(), "image/png")},
        )
        assert response.status_code == 201, response.text
    await catalog.product(product["id"])  # the tree is in memory from here on
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement.lstrip().upper())

    engine = catalog.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        page = await catalog.product(product["id"])
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert [s for s in statements if s.startswith("SELECT")] == [statements[-1]]
    assert len(page["images"]) == 2
    assert category_names(page) == ["Электроника", "Смартфоны"]


async def test_product_documents_are_what_the_schemas_say(catalog) -> None:
    top = await catalog.create_category("Одежда")
    jackets = await catalog.create_category("Куртки", top["id"])
    product = await catalog.create_product(
        jackets["id"],
        title="Куртка зимняя",
        attributes={"цвет": "синий", "размер": 48, "водостойкая": True, "вес_кг": 1.25},
    )
    await catalog.create_product(jackets["id"], kind="service", title="Чистка куртки")
    await catalog.http.post(
        f"{PRODUCTS}/{product['id']}/images",
        headers=catalog.admin().headers,
        files={"file": ("photo.png", picture(), "image/png")},
    )
    await catalog.set_figures(product["id"], rating_avg=4.5, review_count=2, views=7)

    page = await catalog.product(product["id"])
    # What Pydantic would have written from the same data, field by field and format by
    # format (ids, "Z" datetimes, floats).
    assert ProductRead.model_validate(page).model_dump(mode="json") == page
    assert page["rating"] == {"average": 4.5, "count": 2}
    listing = await catalog.search(q="куртка", category=top["id"], limit=1)
    assert ProductPage.model_validate(listing).model_dump(mode="json") == listing
    assert listing["total"] == 2
    assert listing["next_cursor"] is not None


async def test_a_rename_in_this_process_shows_at_once(catalog) -> None:
    assert catalog.components.settings.category_refresh_interval.total_seconds() >= 5
    top = await catalog.create_category("Дом")
    kitchen = await catalog.create_category("Кухня", top["id"])
    product = await catalog.create_product(kitchen["id"])
    assert category_names(await catalog.product(product["id"])) == ["Дом", "Кухня"]

    await rename(catalog, top["id"], "Дом и сад")

    assert category_names(await catalog.product(product["id"])) == ["Дом и сад", "Кухня"]
    [facet, _] = (await catalog.search())["facets"]["categories"]
    assert facet["name"] == "Дом и сад"


async def test_another_replica_sees_a_rename_within_its_refresh_interval(catalog) -> None:
    top = await catalog.create_category("Спорт")
    product = await catalog.create_product(top["id"])
    async with (
        catalog.replica(category_refresh_interval=0) as checking,
        catalog.replica(category_refresh_interval=3600) as holding,
    ):
        for replica in (checking, holding):
            assert category_names(await replica.product(product["id"])) == ["Спорт"]

        await rename(catalog, top["id"], "Спорт и отдых")

        # An interval of 0 checks the tree's version on every read ...
        assert category_names(await checking.product(product["id"])) == ["Спорт и отдых"]
        # ... one of an hour keeps its tree until the hour is up.
        assert category_names(await holding.product(product["id"])) == ["Спорт"]


async def test_another_replica_sees_a_move_within_its_refresh_interval(catalog) -> None:
    home = await catalog.create_category("Дом")
    garden = await catalog.create_category("Сад")
    tools = await catalog.create_category("Инструменты", home["id"])
    product = await catalog.create_product(tools["id"])
    async with catalog.replica(category_refresh_interval=0) as other:
        assert category_names(await other.product(product["id"])) == ["Дом", "Инструменты"]
        response = await catalog.http.patch(
            f"{CATEGORIES}/{tools['id']}",
            json={"parent_id": garden["id"]},
            headers=catalog.admin().headers,
        )
        assert response.status_code == 200, response.text

        assert category_names(await other.product(product["id"])) == ["Сад", "Инструменты"]
        assert [i["id"] for i in (await other.search(category=garden["id"]))["items"]] == [
            product["id"]
        ]


async def test_a_category_made_on_another_replica_is_found_at_once(catalog) -> None:
    await catalog.create_category("Книги")
    async with catalog.replica(category_refresh_interval=3600) as other:
        await other.search()  # its tree is loaded, and will not be checked for an hour
        top = await catalog.create_category("Игрушки")
        sub = await catalog.create_category("Конструкторы", top["id"])
        product = await catalog.create_product(sub["id"])

        assert category_names(await other.product(product["id"])) == ["Игрушки", "Конструкторы"]
        found = await other.search(category=top["id"])
        assert [item["id"] for item in found["items"]] == [product["id"]]
        assert found["total"] == 1
        response = await other.http.get(f"{CATEGORIES}/{sub['id']}")
        assert response.status_code == 200
        assert [step["name"] for step in response.json()["path"]] == ["Игрушки", "Конструкторы"]


async def test_a_deleted_category_is_gone_at_once_in_this_process(catalog) -> None:
    top = await catalog.create_category("Временная")
    assert (await catalog.http.get(f"{CATEGORIES}/{top['id']}")).status_code == 200
    response = await catalog.http.delete(
        f"{CATEGORIES}/{top['id']}", headers=catalog.admin().headers
    )
    assert response.status_code == 204

    assert (await catalog.http.get(f"{CATEGORIES}/{top['id']}")).status_code == 404
    assert (await catalog.http.get(CATEGORIES)).json()["items"] == []
    response = await catalog.http.get(PRODUCTS, params={"category": top["id"]})
    assert response.status_code == 422


async def test_a_text_search_is_driven_by_the_text_index(catalog, database_engine) -> None:
    """Every statement of a search with words starts from the text index, whatever sort:
    never from a sort index walked in order with each row tested against the words (on
    SQLite, with no statistics, that plan took over a minute at 100 000 products)."""
    if database_engine != "sqlite":
        pytest.skip("PostgreSQL's plans depend on its statistics; see docs/catalog.md")
    phones = await catalog.create_category("Телефоны")
    for n in range(3):
        await catalog.create_product(phones["id"], title=f"Смартфон {n}", price=1000 + n)
    statements: list[tuple[str, tuple]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if "products_fts MATCH" in statement:
            statements.append((statement, tuple(parameters)))

    engine = catalog.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for sort in ("relevance", "price_asc", "newest", "rating", "popular"):
            assert (await catalog.search(q="смартфон", sort=sort))["total"] == 3
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert len(statements) == 10  # the counts and the page of each
    async with catalog.db.read_session() as session:
        connection = await session.connection()
        for statement, parameters in statements:
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            first_step = plan.all()[0][3]
            assert first_step.startswith("SCAN products_fts VIRTUAL TABLE"), (statement, first_step)
