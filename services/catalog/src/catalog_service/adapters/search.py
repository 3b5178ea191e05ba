"""Product search and browse queries, on each engine.

Both engines answer the same questions (which active products match, in what order, how
many per category) with the machinery the migration built:

- PostgreSQL: ``search_vector @@ websearch_to_tsquery('russian', q)`` finds the words in any
  of their forms (Snowball stemming), ranked by ``ts_rank_cd`` with title > attributes >
  description. When the words match nothing, a *fuzzy* search runs instead: a trigram match
  of the query against the title (``q <% title``, served by the GIN trigram index), ranked
  by ``word_similarity``, so that "iphnoe" finds "iPhone".
- SQLite: an FTS5 ``MATCH`` on the query built by ``domain.search.fts5_query``, ranked by
  ``bm25`` with the same column weights. No typo tolerance: FTS5 has no fuzzy matching.

Sorted lists continue by *keyset* (the sort key of the last row: ``(price, id) > (...)``);
relevance, whose key is a score computed per query, continues by offset.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import REGCONFIG, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from catalog_service.adapters.orm import Category, products
from catalog_service.adapters.repositories import PRODUCT_COLUMNS, Record
from catalog_service.domain.products import Status
from catalog_service.domain.search import ProductSearch, Sort, fts5_query

# Objects the migrations make by hand and the models do not describe: autogenerate must
# neither drop them nor report them as differences.
SEARCH_TABLE_PREFIX = "products_fts"
SEARCH_COLUMNS = frozenset({"search_vector"})
SEARCH_INDEXES = frozenset({"ix_products_search_vector", "ix_products_title_trgm"})

# Column weights: title, attributes, description (the PostgreSQL vector has them as A, B, C).
BM25_WEIGHTS = (10.0, 4.0, 1.0)
TEXT_SEARCH_CONFIG = "russian"


def is_search_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """``include_object`` for Alembic: False for the search machinery."""
    if type_ == "table" and name is not None and name.startswith(SEARCH_TABLE_PREFIX):
        return False
    if type_ == "column" and name in SEARCH_COLUMNS:
        return False
    return not (type_ == "index" and name in SEARCH_INDEXES)


@dataclass(frozen=True, slots=True)
class SortOrder:
    """An ordering and its keyset: the columns of the key, all in one direction."""

    columns: tuple[Any, ...]
    descending: bool
    key_types: tuple[type, ...]

    def order_by(self) -> list[Any]:
        return [column.desc() if self.descending else column.asc() for column in self.columns]

    def after(self, key: Sequence[Any]) -> ColumnElement[bool]:
        """Rows after the row with sort key ``key``: one row-value comparison."""
        row = tuple_(*self.columns)
        values = tuple_(
            *(literal(value, column.type) for value, column in zip(key, self.columns, strict=True))
        )
        return row < values if self.descending else row > values

    def key(self, product: Record) -> tuple[Any, ...]:
        return tuple(product[column.key] for column in self.columns)


SORT_ORDERS: dict[Sort, SortOrder] = {
    Sort.PRICE_ASC: SortOrder((products.c.price, products.c.id), False, (int, uuid.UUID)),
    Sort.PRICE_DESC: SortOrder((products.c.price, products.c.id), True, (int, uuid.UUID)),
    Sort.RATING: SortOrder(
        (products.c.rating_avg, products.c.review_count, products.c.id),
        True,
        (float, int, uuid.UUID),
    ),
    Sort.POPULAR: SortOrder(
        (products.c.orders_count, products.c.views, products.c.id), True, (int, int, uuid.UUID)
    ),
    # Ids are UUIDv7: their order is the order of creation.
    Sort.NEWEST: SortOrder((products.c.id,), True, (uuid.UUID,)),
}


class ProductSearchQueries:
    """The SQL of one search on one session's engine. ``fuzzy`` matches the query's text
    against titles by trigram similarity instead of matching its words (PostgreSQL only)."""

    def __init__(
        self,
        session: AsyncSession,
        search: ProductSearch,
        *,
        similarity_threshold: float,
        fuzzy: bool = False,
    ) -> None:
        self.session = session
        self.search = search
        self.similarity_threshold = similarity_threshold
        self.dialect = session.get_bind().dialect.name
        self.fuzzy = fuzzy and self.supports_fuzzy
        self._rank: ColumnElement[float] | None = None
        self._match: ColumnElement[bool] | None = None
        self._fts_join: Any = None
        if search.text is not None:
            self._prepare_text()

    def _prepare_text(self) -> None:
        text_query = self.search.text
        assert text_query is not None
        if self.fuzzy:
            self._match = literal(text_query).op("<%")(products.c.title)
            self._rank = func.word_similarity(literal(text_query), products.c.title)
            return
        if self.dialect == "postgresql":
            vector = literal_column("products.search_vector", TSVECTOR)
            tsquery = func.websearch_to_tsquery(
                literal(TEXT_SEARCH_CONFIG, REGCONFIG), literal(text_query)
            )
            self._match = vector.op("@@")(tsquery)
            self._rank = func.ts_rank_cd(vector, tsquery)
            return
        # SQLite: FTS5 rows joined on rowid; bm25 is better when lower, so negate it.
        fts = literal_column("products_fts")
        weights = ", ".join(str(weight) for weight in BM25_WEIGHTS)
        matches = (
            select(
                literal_column("products_fts.rowid").label("rowid"),
                (-literal_column(f"bm25(products_fts, {weights})")).label("rank"),
            )
            .select_from(text("products_fts"))
            .where(fts.op("MATCH")(literal(fts5_query(self.search.words))))
            .subquery("matches")
        )
        self._fts_join = matches
        self._rank = matches.c.rank

    @property
    def supports_fuzzy(self) -> bool:
        """SQLite's FTS5 has no fuzzy matching."""
        return self.dialect == "postgresql"

    async def prepare(self) -> None:
        """Per-transaction settings the queries rely on: the similarity ``<%`` asks for."""
        if self.fuzzy:
            await self.session.execute(
                text("SELECT set_config('pg_trgm.word_similarity_threshold', :threshold, true)"),
                {"threshold": str(self.similarity_threshold)},
            )

    def _filtered(self, query: Select[Any], *, by_category: bool = True) -> Select[Any]:
        search = self.search
        if self._fts_join is not None:
            query = query.join(
                self._fts_join, literal_column("products.rowid") == self._fts_join.c.rowid
            )
        status: ColumnElement[str] = products.c.status
        if self._match is not None or self._fts_join is not None:
            # With words to match, the text index must find the rows and the few matches be
            # sorted, never a sort index (they all start with ``status``) be walked in order
            # and each row tested against the words: SQLite without statistics probed FTS5
            # once per active product (over a minute at 100 000), PostgreSQL walked 13 000
            # rows of the price index to find 21 televisions (expensive ones, at its far
            # end). Written so, the status condition cannot pick an index on either engine.
            status = literal_column(
                "+products.status" if self.dialect == "sqlite" else "(products.status || '')",
                String,
            )
        conditions: list[ColumnElement[bool]] = [status == Status.ACTIVE.value]
        if self._match is not None:
            conditions.append(self._match)
        if search.min_price is not None:
            conditions.append(products.c.price >= search.min_price)
        if search.max_price is not None:
            conditions.append(products.c.price <= search.max_price)
        if search.min_rating is not None:
            conditions.append(products.c.rating_avg >= search.min_rating)
        if search.in_stock is True:
            conditions.append(or_(products.c.stock.is_(None), products.c.stock > 0))
        elif search.in_stock is False:
            conditions.append(products.c.stock == 0)
        if by_category and search.category_id is not None:
            conditions.append(products.c.category_id.in_(subtree_ids(search.category_id)))
        return query.where(*conditions)

    async def page(
        self, *, limit: int, after: Sequence[Any] | None = None, offset: int = 0
    ) -> list[Record]:
        """Up to ``limit`` products' rows in the search's order, after a keyset or an offset."""
        sort = self.search.effective_sort
        query = self._filtered(select(*PRODUCT_COLUMNS))
        if sort is Sort.RELEVANCE:
            assert self._rank is not None
            query = query.order_by(self._rank.desc(), products.c.id.desc()).offset(offset)
        else:
            order = SORT_ORDERS[sort]
            query = query.order_by(*order.order_by())
            if after is not None:
                query = query.where(order.after(after))
            elif offset:
                query = query.offset(offset)
        result = await self.session.execute(query.limit(limit))
        return list(result.mappings().all())

    async def counts_by_category(self) -> dict[uuid.UUID, int]:
        """Matches per category the products sit in, with every filter but the category:
        the facet counts a shopper narrows by."""
        query = self._filtered(
            select(products.c.category_id, func.count()), by_category=False
        ).group_by(products.c.category_id)
        rows = (await self.session.execute(query)).all()
        return {category_id: int(count) for category_id, count in rows}


def subtree_ids(category_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
    """The ids of the category and all below it: one prefix match on the materialised paths,
    read from the database (not the in-memory tree, which may be a moment behind a move made
    on another replica). A path holds only hex digits and slashes: no LIKE escaping needed."""
    top = aliased(Category)
    return (
        select(Category.id)
        .join(top, Category.path.like(top.path + "%"))
        .where(top.id == category_id)
    )
