"""Repositories of the reviews service: they find, add and change rows in the session they
are given, hand every aggregate they load or add to ``track`` (so its recorded events go out
with the commit), and never commit.

Counters that many users move at once (a review's likes and comments) are changed by one
relative ``UPDATE ... SET likes = likes + 1 ... RETURNING likes``: no read-modify-write, so
no lost update, and the count after the change comes back in the same statement. The rating
figures are read under a lock instead (``RatingRepository.lock``), since the aggregate
computes what it publishes from them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, case, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_platform.aggregates import Aggregate
from marketplace_platform.db import dialect_insert
from reviews_service.adapters.orm import (
    authors,
    comments,
    product_ratings,
    products,
    purchase_lines,
    purchase_orders,
    reviews,
)
from reviews_service.domain.comments import Comment
from reviews_service.domain.errors import ALREADY_REVIEWED, AlreadyReviewed
from reviews_service.domain.likes import Liked
from reviews_service.domain.products import PURCHASED_STATUSES, KnownProduct, ProductStatus
from reviews_service.domain.ratings import ProductRating
from reviews_service.domain.reviews import Review

A = TypeVar("A", bound=Aggregate)
Track = Callable[[Any], Any]


_ONE_PER_AUTHOR = ("uq_reviews_product_id_author_id", "reviews.product_id, reviews.author_id")


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


class _Repository:
    def __init__(self, session: AsyncSession, *, track: Track) -> None:
        self.session = session
        self._track = track

    async def _locked(self, kind: type[A], key: Any, column: Any) -> A | None:
        """The row as an aggregate, locked until commit (PostgreSQL; SQLite's writing
        transactions hold the whole database) and freshly read, so that concurrent changes
        queue here and each sees what the previous one left."""
        query = (
            select(kind)
            .where(column == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        found = await self.session.scalar(query)
        return None if found is None else self._track(found)

    async def _bump(self, table: Table, row_id: uuid.UUID, column: str, delta: int) -> int:
        """``column += delta`` in one statement; the value after it."""
        counter = table.c[column]
        statement = (
            update(table)
            .where(table.c.id == row_id)
            .values({column: counter + delta})
            .returning(counter)
        )
        return int((await self.session.execute(statement)).scalar_one())


class ReviewRepository(_Repository):
    async def add(self, review: Review) -> None:
        """Stored at once, so that a second review of the product by the same author, made
        by a concurrent transaction, fails here on the unique index as ``AlreadyReviewed``."""
        self.session.add(self._track(review))
        try:
            await self.session.flush()
        except IntegrityError as error:
            # PostgreSQL names the constraint, SQLite its columns.
            if not any(name in str(error) for name in _ONE_PER_AUTHOR):
                raise
            raise AlreadyReviewed(ALREADY_REVIEWED) from None

    async def lock(self, review_id: uuid.UUID) -> Review | None:
        return await self._locked(Review, review_id, reviews.c.id)

    async def get(self, review_id: uuid.UUID) -> Review | None:
        found = await self.session.get(Review, review_id)
        return None if found is None else self._track(found)

    async def of_author(self, product_id: uuid.UUID, author_id: uuid.UUID) -> Review | None:
        query = select(Review).where(
            reviews.c.product_id == product_id, reviews.c.author_id == author_id
        )
        found = await self.session.scalar(query.with_for_update())
        return None if found is None else self._track(found)

    async def of_author_in_order(
        self, order_id: uuid.UUID, author_id: uuid.UUID
    ) -> Sequence[Review]:
        """The author's reviews of the products of one of their orders, locked."""
        found = await self.session.scalars(
            _OF_AUTHOR_IN_ORDER, {"order": order_id, "author": author_id}
        )
        return [self._track(review) for review in found]

    async def exists_of_author(self, product_id: uuid.UUID, author_id: uuid.UUID) -> bool:
        query = select(
            exists().where(reviews.c.product_id == product_id, reviews.c.author_id == author_id)
        )
        return bool(await self.session.scalar(query))

    async def erase(self, review: Review) -> None:
        """Gone, with its comments and likes (the foreign keys cascade)."""
        await self.session.delete(review)

    async def add_comments(self, review_id: uuid.UUID, delta: int) -> int:
        return await self._bump(reviews, review_id, "comments", delta)


class CommentRepository(_Repository):
    def add(self, comment: Comment) -> None:
        self.session.add(self._track(comment))

    async def lock(self, comment_id: uuid.UUID) -> Comment | None:
        return await self._locked(Comment, comment_id, comments.c.id)

    async def get(self, comment_id: uuid.UUID) -> Comment | None:
        found = await self.session.get(Comment, comment_id)
        return None if found is None else self._track(found)

    async def of_review(self, review_id: uuid.UUID) -> Sequence[Comment]:
        """All the review's comments, whatever their status, locked until commit."""
        query = select(Comment).where(comments.c.review_id == review_id).with_for_update()
        return [self._track(comment) for comment in await self.session.scalars(query)]

    async def erase(self, comment: Comment) -> None:
        await self.session.delete(comment)


