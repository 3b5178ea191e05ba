"""The category tree: public reading, admin changes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from catalog_service.api.deps import AdminUser, CategoryCacheDep, UnitOfWorkDep
from catalog_service.schemas import (
    CategoryCreate,
    CategoryRead,
    CategoryTree,
    CategoryTreeNode,
    CategoryUpdate,
)
from catalog_service.service import categories
from catalog_service.service.category_cache import CategoryCache

router = APIRouter(prefix="/api/catalog/categories", tags=["categories"])


@router.get("")
async def get_category_tree(unit_of_work: UnitOfWorkDep, cache: CategoryCacheDep) -> CategoryTree:
    """The whole category tree, with active product counts that include sub-categories."""
    tree = await categories.get_tree(unit_of_work=unit_of_work, cache=cache)
    return CategoryTree(items=[CategoryTreeNode.of(node) for node in tree])


@router.get("/{category_id}")
async def get_category(category_id: uuid.UUID, cache: CategoryCacheDep) -> CategoryRead:
    """One category, with its path from the top of the tree."""
    return await _read(cache, category_id)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "A sibling category has that name."}},
)
async def create_category(
    body: CategoryCreate, admin: AdminUser, unit_of_work: UnitOfWorkDep, cache: CategoryCacheDep
) -> CategoryRead:
    """Create a category, at the top level or under ``parent_id``."""
    category = await categories.create(
        unit_of_work=unit_of_work, cache=cache, name=body.name, parent_id=body.parent_id
    )
    return await _read(cache, category.id)


@router.patch("/{category_id}")
async def update_category(
    category_id: uuid.UUID,
    body: CategoryUpdate,
    admin: AdminUser,
    unit_of_work: UnitOfWorkDep,
    cache: CategoryCacheDep,
) -> CategoryRead:
    """Rename and/or move a category (its sub-categories and products go with it)."""
    await categories.update(
        unit_of_work=unit_of_work, cache=cache, category_id=category_id, **body.changes()
    )
    return await _read(cache, category_id)


@router.delete(
    "/{category_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={409: {"description": "The category has sub-categories or products."}},
)
async def delete_category(
    category_id: uuid.UUID, admin: AdminUser, unit_of_work: UnitOfWorkDep, cache: CategoryCacheDep
) -> None:
    """Delete an empty category; one with sub-categories or products is a 409."""
    await categories.delete(unit_of_work=unit_of_work, cache=cache, category_id=category_id)


async def _read(cache: CategoryCache, category_id: uuid.UUID) -> CategoryRead:
    found = await categories.get(cache=cache, category_id=category_id)
    return CategoryRead.of(found.category, found.path)
