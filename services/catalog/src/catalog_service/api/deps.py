"""Dependencies of the routes, as ``Annotated`` aliases: a route reads
``async def create_product(body: ProductCreate, admin: AdminUser, unit_of_work: UnitOfWorkDep)``.

They are ``async def`` although they never await: FastAPI runs a plain ``def`` dependency in
a worker thread, a hand-off that cost more than the whole query of a product page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from catalog_service.adapters.unit_of_work import UnitOfWorkFactory
from catalog_service.components import Components
from catalog_service.service.category_cache import CategoryCache
from catalog_service.service.views import ViewCounter
from catalog_service.settings import CatalogSettings
from marketplace_platform.files import FileStore
from marketplace_platform.security.dependencies import AdminUser, InternalCaller

__all__ = [
    "AdminUser",
    "CategoryCacheDep",
    "ComponentsDep",
    "ImageStoreDep",
    "InternalCaller",
    "SettingsDep",
    "UnitOfWorkDep",
    "ViewCounterDep",
]


async def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]


async def get_settings(components: ComponentsDep) -> CatalogSettings:
    return components.settings


async def get_unit_of_work(components: ComponentsDep) -> UnitOfWorkFactory:
    """The unit of work factory: the use case makes one per transaction, opens and commits
    it."""
    return components.unit_of_work


async def get_image_store(components: ComponentsDep) -> FileStore:
    return components.images


async def get_category_cache(components: ComponentsDep) -> CategoryCache:
    return components.categories


async def get_view_counter(components: ComponentsDep) -> ViewCounter:
    return components.views


SettingsDep = Annotated[CatalogSettings, Depends(get_settings)]
UnitOfWorkDep = Annotated[UnitOfWorkFactory, Depends(get_unit_of_work)]
ImageStoreDep = Annotated[FileStore, Depends(get_image_store)]
CategoryCacheDep = Annotated[CategoryCache, Depends(get_category_cache)]
ViewCounterDep = Annotated[ViewCounter, Depends(get_view_counter)]