class _LikeStatements:
    """The like path's statements, built once per table pair and dialect and run with
    parameters: building a SQLAlchemy statement and its cache key costs more than running
    it, and a like runs two of them."""

    def __init__(self, dialect_insert: Any, likes: Table, target: Table) -> None:
        [key] = [column for column in likes.primary_key.columns if column.name != "user_id"]
        names = ["id", "product_id", "author_id", "status", "likes"]
        if "review_id" in target.c:
            names += ["review_id", "review_author_id"]
        self.facts = [target.c[name] for name in names]
        target_id = bindparam("target_id", type_=target.c.id.type)
        # INSERT ... SELECT: the SELECT takes the id from the liked thing's row, so a like of
        # nothing inserts nothing.
        existing = select(
            target.c.id,
            bindparam("user_id", type_=likes.c.user_id.type),
            bindparam("at", type_=likes.c.created_at.type),
        ).where(target.c.id == target_id)
        self.add = (
            dialect_insert(likes)
            .from_select([key.name, "user_id", "created_at"], existing)
            .on_conflict_do_nothing()
        )
        self.remove = (
            delete(likes)
            .where(key == target_id, likes.c.user_id == bindparam("user_id"))
            .returning(likes.c.created_at)
        )
        self.count = (
            update(target)
            .where(target.c.id == target_id)
            .values(likes=target.c.likes + bindparam("delta", type_=target.c.likes.type))
            .returning(*self.facts)
        )
        self.liked = select(*self.facts).where(target.c.id == target_id)
        # Many likes at once (group commit): one multi-row INSERT, which names the new ones.
        self.add_many = (
            dialect_insert(likes).on_conflict_do_nothing().returning(key, likes.c.user_id)
        )
        self.key, self.likes_table, self.target = key, likes, target


_like_statements: dict[tuple[Any, str, str], _LikeStatements] = {}


class LikeRepository:
    """Who liked what (one row per user and review, or comment, or none), and the liked
    thing's counter, for the likes of ``target`` (the reviews or the comments table).

    None of it loads an aggregate: a like is a handful of statements, and the counter's own
    statement returns what the domain's rules need of the thing liked (``Liked``)."""

    def __init__(self, session: AsyncSession, likes: Table, target: Table) -> None:
        self.session = session
        insert_of = dialect_insert(session)
        key = (insert_of, likes.name, target.name)
        statements = _like_statements.get(key)
        if statements is None:
            statements = _like_statements[key] = _LikeStatements(insert_of, likes, target)
        self._statements = statements

    async def add(self, target_id: uuid.UUID, user_id: uuid.UUID, *, at: datetime) -> bool:
        """True if the like is new; a second one (or a concurrent twin) changes nothing, and
        so does a like of a review or comment that does not exist."""
        parameters = {"target_id": target_id, "user_id": user_id, "at": at}
        return _rowcount(await self.session.execute(self._statements.add, parameters)) == 1

    async def remove(self, target_id: uuid.UUID, user_id: uuid.UUID) -> datetime | None:
        """When the like taken away was given (to put it back as it was if the rules refuse
        the unlike); None if there was no like to remove."""
        parameters = {"target_id": target_id, "user_id": user_id}
        return (await self.session.execute(self._statements.remove, parameters)).scalar()

    async def count(self, target_id: uuid.UUID, delta: int) -> Liked | None:
        """``likes += delta`` in one statement (no lost update however many like at once),
        and the liked thing as that statement left it; None if there is no such thing."""
        parameters = {"target_id": target_id, "delta": delta}
        row = (await self.session.execute(self._statements.count, parameters)).first()
        return None if row is None else Liked(*row)

    async def liked(self, target_id: uuid.UUID) -> Liked | None:
        """The thing and its count as they are, when a like or an unlike changed nothing."""
        parameters = {"target_id": target_id}
        row = (await self.session.execute(self._statements.liked, parameters)).first()
        return None if row is None else Liked(*row)

    async def add_all(
        self, likes: Sequence[tuple[uuid.UUID, uuid.UUID]], *, at: datetime
    ) -> set[tuple[uuid.UUID, uuid.UUID]] | None:
        """Many ``(target_id, user_id)`` likes in one statement; the ones that were new. A
        like of a thing that does not exist fails the statement (the foreign key): None,
        nothing stored, and the caller takes them one at a time (``add``)."""
        statements = self._statements
        rows = [
            {statements.key.name: target_id, "user_id": user_id, "created_at": at}
            for target_id, user_id in likes
        ]
        try:
            # In a savepoint, so that a failure leaves the transaction usable (PostgreSQL
            # aborts the whole transaction at an error otherwise).
            async with self.session.begin_nested():
                result = await self.session.execute(statements.add_many, rows)
                new = {(target_id, user_id) for target_id, user_id in result.all()}
        except IntegrityError:
            return None
        return new

    async def count_all(self, deltas: dict[uuid.UUID, int]) -> dict[uuid.UUID, Liked]:
        """``likes += delta`` for many things in one statement, and each as it left it."""
        target = self._statements.target
        statement = (
            update(target)
            .where(target.c.id.in_(list(deltas)))
            .values(likes=target.c.likes + case(deltas, value=target.c.id))
            .returning(*self._statements.facts)
        )
        rows = (await self.session.execute(statement)).all()
        return {row[0]: Liked(*row) for row in rows}


