"""Products and services: read one, and the admin's create, edit and archive.

The rules and the events are the ``Product``'s (``domain.products``); a use case opens a unit
of work, finds the product through it, asks it to change, and commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from catalog_service.adapters.repositories import Record
from catalog_service.adapters.unit_of_work import CatalogUnitOfWork, UnitOfWorkFactory
from catalog_service.domain import money
from catalog_service.domain import products as rules
from catalog_service.domain.errors import ProductNotFound, UnknownCategory
from catalog_service.domain.products import Kind, Product
from catalog_service.service.category_cache import CachedCategory, CategoryCache
from marketplace_platform.clock import utcnow
from marketplace_platform.ids import new_id


@dataclass(frozen=True, slots=True)
class ProductRecord:
    """A product as the API shows it: its row, its pictures' rows, its category's trail from
    the top of the tree (the last one is its own category)."""

    product: Record
    images: Sequence[Record]
    trail: tuple[CachedCategory, ...]


async def get(
    *, unit_of_work: UnitOfWorkFactory, categories: CategoryCache, product_id: uuid.UUID
) -> ProductRecord:
    """A product by id, archived ones included: an old order links to it.

    The hottest read of the shop: one query (the product and its pictures, as rows, not a
    ``Product``) in a read-only unit of work, which on SQLite never waits for the write lock
    (see ``docs/catalog.md``); the category and its ancestors come from the tree held in
    memory."""
    async with unit_of_work(read_only=True) as uow:
        found = await uow.products.read(product_id)
    if found is None:
        raise ProductNotFound("There is no product with this id.")
    product, images = found
    snapshot = await categories.find([product["category_id"]])
    return ProductRecord(product, images, snapshot.trail(product["category_id"]))


async def create(
    *,
    unit_of_work: UnitOfWorkFactory,
    title: str,
    price: int,
    category_id: uuid.UUID,
    kind: Kind,
    description: str = "",
    currency: str = money.DEFAULT_CURRENCY,
    stock: int | None = None,
    attributes: dict[str, Any] | None = None,
) -> Product:
    """A new active product (or service); it records ``ProductCreated``."""
    product = Product.create(
        id=new_id(),
        kind=kind,
        title=title,
        description=description,
        price=price,
        currency=currency,
        category_id=category_id,
        stock=stock,
        attributes=attributes,
        now=utcnow(),
    )
    async with unit_of_work() as uow:
        await _check_category(uow, category_id)
        uow.products.add(product)
        await uow.commit()
    return product


async def update(
    *, unit_of_work: UnitOfWorkFactory, product_id: uuid.UUID, changes: dict[str, Any]
) -> Product:
    """Apply an admin's changes (only the fields given). The product records
    ``ProductUpdated`` naming them, and ``ProductPriceChanged``, ``StockChanged`` or
    ``ProductArchived`` as they apply."""
    cleaned = rules.clean_changes(changes)
    async with unit_of_work() as uow:
        product = await _lock_or_raise(uow, product_id)
        if "category_id" in cleaned and cleaned["category_id"] != product.category_id:
            await _check_category(uow, cleaned["category_id"])
        product.change(cleaned, now=utcnow())
        await uow.commit()  # also when unchanged: a rolled-back session would expire ``product``
    return product


async def archive(*, unit_of_work: UnitOfWorkFactory, product_id: uuid.UUID) -> Product:
    """What DELETE does: the product leaves search and lists, and can no longer be ordered,
    but stays readable by id, so old orders still show it. Archiving twice changes nothing."""
    async with unit_of_work() as uow:
        product = await _lock_or_raise(uow, product_id)
        product.archive(now=utcnow())
        await uow.commit()
    return product


async def _check_category(uow: CatalogUnitOfWork, category_id: uuid.UUID) -> None:
    if await uow.categories.get(category_id) is None:
        raise UnknownCategory("There is no category with this id.")


async def _lock_or_raise(uow: CatalogUnitOfWork, product_id: uuid.UUID) -> Product:
    """The product, its row locked until commit (PostgreSQL), so an admin's absolute stock
    level and a concurrent reservation's decrement are applied one after the other."""
    product = await uow.products.lock(product_id)
    if product is None:
        raise ProductNotFound("There is no product with this id.")
    return product
