"""The category tree: read it, and the admin's create, rename, move and delete."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from catalog_service.adapters.orm import Category
from catalog_service.adapters.unit_of_work import CatalogUnitOfWork, UnitOfWorkFactory
from catalog_service.domain import categories as rules
from catalog_service.domain.errors import (
    CategoryNameTaken,
    CategoryNotEmpty,
    CategoryNotFound,
    UnknownCategory,
)
from catalog_service.service.category_cache import CachedCategory, CategoryCache
from marketplace_platform.clock import utcnow
from marketplace_platform.ids import new_id

UNSET: Any = object()


@dataclass(slots=True)
class CategoryNode:
    category: CachedCategory
    product_count: int = 0  # active products here and below
    children: list[CategoryNode] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CategoryWithPath:
    category: CachedCategory
    path: tuple[CachedCategory, ...]  # from the top of the tree down to the category itself


def build_tree(
    categories: Iterable[CachedCategory], direct_counts: dict[uuid.UUID, int] | None = None
) -> list[CategoryNode]:
    """Nodes nested by parent, with counts that include every sub-category's."""
    counts = direct_counts or {}
    nodes = {category.id: CategoryNode(category) for category in categories}
    roots: list[CategoryNode] = []
    for node in nodes.values():
        parent = nodes.get(node.category.parent_id) if node.category.parent_id else None
        (parent.children if parent else roots).append(node)
    for category_id, count in counts.items():
        node = nodes.get(category_id)
        if node is None:
            continue
        for ancestor_id in rules.path_ids(node.category.path):
            if ancestor_id in nodes:
                nodes[ancestor_id].product_count += count
    for node in nodes.values():
        node.children.sort(key=lambda child: child.category.name.casefold())
    roots.sort(key=lambda root: root.category.name.casefold())
    return roots


async def get_tree(*, unit_of_work: UnitOfWorkFactory, cache: CategoryCache) -> list[CategoryNode]:
    """The whole tree, top-level categories first, siblings by name."""
    snapshot = await cache.snapshot()
    async with unit_of_work(read_only=True) as uow:
        counts = await uow.categories.active_product_counts()
    return build_tree(snapshot.categories, counts)


async def get(*, cache: CategoryCache, category_id: uuid.UUID) -> CategoryWithPath:
    snapshot = await cache.find([category_id])
    category = snapshot.by_id.get(category_id)
    if category is None:
        raise CategoryNotFound("There is no category with this id.")
    return CategoryWithPath(category, snapshot.trail(category_id))


async def create(
    *,
    unit_of_work: UnitOfWorkFactory,
    cache: CategoryCache,
    name: str,
    parent_id: uuid.UUID | None = None,
) -> Category:
    """A new category at the top of the tree, or under ``parent_id``."""
    name = rules.clean_name(name)
    now = utcnow()
    async with unit_of_work() as uow:
        parent_path = None
        if parent_id is not None:
            parent = await uow.categories.get(parent_id)
            if parent is None:
                raise UnknownCategory("There is no parent category with this id.")
            parent_path = parent.path
        rules.check_depth(parent_path=parent_path)
        key = rules.name_key(name)
        if await uow.categories.name_taken(parent_id=parent_id, name_key=key):
            raise CategoryNameTaken(f"There is a category {name!r} here already.")
        category_id = new_id()
        category = Category(
            id=category_id,
            parent_id=parent_id,
            name=name,
            name_key=key,
            path=rules.path_of(category_id, parent_path=parent_path),
            created_at=now,
            updated_at=now,
        )
        uow.categories.add(category)
        await _commit(uow, name)
    cache.invalidate()
    return category


async def update(
    *,
    unit_of_work: UnitOfWorkFactory,
    cache: CategoryCache,
    category_id: uuid.UUID,
    name: str = UNSET,
    parent_id: Any = UNSET,
) -> Category:
    """Rename (``name``) and/or move (``parent_id``; None moves it to the top) a category;
    its sub-categories and products go with it."""
    now = utcnow()
    async with unit_of_work() as uow:
        category = await _get_or_raise(uow, category_id)
        new_name = category.name if name is UNSET else rules.clean_name(name)
        new_parent_id = category.parent_id if parent_id is UNSET else parent_id
        moving = new_parent_id != category.parent_id
        if moving:
            await _move(uow, category, new_parent_id, now)
        if moving or rules.name_key(new_name) != category.name_key:
            key = rules.name_key(new_name)
            if await uow.categories.name_taken(
                parent_id=new_parent_id, name_key=key, other_than=category.id
            ):
                raise CategoryNameTaken(f"There is a category {new_name!r} there already.")
            category.name_key = key
        if moving or new_name != category.name:
            category.name = new_name
            category.updated_at = now
        await _commit(uow, new_name)
    cache.invalidate()
    return category


async def _move(
    uow: CatalogUnitOfWork,
    category: Category,
    new_parent_id: uuid.UUID | None,
    now: Any,
) -> None:
    new_parent_path = None
    if new_parent_id is not None:
        new_parent = await uow.categories.get(new_parent_id)
        if new_parent is None:
            raise UnknownCategory("There is no parent category with this id.")
        new_parent_path = new_parent.path
    old_path = category.path
    height = rules.subtree_height(await uow.categories.subtree_paths(old_path), root_path=old_path)
    rules.check_move(path=old_path, new_parent_path=new_parent_path, height=height)
    new_path = rules.path_of(category.id, parent_path=new_parent_path)
    await uow.categories.move_subtree(old_path=old_path, new_path=new_path, at=now)
    category.parent_id = new_parent_id
    category.path = new_path


async def delete(
    *, unit_of_work: UnitOfWorkFactory, cache: CategoryCache, category_id: uuid.UUID
) -> None:
    """Remove an empty category. One with sub-categories or products (archived ones too:
    old orders still show them in it) is refused: move or delete what it holds first."""
    async with unit_of_work() as uow:
        category = await _get_or_raise(uow, category_id)
        if await uow.categories.has_children(category_id):
            raise CategoryNotEmpty("The category has sub-categories; move or delete them first.")
        if await uow.categories.has_products(category_id):
            raise CategoryNotEmpty(
                "The category holds products (archived ones count too); move them first."
            )
        await uow.categories.delete(category)
        await uow.categories.bump_tree_version()
        await uow.commit()
    cache.invalidate()


async def _get_or_raise(uow: CatalogUnitOfWork, category_id: uuid.UUID) -> Category:
    category = await uow.categories.get(category_id)
    if category is None:
        raise CategoryNotFound("There is no category with this id.")
    return category


async def _commit(uow: CatalogUnitOfWork, name: str) -> None:
    try:
        await uow.categories.bump_tree_version()
        await uow.commit()
    except IntegrityError:
        # Another admin took the name between the check and the write.
        raise CategoryNameTaken(f"There is a category {name!r} there already.") from None
