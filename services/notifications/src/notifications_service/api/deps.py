"""Dependencies of the routes, as ``Annotated`` aliases: a route reads
``async def mark_read(notification_id: uuid.UUID, user: CurrentUser, uow: UnitOfWorkDep)``.

They are ``async def`` though they never wait: FastAPI runs a plain ``def`` dependency in
its thread pool, a hand-off to a worker thread and back for each one of each request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from marketplace_platform.security.dependencies import CurrentUser
from notifications_service.adapters.queries import InboxQueries
from notifications_service.adapters.realtime import Fanout
from notifications_service.adapters.unit_of_work import NotificationsUnitOfWork
from notifications_service.components import Components

__all__ = [
    "ComponentsDep", "CurrentUser", "PusherDep", "QueriesDep", "ReadUnitOfWorkDep",
    "UnitOfWorkDep",
]


async def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]


async def get_unit_of_work(components: ComponentsDep) -> NotificationsUnitOfWork:
    """A fresh unit of work; the use case opens and commits it."""
    return components.unit_of_work()


async def get_read_unit_of_work(components: ComponentsDep) -> NotificationsUnitOfWork:
    """A unit of work that only reads: closed rather than rolled back, so what it loaded
    stays readable after it (a rollback would expire it)."""
    return components.unit_of_work(read_only=True)


async def get_queries(components: ComponentsDep) -> InboxQueries:
    return components.queries


async def get_pusher(components: ComponentsDep) -> Fanout:
    return components.fanout


UnitOfWorkDep = Annotated[NotificationsUnitOfWork, Depends(get_unit_of_work)]
ReadUnitOfWorkDep = Annotated[NotificationsUnitOfWork, Depends(get_read_unit_of_work)]
QueriesDep = Annotated[InboxQueries, Depends(get_queries)]
PusherDep = Annotated[Fanout, Depends(get_pusher)]
