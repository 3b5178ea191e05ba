"""Seeding the demo catalog into the real schema (SQLite, and PostgreSQL when configured):
it fills an empty catalog and only an empty one, writes no events, keeps search right,
stores pictures the service serves, and leaves nothing behind when it fails."""

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from catalog_service.demo.generator import generate
from catalog_service.demo.seeding import SeedResult, seed
from marketplace_platform.files import LocalFileStore

pytestmark = pytest.mark.integration

PRODUCTS = "/api/catalog/products"


async def run_seed(catalog, *, count: int, images: bool = False, store=None) -> SeedResult:
    if images and store is None:
        store = catalog.components.images
    return await seed(unit_of_work=catalog.components.unit_of_work, store=store, count=count)


async def product_ids(catalog) -> set[str]:
    async with catalog.db.read_session() as session:
        rows = await session.execute(text("SELECT id FROM products"))
        return {str(row[0]) for row in rows}


async def test_an_empty_catalog_is_filled(catalog) -> None:
    result = await run_seed(catalog, count=300)

    expected = generate(count=300)
    kinds = [item.kind for item in expected.items()]
    assert result == SeedResult(
        seeded=True,
        categories=len(expected.categories),
        products=300,
        services=kinds.count("service"),
        images=0,
    )
    assert await catalog.scalar("SELECT count(*) FROM products") == 300
    assert (
        await catalog.scalar(
            "SELECT count(*) FROM products WHERE kind = 'service' AND stock IS NOT NULL"
        )
        == 0
    )
    assert await catalog.scalar("SELECT count(*) FROM products WHERE status = 'active'") == 300


async def test_the_tree_has_two_levels_with_every_item_in_a_leaf(catalog) -> None:
    await run_seed(catalog, count=300)

    response = await catalog.http.get("/api/catalog/categories")
    assert response.status_code == 200, response.text
    tree = response.json()["items"]
    assert len(tree) == 8
    assert all(top["children"] for top in tree)
    assert all(not leaf["children"] for top in tree for leaf in top["children"])
    assert sum(top["product_count"] for top in tree) == 300


async def test_a_second_run_changes_nothing(catalog) -> None:
    first = await run_seed(catalog, count=120)
    before = await product_ids(catalog)

    again = await run_seed(catalog, count=120)

    assert again == SeedResult(
        False, categories=41, products=120, services=first.services, images=0
    )
    assert await product_ids(catalog) == before


async def test_a_catalog_an_admin_has_started_is_left_alone(catalog) -> None:
    await catalog.create_category("Моя категория")

    result = await run_seed(catalog, count=50)

    assert not result.seeded
    assert await catalog.scalar("SELECT count(*) FROM categories") == 1
    assert await catalog.scalar("SELECT count(*) FROM products") == 0


async def test_two_seeders_at_once_seed_once(catalog) -> None:
    first, second = await asyncio.gather(run_seed(catalog, count=200), run_seed(catalog, count=200))

    assert sorted([first.seeded, second.seeded]) == [False, True]
    assert await catalog.scalar("SELECT count(*) FROM products") == 200
    assert await catalog.scalar("SELECT count(*) FROM categories") == 41


async def test_seeding_publishes_no_events(catalog) -> None:
    await run_seed(catalog, count=100)

    assert await catalog.outbox() == []


@pytest.mark.parametrize(
    ("query", "stem"),
    [
        ("смартфоны", "смартфон"),  # a plural finds the singular of the titles
        ("наушников", "наушник"),  # so does the genitive
        ("laptops", "laptop"),
        ("ремонт", "ремонт"),
    ],
)
async def test_seeded_items_are_found_by_search(catalog, query: str, stem: str) -> None:
    await run_seed(catalog, count=600)

    holding = [
        item
        for item in generate(count=600).items()
        if stem in f"{item.title} {item.description}".casefold()
    ]
    best = min(len(holding), 5)

    page = await catalog.search(q=query, limit=10)

    # The best matches hold the word; further down, PostgreSQL's typo tolerance may add
    # look-alikes ("Теремок" for "ремонт"), which is its job.
    assert best >= 3
    assert len(page["items"]) >= best, f"too little found for {query!r}"
    for item in page["items"][:best]:
        text = f"{item['title']} {item['description']}".casefold()
        assert stem in text, item["title"]


async def test_search_filters_and_sorts_the_seeded_catalog(catalog) -> None:
    await run_seed(catalog, count=600)
    tree = (await catalog.http.get("/api/catalog/categories")).json()["items"]
    electronics = next(top for top in tree if top["name"] == "Электроника")
    leaves = {leaf["id"] for leaf in electronics["children"]}

    page = await catalog.search(
        category=electronics["id"],
        min_price=1_000_000,
        max_price=5_000_000,
        sort="price_asc",
        limit=50,
    )

    prices = [item["price"] for item in page["items"]]
    assert prices
    assert prices == sorted(prices)
    assert all(1_000_000 <= price <= 5_000_000 for price in prices)
    assert {item["category"]["id"] for item in page["items"]} <= leaves


async def test_pictures_are_stored_and_served(catalog) -> None:
    result = await run_seed(catalog, count=30, images=True)

    assert result.images == 30
    page = await catalog.search(limit=30)
    assert len(page["items"]) == 30
    for item in page["items"]:
        [image] = (await catalog.product(item["id"]))["images"]
        small = await catalog.http.get(image["small_url"])
        assert small.status_code == 200
        assert small.headers["content-type"] == "image/webp"
        assert Image.open(io.BytesIO(small.content)).size == (320, 320)
    # Every product has files of its own: deleting one image leaves the others.
    names = {image.name for image in catalog.components.settings.images_path.iterdir()}
    assert len(names) == 60


class FailingStore(LocalFileStore):
    """Fails on the ``fail_at``-th file, as a full disk would."""

    def __init__(self, directory: Path, fail_at: int) -> None:
        super().__init__(directory)
        self.puts = 0
        self.fail_at = fail_at

    async def put(self, data: bytes, *, content_type: str) -> str:
        self.puts += 1
        if self.puts == self.fail_at:
            raise OSError("No space left on device")
        if self.puts > self.fail_at:
            # Writes started alongside the failing one end after it: their files must not
            # outlive the clean-up either.
            await asyncio.sleep(0.05)
        return await super().put(data, content_type=content_type)


async def test_a_failed_seeding_leaves_no_rows_and_no_files(catalog, tmp_path: Path) -> None:
    directory = tmp_path / "images"
    store = FailingStore(directory, fail_at=25)

    with pytest.raises(OSError, match="No space"):
        await run_seed(catalog, count=20, store=store)
    await asyncio.sleep(0.3)  # long enough for any write still under way to land

    assert await catalog.scalar("SELECT count(*) FROM products") == 0
    assert await catalog.scalar("SELECT count(*) FROM categories") == 0
    assert list(directory.iterdir()) == []
    # And the catalog can still be seeded afterwards.
    assert (await run_seed(catalog, count=20)).seeded
