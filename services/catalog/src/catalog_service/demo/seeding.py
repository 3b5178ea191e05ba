"""Writing the demo catalog into an empty catalog database.

Only an empty catalog is seeded (no category and no product): a second run, or a run
against a shop an admin has started filling, changes nothing and says so. Two seeders at
once cannot both write: the check and the writes are one unit of work, which first locks the
category tree (``uow.categories.lock_tree``: SQLite's write lock, on PostgreSQL the tree's
version row).

The rows go through the catalog's own rules (``domain``: names, titles, prices, stock,
attributes are cleaned and checked as the admin API does) and are inserted in bulk through
the repositories (``insert_many``): one ``executemany`` of the table's INSERT per thousand
rows. (Through the ORM's bulk path the same rows took 5 600 statements for 30 000 rows and
1.3 to 1.5 times as long.)

Search needs nothing extra: the database keeps its index itself (a generated ``tsvector``
column on PostgreSQL, FTS5 triggers on SQLite), however the rows arrive.

No events. Seeding is an operator loading a fixture, like restoring a backup, not something
that happened in the shop: 2 400 ``ProductCreated`` in the outbox would tell every consumer
about admin actions that never took place (and 100 000 of them for a benchmark would keep
the relay busy for minutes). The catalog stays the source of truth for its products; a
consumer must not assume it saw every product being created, as it would not after a
restore either, and asks the catalog about an id it does not know.

The figures that other flows own (views, orders, ratings) start at zero: inventing them
would make the catalog disagree with the analytics and reviews services.

Pictures: each distinct picture (a leaf category and a brand: about 200) is drawn once and
sent through the platform's image pipeline as an admin upload is (decode, clean, WebP
variants), in parallel threads. Every item then gets its own copy of the files, so that
deleting one product's image never removes another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from catalog_service.adapters.unit_of_work import CatalogUnitOfWork, UnitOfWorkFactory
from catalog_service.demo.generator import (
    DEFAULT_COUNT,
    DEFAULT_SEED,
    DemoCatalog,
    DemoItem,
    DemoPicture,
    generate,
)
from catalog_service.demo.pictures import render
from catalog_service.domain import categories as category_rules
from catalog_service.domain import money
from catalog_service.domain import products as product_rules
from catalog_service.domain.products import Kind, Status
from catalog_service.service.images import LARGE, SMALL
from marketplace_platform.clock import utcnow
from marketplace_platform.files import FileStore
from marketplace_platform.ids import new_id
from marketplace_platform.images import EncodedImage, process_image

BATCH = 1000
CONTENT_TYPE = "image/webp"


@dataclass(frozen=True, slots=True)
class SeedResult:
    """What was written, or (``seeded`` False) what was there already."""

    seeded: bool
    categories: int
    products: int  # goods and services
    services: int  # of which services
    images: int  # product images written


@dataclass(frozen=True, slots=True)
class _Files:
    large: bytes
    small: bytes


async def seed(
    *,
    unit_of_work: UnitOfWorkFactory,
    store: FileStore | None,
    count: int = DEFAULT_COUNT,
    seed: int = DEFAULT_SEED,
) -> SeedResult:
    """Seed ``count`` generated items (with pictures unless ``store`` is None) into an empty
    catalog; into a catalog with anything in it, nothing."""
    async with unit_of_work(read_only=True) as uow:
        found = await _existing(uow)
    if found is not None:  # the common case on every later start: answer before any work
        return found
    catalog = generate(count=count, seed=seed)
    pictures = await _process_pictures(catalog) if store is not None else {}
    written: list[str] = []
    try:
        async with unit_of_work() as uow:
            await uow.categories.lock_tree()
            found = await _existing(uow)
            if found is not None:
                return found
            now = utcnow()
            category_ids = await _insert_categories(uow, catalog, now)
            # Running replicas hold the tree in memory and reload when this number moves.
            await uow.categories.bump_tree_version()
            result = await _insert_items(uow, catalog, category_ids, pictures, store, written, now)
            await uow.commit()
    except BaseException:
        await _remove(store, written)
        raise
    async with unit_of_work() as uow:
        await uow.products.refresh_statistics()
        await uow.commit()
    return result


async def _existing(uow: CatalogUnitOfWork) -> SeedResult | None:
    categories = await uow.categories.count()
    products = await uow.products.count()
    if categories == 0 and products == 0:
        return None
    services = await uow.products.count(kind=Kind.SERVICE.value)
    return SeedResult(False, categories, products, services, 0)


async def _insert_categories(
    uow: CatalogUnitOfWork, catalog: DemoCatalog, now: datetime
) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    paths: dict[str, str] = {}
    tops: list[dict[str, Any]] = []
    children: list[dict[str, Any]] = []
    for category in catalog.categories:
        category_id = new_id()
        parent_path = paths[category.parent] if category.parent else None
        name = category_rules.clean_name(category.name)
        ids[category.slug] = category_id
        paths[category.slug] = category_rules.path_of(category_id, parent_path=parent_path)
        (children if category.parent else tops).append({
            "id": category_id,
            "parent_id": ids[category.parent] if category.parent else None,
            "name": name,
            "name_key": category_rules.name_key(name),
            "path": paths[category.slug],
            "created_at": now,
            "updated_at": now,
        })
    # Top level first: the children's rows refer to them.
    for level in (tops, children):
        await uow.categories.insert_many(level)
    return ids


def _product_row(item: DemoItem, category_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    kind = Kind(item.kind)
    return {
        "id": new_id(),
        "kind": kind.value,
        "status": Status.ACTIVE.value,
        "title": product_rules.clean_title(item.title),
        "description": product_rules.clean_description(item.description),
        "price": money.check_price(item.price),
        "currency": money.clean_currency(item.currency),
        "category_id": category_id,
        "stock": product_rules.check_stock(kind=kind, stock=item.stock),
        "attributes": product_rules.clean_attributes(dict(item.attributes)),
        "rating_avg": 0.0,
        "review_count": 0,
        "rating_changed_at": None,
        "orders_count": 0,
        "views": 0,
        "created_at": now,
        "updated_at": now,
    }


async def _insert_items(
    uow: CatalogUnitOfWork,
    catalog: DemoCatalog,
    category_ids: Mapping[str, uuid.UUID],
    pictures: Mapping[str, _Files],
    store: FileStore | None,
    written: list[str],
    now: datetime,
) -> SeedResult:
    products = services = images = 0
    batch: list[tuple[DemoItem, dict[str, Any]]] = []

    async def flush() -> None:
        nonlocal images
        image_rows: list[dict[str, Any]] = []
        if store is not None:
            image_rows = await _store_images(store, batch, pictures, written, now)
        await uow.products.insert_many([row for _, row in batch], image_rows)
        images += len(image_rows)
        batch.clear()

    for item in catalog.items():
        batch.append((item, _product_row(item, category_ids[item.category], now)))
        products += 1
        if item.kind == Kind.SERVICE:
            services += 1
        if len(batch) == BATCH:
            await flush()
    if batch:
        await flush()
    return SeedResult(True, len(category_ids), products, services, images)


async def _store_images(
    store: FileStore,
    batch: Iterable[tuple[DemoItem, dict[str, Any]]],
    pictures: Mapping[str, _Files],
    written: list[str],
    now: datetime,
) -> list[dict[str, Any]]:
    pairs = [(row["id"], pictures[item.picture]) for item, row in batch]

    async def put(data: bytes) -> str:
        name = await store.put(data, content_type=CONTENT_TYPE)
        written.append(name)  # to remove again if the transaction fails
        return name

    # Every put runs to its end before a failure is raised: one still writing while the
    # caller removes what was written would leave its file behind.
    results = await asyncio.gather(
        *(put(data) for _, files in pairs for data in (files.large, files.small)),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, BaseException):
            raise result
    names = [str(result) for result in results]
    return [
        {
            "id": new_id(),
            "product_id": product_id,
            "position": 0,
            "file": names[2 * i],
            "small_file": names[2 * i + 1],
            "created_at": now,
        }
        for i, (product_id, _) in enumerate(pairs)
    ]


async def _process_pictures(catalog: DemoCatalog) -> dict[str, _Files]:
    """Each picture the items use, drawn and put through the image pipeline once, on as
    many threads as there are cores (Pillow lets go of the GIL while it encodes)."""
    used = {item.picture for item in catalog.items()}
    limit = asyncio.Semaphore(os.cpu_count() or 1)

    async def process(picture: DemoPicture) -> tuple[str, _Files]:
        async with limit:
            variants = await asyncio.to_thread(_pipeline, picture)
        return picture.key, _Files(variants[LARGE.name].data, variants[SMALL.name].data)

    done = await asyncio.gather(*(process(catalog.pictures[key]) for key in sorted(used)))
    return dict(done)


def _pipeline(picture: DemoPicture) -> Mapping[str, EncodedImage]:
    return process_image(render(picture), (LARGE, SMALL))


async def _remove(store: FileStore | None, names: Iterable[str]) -> None:
    if store is None:
        return
    for name in names:
        with contextlib.suppress(OSError):
            await store.delete(name)
