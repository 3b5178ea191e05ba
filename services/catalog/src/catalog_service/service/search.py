"""Searching and browsing the catalog: a page of active products, its total, and how many
matches each category holds (the facets a shopper narrows a search by)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from catalog_service.adapters.search import SORT_ORDERS
from catalog_service.adapters.unit_of_work import UnitOfWorkFactory
from catalog_service.domain.errors import UnknownCategory
from catalog_service.domain.search import ProductSearch, Sort
from catalog_service.service.categories import CategoryNode, build_tree
from catalog_service.service.category_cache import CachedCategory, CategoryCache, CategorySnapshot
from catalog_service.service.products import ProductRecord
from marketplace_platform.pagination import decode_cursor, encode_cursor
from marketplace_platform.problems import InvalidInput

MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class CategoryFacet:
    category: CachedCategory
    count: int  # matches in the category and all below it


@dataclass(frozen=True, slots=True)
class SearchResult:
    items: list[ProductRecord]
    total: int
    next_cursor: str | None
    facets: list[CategoryFacet]


async def search(
    *,
    unit_of_work: UnitOfWorkFactory,
    categories: CategoryCache,
    search: ProductSearch,
    limit: int,
    cursor: str | None = None,
    page: int | None = None,
    similarity_threshold: float = 0.4,
) -> SearchResult:
    """A page of matching active products in the search's order. On PostgreSQL a query whose
    words match nothing is retried as a typo-tolerant (fuzzy) search.

    ``cursor`` (from the previous page's ``next_cursor``) or ``page`` (1-based) picks the
    page; the first page is the default. ``total`` counts every match; the facets count
    matches per category with every filter but the category one, so that they show where
    else the query has results."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.")
    if cursor is not None and page is not None:
        raise InvalidInput("Give a cursor or a page, not both.")
    sort = search.effective_sort
    after, offset = _position(sort, cursor=cursor, page=page, limit=limit)
    tree = await categories.find([search.category_id] if search.category_id else [])
    subtree_path = _subtree_path(tree, search.category_id)
    async with unit_of_work(read_only=True) as uow:
        queries = uow.search(search, similarity_threshold=similarity_threshold)
        counts = await queries.counts_by_category()
        if not counts and search.fuzzy and queries.supports_fuzzy:
            # The words match nothing anywhere: maybe a typo. Match the text by similarity
            # instead (only now: it costs more than the index lookup of words, and mixing
            # near-misses into exact matches would only add noise).
            queries = uow.search(search, similarity_threshold=similarity_threshold, fuzzy=True)
            await queries.prepare()
            counts = await queries.counts_by_category()
        rows = await queries.page(limit=limit + 1, after=after, offset=offset)
        images = await uow.products.read_images([row["id"] for row in rows[:limit]])
    # Categories this process has not seen yet (made on another replica a moment ago).
    tree = await categories.find([*counts, *(row["category_id"] for row in rows)])
    nodes = build_tree(tree.categories, counts)
    facets = [CategoryFacet(node.category, node.product_count) for node in _preorder(nodes)]
    total = sum(
        count
        for category_id, count in counts.items()
        if subtree_path is None
        or (category_id in tree.by_id and tree.by_id[category_id].path.startswith(subtree_path))
    )
    items = [
        ProductRecord(row, images.get(row["id"], ()), tree.trail(row["category_id"]))
        for row in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        if sort is Sort.RELEVANCE:
            next_cursor = encode_cursor(offset + limit, tag=sort.value)
        else:
            next_cursor = encode_cursor(*SORT_ORDERS[sort].key(rows[limit - 1]), tag=sort.value)
    return SearchResult(
        items=items,
        total=total,
        next_cursor=next_cursor,
        facets=[facet for facet in facets if facet.count > 0],
    )


def _position(
    sort: Sort, *, cursor: str | None, page: int | None, limit: int
) -> tuple[tuple[object, ...] | None, int]:
    """Where the page starts: after a keyset, or at an offset."""
    if page is not None:
        return None, (page - 1) * limit
    if cursor is None:
        return None, 0
    if sort is Sort.RELEVANCE:
        (offset,) = decode_cursor(cursor, int, tag=sort.value)
        if offset < 0:
            raise InvalidInput("The cursor is not one this API gave out.")
        return None, offset
    return decode_cursor(cursor, *SORT_ORDERS[sort].key_types, tag=sort.value), 0


def _subtree_path(tree: CategorySnapshot, category_id: uuid.UUID | None) -> str | None:
    if category_id is None:
        return None
    category = tree.by_id.get(category_id)
    if category is None:
        raise UnknownCategory("There is no category with this id.")
    return category.path


def _preorder(nodes: list[CategoryNode]) -> list[CategoryNode]:
    ordered: list[CategoryNode] = []
    for node in nodes:
        ordered.append(node)
        ordered.extend(_preorder(node.children))
    return ordered
