"""Dependencies of the routes, as ``Annotated`` aliases: a route reads
``async def create_order(body: OrderCreate, user: CurrentUser, uow: UnitOfWorkDep)``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from marketplace_platform.db import Database
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.idempotency import IdempotencyKeyHeader, IdempotencyKeys
from marketplace_platform.security.dependencies import AdminUser, CurrentUser, InternalCaller
from orders_service.adapters.catalog import CatalogClient
from orders_service.components import Components
from orders_service.domain.limits import Limits

__all__ = [
    "AdminUser",
    "CatalogDep",
    "ComponentsDep",
    "CurrentUser",
    "DatabaseDep",
    "IdempotencyKeyHeader",
    "IdempotencyKeysDep",
    "InternalCaller",
    "LimitsDep",
    "UnitOfWorkDep",
]


def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]


def get_database(components: ComponentsDep) -> Database:
    return components.runtime.db


def get_unit_of_work(components: ComponentsDep) -> UnitOfWork:
    """A fresh unit of work; the use case opens and commits it."""
    return components.runtime.unit_of_work()


def get_catalog(components: ComponentsDep) -> CatalogClient:
    return components.catalog


def get_keys(components: ComponentsDep) -> IdempotencyKeys:
    return components.keys


def get_limits(components: ComponentsDep) -> Limits:
    return components.settings.limits


DatabaseDep = Annotated[Database, Depends(get_database)]
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work)]
CatalogDep = Annotated[CatalogClient, Depends(get_catalog)]
IdempotencyKeysDep = Annotated[IdempotencyKeys, Depends(get_keys)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
