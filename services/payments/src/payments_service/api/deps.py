"""Dependencies of the routes, as ``Annotated`` aliases: a route reads
``async def get_payment(payment_id: uuid.UUID, user: CurrentUser, db: DatabaseDep)``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from marketplace_platform.db import Database
from marketplace_platform.idempotency import IdempotencyKeyHeader
from marketplace_platform.security.dependencies import CurrentUser, InternalCaller
from payments_service.components import Components
from payments_service.settings import PaymentsSettings

__all__ = [
    "ComponentsDep",
    "CurrentUser",
    "DatabaseDep",
    "IdempotencyKeyHeader",
    "InternalCaller",
    "SettingsDep",
]


def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]


def get_settings(components: ComponentsDep) -> PaymentsSettings:
    return components.settings


def get_database(components: ComponentsDep) -> Database:
    return components.runtime.db


SettingsDep = Annotated[PaymentsSettings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