class RatingRepository(_Repository):
    async def lock(self, product_id: uuid.UUID) -> ProductRating:
        """The product's figures (zeros for its first review), locked until commit."""
        create = (
            dialect_insert(self.session)(product_ratings)
            .values(product_id=product_id, **{f"stars_{n}": 0 for n in range(1, 6)})
            .on_conflict_do_nothing()
        )
        await self.session.execute(create)
        rating = await self._locked(ProductRating, product_id, product_ratings.c.product_id)
        assert rating is not None  # made just above, and never deleted
        return rating


class ProductRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, product_id: uuid.UUID) -> KnownProduct | None:
        return await self.session.get(KnownProduct, product_id)

    async def learn(self, product_id: uuid.UUID, status: ProductStatus, *, as_of: datetime) -> None:
        """Remember the product's status as of ``as_of``, unless something newer is known."""
        await _upsert_if_newer(
            self.session, products, {"product_id": product_id, "status": status.value}, as_of
        )


class AuthorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def learn(self, user_id: uuid.UUID, name: str, *, as_of: datetime) -> None:
        await _upsert_if_newer(self.session, authors, {"user_id": user_id, "name": name}, as_of)


class PurchaseRepository:
    """Which users bought which products, from the orders service's events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def learn_order(
        self,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        status: str,
        *,
        as_of: datetime,
        product_ids: Iterable[uuid.UUID] = (),
    ) -> None:
        await _upsert_if_newer(
            self.session,
            purchase_orders,
            {"order_id": order_id, "user_id": user_id, "status": status},
            as_of,
        )
        lines = [
            {"order_id": order_id, "product_id": product_id, "user_id": user_id}
            for product_id in set(product_ids)
        ]
        if lines:
            await self.session.execute(_statement(self.session, _add_lines), lines)

    async def purchased(self, user_id: uuid.UUID, product_id: uuid.UUID) -> bool:
        """True if one of the user's paid or delivered orders holds the product."""
        found = await self.session.scalar(_PURCHASED, {"user": user_id, "product": product_id})
        return bool(found)


# What every order event runs, built once and run with parameters: the consumer applies
# them for every saga, and building a statement (an upsert's ``excluded`` columns above
# all) cost more than its SQL (docs/benchmarks.md, Saga).
_OF_AUTHOR_IN_ORDER = (
    select(Review)
    .where(
        reviews.c.author_id == bindparam("author"),
        reviews.c.product_id.in_(
            select(purchase_lines.c.product_id).where(
                purchase_lines.c.order_id == bindparam("order")
            )
        ),
    )
    .order_by(reviews.c.product_id)
    .with_for_update()
)
_PURCHASED = select(
    exists().where(
        purchase_lines.c.user_id == bindparam("user"),
        purchase_lines.c.product_id == bindparam("product"),
        purchase_orders.c.order_id == purchase_lines.c.order_id,
        purchase_orders.c.status.in_(sorted(PURCHASED_STATUSES)),
    )
)
# Statements spelt per dialect (``INSERT ... ON CONFLICT``), built on first use.
_BUILT: dict[tuple[Any, ...], Any] = {}


def _statement(session: AsyncSession, build: Callable[..., Any], *args: Any) -> Any:
    """``build(insert, *args)`` with the ``insert`` of the session's dialect, made once."""
    insert = dialect_insert(session)
    key = (insert, build, *args)
    statement = _BUILT.get(key)
    if statement is None:
        statement = _BUILT[key] = build(insert, *args)
    return statement


def _add_lines(insert: Any) -> Any:
    return insert(purchase_lines).on_conflict_do_nothing()


def _upsert(insert: Any, table: Table, names: tuple[str, ...]) -> Any:
    [key] = [column.name for column in table.primary_key.columns]
    statement = insert(table)
    changed = {name: statement.excluded[name] for name in names if name != key}
    return statement.on_conflict_do_update(
        index_elements=[key], set_=changed, where=table.c.as_of < statement.excluded.as_of
    )


async def _upsert_if_newer(
    session: AsyncSession, table: Table, values: dict[str, Any], as_of: datetime
) -> None:
    """Insert the row, or overwrite it if what it says is newer than what is stored: facts
    from events that a redelivery may bring out of order."""
    statement = _statement(session, _upsert, table, (*values, "as_of"))
    await session.execute(statement, {**values, "as_of": as_of})
