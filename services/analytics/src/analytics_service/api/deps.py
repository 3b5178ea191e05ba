"""Dependencies of the routes, as ``Annotated`` aliases: a route reads
``async def sales(admin: AdminUser, unit_of_work: UnitOfWorkDep)``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from analytics_service.components import Components
from analytics_service.service.ports import UnitOfWorkFactory
from marketplace_platform.security.dependencies import AdminUser, CurrentUser

__all__ = ["AdminUser", "CurrentUser", "UnitOfWorkDep"]


async def get_unit_of_work(request: Request) -> UnitOfWorkFactory:
    """The factory the reports open their units of work from."""
    components: Components = request.app.state.components
    return components.unit_of_work


UnitOfWorkDep = Annotated[UnitOfWorkFactory, Depends(get_unit_of_work)]
