"""Dependencies of the routes, as ``Annotated`` aliases: a route reads
``async def create_product(body: ProductCreate, admin: AdminUser, uow: UnitOfWorkDep)``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from catalog_service.components import Components
from catalog_service.service.views import ViewCounter
from catalog_service.settings import CatalogSettings
from marketplace_platform.db import Database
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.files import FileStore
from marketplace_platform.security.dependencies import AdminUser, InternalCaller

__all__ = [
    "AdminUser",
    "ComponentsDep",
    "DatabaseDep",
    "ImageStoreDep",
    "InternalCaller",
    "SettingsDep",
    "UnitOfWorkDep",
    "ViewCounterDep",
]


def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]


def get_settings(components: ComponentsDep) -> CatalogSettings:
    return components.settings


def get_database(components: ComponentsDep) -> Database:
    return components.runtime.db


def get_unit_of_work(components: ComponentsDep) -> UnitOfWork:
    """A fresh unit of work; the use case opens and commits it."""
    return components.runtime.unit_of_work()


def get_image_store(components: ComponentsDep) -> FileStore:
    return components.images


def get_view_counter(components: ComponentsDep) -> ViewCounter:
    return components.views


SettingsDep = Annotated[CatalogSettings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work)]
ImageStoreDep = Annotated[FileStore, Depends(get_image_store)]
ViewCounterDep = Annotated[ViewCounter, Depends(get_view_counter)]
