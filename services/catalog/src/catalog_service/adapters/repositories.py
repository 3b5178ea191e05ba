"""Queries on the catalog's tables. Repositories add, find and change rows in the session
they are given; they never commit (the unit of work does).

The repositories of aggregates (products, reservations) hand every product they load or add
to ``track``: the unit of work that built them then collects the events the product records
and writes them to the outbox with the commit. Reads for the API (``read``,
``read_images``), the bulk updates of the event-fed figures and the demo seeder's bulk loads
bypass the aggregate: they are queries, counters and fixtures, with no rule to keep."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service.adapters.orm import (
    Category,
    CategoryTreeVersion,
    product_images,
    products,
    stock_reservations,
)
from catalog_service.domain.products import Product
from catalog_service.domain.stock import Reservation

Track = Callable[[Product], Product]

# Product reads for the API go through Core on the tables, not the ORM: rows come back as
# plain mappings, with no identity map, no instance state and no lazy loading to pay for on
# the most common requests of the shop.
PRODUCTS = products
IMAGES = product_images
PRODUCT_COLUMNS = tuple(PRODUCTS.c)
IMAGE_COLUMNS = (IMAGES.c.product_id, IMAGES.c.id, IMAGES.c.file, IMAGES.c.small_file)

Record = Mapping[str, Any]  # a row by column name

# Built once: the statement cache then knows it by identity. The product and its pictures in
# one round trip; a product without pictures is one row of NULL image columns.
_PRODUCT_WITH_IMAGES = (
    select(
        *PRODUCT_COLUMNS,
        IMAGES.c.id.label("image_id"),
        IMAGES.c.file.label("image_file"),
        IMAGES.c.small_file.label("image_small_file"),
    )
    .select_from(PRODUCTS.outerjoin(IMAGES, IMAGES.c.product_id == PRODUCTS.c.id))
    .where(PRODUCTS.c.id == bindparam("product_id"))
    .order_by(IMAGES.c.position)
)
TREE_VERSION = CategoryTreeVersion.__table__
_TREE_VERSION = select(TREE_VERSION.c.version).where(TREE_VERSION.c.id == 1)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class CategoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, category: Category) -> None:
        self.session.add(category)

    async def get(self, category_id: uuid.UUID) -> Category | None:
        return await self.session.get(Category, category_id)

    async def get_all(self) -> Sequence[Category]:
        """Every category, parents before their children, siblings by name."""
        query = select(Category).order_by(Category.path)
        categories = (await self.session.scalars(query)).all()
        return sorted(categories, key=lambda category: (category.path.count("/"), category.name))

    async def name_taken(
        self, *, parent_id: uuid.UUID | None, name_key: str, other_than: uuid.UUID | None = None
    ) -> bool:
        parent: ColumnElement[bool] = (
            Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
        )
        query = select(Category.id).where(parent, Category.name_key == name_key)
        if other_than is not None:
            query = query.where(Category.id != other_than)
        return await self.session.scalar(query.limit(1)) is not None

    async def subtree_paths(self, path: str) -> list[str]:
        query = select(Category.path).where(Category.path.like(f"{path}%"))
        return list((await self.session.scalars(query)).all())

    async def move_subtree(self, *, old_path: str, new_path: str, at: datetime) -> None:
        """Rewrite the prefix ``old_path`` of every path in the subtree to ``new_path``."""
        await self.session.execute(
            update(Category)
            .where(Category.path.like(f"{old_path}%"))
            .values(
                path=new_path + func.substr(Category.path, len(old_path) + 1),
                updated_at=at,
            )
            .execution_options(synchronize_session=False)
        )

    async def has_children(self, category_id: uuid.UUID) -> bool:
        query = select(exists().where(Category.parent_id == category_id))
        return bool(await self.session.scalar(query))

    async def has_products(self, category_id: uuid.UUID) -> bool:
        """Any product, archived ones included: old orders still show their category."""
        query = select(exists().where(PRODUCTS.c.category_id == category_id))
        return bool(await self.session.scalar(query))

    async def delete(self, category: Category) -> None:
        await self.session.delete(category)

    async def tree_version(self) -> int:
        return int(await self.session.scalar(_TREE_VERSION) or 0)

    async def bump_tree_version(self) -> None:
        """Part of every change of the tree, in its transaction: caches compare versions."""
        await self.session.execute(
            update(TREE_VERSION)
            .where(TREE_VERSION.c.id == 1)
            .values(version=TREE_VERSION.c.version + 1)
        )

    async def lock_tree(self) -> None:
        """Hold every other change of the tree back until this transaction ends: the tree's
        version row is locked (PostgreSQL; SQLite holds its one write lock already), and
        every change of the tree updates that row."""
        await self.session.execute(_TREE_VERSION.with_for_update())

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(Category)) or 0)

    async def insert_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert category rows in bulk (one ``executemany``), parents before children."""
        await self.session.execute(insert(Category.__table__), rows)

    async def active_product_counts(self) -> dict[uuid.UUID, int]:
        """Active products per category they sit in directly."""
        query = (
            select(PRODUCTS.c.category_id, func.count())
            .where(PRODUCTS.c.status == "active")
            .group_by(PRODUCTS.c.category_id)
        )
        return {category_id: int(count) for category_id, count in await self.session.execute(query)}


