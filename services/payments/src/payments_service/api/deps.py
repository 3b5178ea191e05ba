"""Dependencies of the routes, as ``Annotated`` aliases: a route reads
``async def get_payment(payment_id: uuid.UUID, user: CurrentUser, uow: UnitOfWorkDep)``.

They are ``async def`` though they never wait: FastAPI runs a plain ``def`` dependency in
its thread pool, a hand-off to a worker thread and back for each one of each request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from marketplace_platform.idempotency import IdempotencyKeyHeader
from marketplace_platform.security.dependencies import CurrentUser, InternalCaller
from payments_service.components import Components
from payments_service.service.ports import UnitOfWorkFactory
from payments_service.settings import PaymentsSettings

__all__ = [
    "ComponentsDep",
    "CurrentUser",
    "IdempotencyKeyHeader",
    "InternalCaller",
    "SettingsDep",
    "UnitOfWorkDep",
]


async def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]


async def get_settings(components: ComponentsDep) -> PaymentsSettings:
    return components.settings


async def get_unit_of_work(components: ComponentsDep) -> UnitOfWorkFactory:
    return components.unit_of_work


SettingsDep = Annotated[PaymentsSettings, Depends(get_settings)]
# The factory of units of work the use cases take (a fresh one per transaction).
UnitOfWorkDep = Annotated[UnitOfWorkFactory, Depends(get_unit_of_work)]
