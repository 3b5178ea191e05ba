"""Products and services: read one, and the admin's create, edit and archive."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service.adapters.orm import Product
from catalog_service.adapters.repositories import CategoryRepository, ProductRepository, Record
from catalog_service.domain import money
from catalog_service.domain import products as rules
from catalog_service.domain.errors import ProductNotFound, UnknownCategory
from catalog_service.domain.products import Kind, Status
from catalog_service.service.category_cache import CachedCategory, CategoryCache
from marketplace_contracts import (
    ProductArchived,
    ProductCreated,
    ProductPriceChanged,
    ProductUpdated,
    StockChanged,
)
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.ids import new_id

# What an admin may change with PATCH; ``kind`` is fixed at creation (a product that becomes
# a service is a new listing).
EDITABLE = frozenset(
    {"title", "description", "price", "currency", "category_id", "stock", "attributes", "status"}
)


@dataclass(frozen=True, slots=True)
class ProductRecord:
    """A product as the API shows it: its row, its pictures' rows, its category's trail from
    the top of the tree (the last one is its own category)."""

    product: Record
    images: Sequence[Record]
    trail: tuple[CachedCategory, ...]


async def get(*, db: Database, categories: CategoryCache, product_id: uuid.UUID) -> ProductRecord:
    """A product by id, archived ones included: an old order links to it.

    The hottest read of the shop: one query (the product and its pictures); the category
    and its ancestors come from the tree held in memory."""
    async with db.read_session() as session:
        found = await ProductRepository(session).read(product_id)
    if found is None:
        raise ProductNotFound("There is no product with this id.")
    product, images = found
    snapshot = await categories.find([product["category_id"]])
    return ProductRecord(product, images, snapshot.trail(product["category_id"]))


async def create(
    *,
    uow: UnitOfWork,
    title: str,
    price: int,
    category_id: uuid.UUID,
    kind: Kind,
    description: str = "",
    currency: str = money.DEFAULT_CURRENCY,
    stock: int | None = None,
    attributes: dict[str, Any] | None = None,
) -> Product:
    """A new active product (or service); publishes ``ProductCreated``."""
    now = utcnow()
    product = Product(
        id=new_id(),
        kind=kind.value,
        status=Status.ACTIVE.value,
        title=rules.clean_title(title),
        description=rules.clean_description(description),
        price=money.check_price(price),
        currency=money.clean_currency(currency),
        category_id=category_id,
        stock=rules.check_stock(kind=kind, stock=stock),
        attributes=rules.clean_attributes(attributes or {}),
        rating_avg=0.0,
        review_count=0,
        orders_count=0,
        views=0,
        created_at=now,
        updated_at=now,
        images=[],
    )
    async with uow:
        await _check_category(uow.session, category_id)
        ProductRepository(uow.session).add(product)
        uow.publish(
            ProductCreated(
                product_id=product.id,
                title=product.title,
                kind=kind.value,
                category_id=category_id,
                price=product.price,
                currency=product.currency,
                stock=product.stock,
            )
        )
        await uow.commit()
    return product


async def update(*, uow: UnitOfWork, product_id: uuid.UUID, changes: dict[str, Any]) -> Product:
    """Apply an admin's changes (only the fields given). Publishes ``ProductUpdated`` naming
    them, and ``ProductPriceChanged``, ``StockChanged`` or ``ProductArchived`` as they apply."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    cleaned = _clean_changes(changes)
    now = utcnow()
    async with uow:
        product = await _lock_or_raise(uow.session, product_id)
        if "stock" in cleaned:
            cleaned["stock"] = rules.check_stock_change(
                kind=Kind(product.kind), stock=cleaned["stock"]
            )
        if "category_id" in cleaned and cleaned["category_id"] != product.category_id:
            await _check_category(uow.session, cleaned["category_id"])
        changed = sorted(f for f, value in cleaned.items() if getattr(product, f) != value)
        if changed:
            old_price, old_stock = product.price, product.stock
            for field_name in changed:
                setattr(product, field_name, cleaned[field_name])
            product.updated_at = now
            uow.publish(
                ProductUpdated(
                    product_id=product.id,
                    title=product.title,
                    category_id=product.category_id,
                    status=product.status,  # type: ignore[arg-type]
                    changed=changed,
                )
            )
            if "price" in changed or "currency" in changed:
                uow.publish(
                    ProductPriceChanged(
                        product_id=product.id,
                        old_price=old_price,
                        new_price=product.price,
                        currency=product.currency,
                    )
                )
            if "stock" in changed:
                uow.publish(
                    StockChanged(
                        product_id=product.id,
                        stock=product.stock,
                        delta=(product.stock or 0) - (old_stock or 0),
                        reason="adjusted",
                    )
                )
            if "status" in changed and product.status == Status.ARCHIVED.value:
                uow.publish(ProductArchived(product_id=product.id))
        await uow.commit()  # also when unchanged: a rolled-back session would expire ``product``
    return product


async def archive(*, uow: UnitOfWork, product_id: uuid.UUID) -> Product:
    """What DELETE does: the product leaves search and lists, and can no longer be ordered,
    but stays readable by id, so old orders still show it. Archiving twice changes nothing."""
    return await update(uow=uow, product_id=product_id, changes={"status": Status.ARCHIVED})


def _clean_changes(changes: dict[str, Any]) -> dict[str, Any]:
    cleaners = {
        "title": rules.clean_title,
        "description": rules.clean_description,
        "price": money.check_price,
        "currency": money.clean_currency,
        "attributes": rules.clean_attributes,
        "status": lambda status: Status(status).value,
    }
    return {
        name: cleaners[name](value) if name in cleaners else value
        for name, value in changes.items()
    }


async def _check_category(session: AsyncSession, category_id: uuid.UUID) -> None:
    if await CategoryRepository(session).get(category_id) is None:
        raise UnknownCategory("There is no category with this id.")


async def _lock_or_raise(session: AsyncSession, product_id: uuid.UUID) -> Product:
    """The product, its row locked until commit (PostgreSQL), so an admin's absolute stock
    level and a concurrent reservation's decrement are applied one after the other."""
    query = select(Product).where(Product.id == product_id).with_for_update()
    product = await session.scalar(query)
    if product is None:
        raise ProductNotFound("There is no product with this id.")
    return product
