"""Dependencies of the routes, as ``Annotated`` aliases: a route reads
``async def cancel_order(order_id: uuid.UUID, user: CurrentUser, uow: UnitOfWorkDep)``.

They are ``async def`` though they never wait: FastAPI runs a plain ``def`` dependency in
its thread pool, a hand-off to a thread and back for each one of each request (~4 % of
orders' CPU under the saga, docs/benchmarks.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from marketplace_platform.idempotency import IdempotencyKeyHeader, IdempotencyKeys
from marketplace_platform.security.dependencies import AdminUser, CurrentUser, InternalCaller
from orders_service.adapters.catalog import CatalogClient
from orders_service.adapters.unit_of_work import UnitOfWorkFactory
from orders_service.components import Components
from orders_service.domain.limits import Limits

__all__ = [
    "AdminUser",
    "CatalogDep",
    "ComponentsDep",
    "CurrentUser",
    "IdempotencyKeyHeader",
    "IdempotencyKeysDep",
    "InternalCaller",
    "LimitsDep",
    "UnitOfWorkDep",
]


async def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]


async def get_unit_of_work(components: ComponentsDep) -> UnitOfWorkFactory:
    """The unit of work factory: the use case makes one per transaction, opens and commits
    it."""
    return components.unit_of_work


async def get_catalog(components: ComponentsDep) -> CatalogClient:
    return components.catalog


async def get_keys(components: ComponentsDep) -> IdempotencyKeys:
    return components.keys


async def get_limits(components: ComponentsDep) -> Limits:
    return components.settings.limits


UnitOfWorkDep = Annotated[UnitOfWorkFactory, Depends(get_unit_of_work)]
CatalogDep = Annotated[CatalogClient, Depends(get_catalog)]
IdempotencyKeysDep = Annotated[IdempotencyKeys, Depends(get_keys)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