class ProductRepository:
    def __init__(self, session: AsyncSession, *, track: Track) -> None:
        self.session = session
        self._track = track

    def add(self, product: Product) -> None:
        self.session.add(self._track(product))

    async def exists(self, product_id: uuid.UUID) -> bool:
        query = select(exists().where(PRODUCTS.c.id == product_id))
        return bool(await self.session.scalar(query))

    async def lock(self, product_id: uuid.UUID) -> Product | None:
        """The product, its row locked until the transaction ends (PostgreSQL; SQLite holds
        its one write lock already): an admin's absolute stock level and a concurrent
        reservation's decrement are applied one after the other."""
        found = await self.lock_many([product_id])
        return found.get(product_id)

    async def lock_many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Product]:
        """The products found among ``ids``, their rows locked in id order (the order every
        transaction locks them in, so two reservations cannot deadlock).

        What makes "never oversell" hold on PostgreSQL: a concurrent reservation of the same
        product waits here until this transaction ends, then reads the stock it left."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = (
            select(Product)
            .where(PRODUCTS.c.id.in_(wanted))
            .order_by(PRODUCTS.c.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {product.id: self._track(product) for product in await self.session.scalars(query)}

    async def read(self, product_id: uuid.UUID) -> tuple[Record, list[Record]] | None:
        """A product's row and its pictures' rows (``id``, ``file``, ``small_file``, in
        order), in one query."""
        connection = await self.session.connection()
        result = await connection.execute(_PRODUCT_WITH_IMAGES, {"product_id": product_id})
        rows = result.mappings().all()
        if not rows:
            return None
        images: list[Record] = [
            {
                "id": row["image_id"],
                "file": row["image_file"],
                "small_file": row["image_small_file"],
            }
            for row in rows
            if row["image_id"] is not None
        ]
        return rows[0], images

    async def read_images(self, product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Record]]:
        """The pictures of several products, each product's in order, in one query."""
        found: dict[uuid.UUID, list[Record]] = defaultdict(list)
        if not product_ids:
            return found
        query = (
            select(*IMAGE_COLUMNS)
            .where(IMAGES.c.product_id.in_(product_ids))
            .order_by(IMAGES.c.product_id, IMAGES.c.position)
        )
        connection = await self.session.connection()
        for row in (await connection.execute(query)).mappings():
            found[row["product_id"]].append(row)
        return found

    async def count(self, *, kind: str | None = None) -> int:
        """Products of every status, of one ``kind`` if given."""
        query = select(func.count()).select_from(PRODUCTS)
        if kind is not None:
            query = query.where(PRODUCTS.c.kind == kind)
        return int(await self.session.scalar(query) or 0)

    async def insert_many(
        self, rows: Sequence[Mapping[str, Any]], images: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        """Insert product rows, and then their pictures' rows, in bulk (one ``executemany``
        each): for loading a fixture, with neither aggregates nor events."""
        await self.session.execute(insert(PRODUCTS), rows)
        if images:
            await self.session.execute(insert(IMAGES), images)

    async def refresh_statistics(self) -> None:
        """After a bulk load PostgreSQL's planner knows nothing of the new rows until
        autovacuum comes by (up to a minute): until then it may scan where an index would
        do. SQLite keeps no statistics unless asked, and is not."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(text("ANALYZE categories, products, product_images"))

    async def add_views(self, counts: dict[uuid.UUID, int]) -> None:
        if counts:
            await self.session.execute(
                _ADD_VIEWS,
                [{"product": key, "added": views} for key, views in sorted(counts.items())],
            )

    async def add_orders(self, product_ids: Iterable[uuid.UUID]) -> None:
        ids = sorted(set(product_ids))
        if ids:
            await self.session.execute(_ADD_ORDERS, {"products": ids})

    async def set_rating(
        self, product_id: uuid.UUID, *, average: float, count: int, as_of: datetime
    ) -> bool:
        """Store a rating aggregate unless a newer one is already there (events about one
        product can arrive out of order after a redelivery). True if stored."""
        result = await self.session.execute(
            _SET_RATING,
            {"product": product_id, "average": average, "reviews": count, "as_of": as_of},
        )
        return _rowcount(result) == 1


# The figures' updates, one per kind of event, built once and run with parameters: the
# consumer applies them for every saga, and building a statement cost more than its SQL.
# Each is relative or conditional, so several events about one product in one transaction
# (a group commit) add up, and the newest rating wins whatever their order.
_ADD_VIEWS = (
    update(PRODUCTS)
    .where(PRODUCTS.c.id == bindparam("product"))
    .values(views=PRODUCTS.c.views + bindparam("added"))
    .execution_options(synchronize_session=False)
)
_ADD_ORDERS = (
    update(PRODUCTS)
    .where(PRODUCTS.c.id.in_(bindparam("products", expanding=True)))
    .values(orders_count=PRODUCTS.c.orders_count + 1)
    .execution_options(synchronize_session=False)
)
_SET_RATING = (
    update(PRODUCTS)
    .where(
        PRODUCTS.c.id == bindparam("product"),
        or_(
            PRODUCTS.c.rating_changed_at.is_(None),
            PRODUCTS.c.rating_changed_at < bindparam("as_of"),
        ),
    )
    .values(
        rating_avg=bindparam("average"),
        review_count=bindparam("reviews"),
        rating_changed_at=bindparam("as_of"),
    )
    .execution_options(synchronize_session=False)
)


class ReservationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, reservation: Reservation) -> None:
        self.session.add(reservation)

    async def get(self, reservation_id: uuid.UUID) -> Reservation | None:
        return await self.session.get(Reservation, reservation_id)

    async def lock(self, reservation_id: uuid.UUID) -> Reservation | None:
        """The reservation, locked until the transaction ends (PostgreSQL; SQLite holds its
        one write lock already), so a release and a commit cannot interleave."""
        query = (
            select(Reservation)
            .where(stock_reservations.c.id == reservation_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return await self.session.scalar(query)
