"""Dependencies of the routes, as ``Annotated`` aliases: a route reads
``async def create_review(body: ReviewCreate, actor: CurrentActor,
unit_of_work: UnitOfWorkDep)``.

They are ``async def`` although none awaits: FastAPI runs a plain ``def`` dependency in a
worker thread: a hand-off to another thread and back, per dependency, per request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from marketplace_platform.batching import Batcher
from marketplace_platform.security.dependencies import AdminUser, CurrentUser, OptionalUser
from marketplace_platform.security.jwks import Principal
from reviews_service.adapters.catalog import CatalogClient
from reviews_service.components import Components
from reviews_service.domain.actors import Actor
from reviews_service.service.likes import LikeChange, LikeState
from reviews_service.service.ports import UnitOfWorkFactory


async def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]


async def get_unit_of_work(components: ComponentsDep) -> UnitOfWorkFactory:
    """The factory the use cases open their units of work from, one per transaction."""
    return components.unit_of_work


async def get_catalog(components: ComponentsDep) -> CatalogClient:
    return components.catalog


async def get_likes(components: ComponentsDep) -> Batcher[LikeChange, LikeState]:
    """Where a like or an unlike goes: joined with the others waiting, one transaction."""
    return components.likes


def _actor(principal: Principal) -> Actor:
    return Actor.user(principal.user_id, admin=principal.is_admin)


async def current_actor(user: CurrentUser) -> Actor:
    return _actor(user)


async def admin_actor(admin: AdminUser) -> Actor:
    return _actor(admin)


async def optional_actor(user: OptionalUser) -> Actor | None:
    return None if user is None else _actor(user)


UnitOfWorkDep = Annotated[UnitOfWorkFactory, Depends(get_unit_of_work)]
CatalogDep = Annotated[CatalogClient, Depends(get_catalog)]
LikesDep = Annotated[Batcher[LikeChange, LikeState], Depends(get_likes)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
AdminActor = Annotated[Actor, Depends(admin_actor)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
