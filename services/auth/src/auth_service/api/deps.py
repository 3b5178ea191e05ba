"""Dependencies of the routes, as ``Annotated`` aliases: a route reads
``async def get_me(user: CurrentUser, unit_of_work: UnitOfWorkDep, settings: SettingsDep)``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from auth_service.adapters.passwords import PasswordHasher
from auth_service.adapters.tokens import AccessTokenIssuer
from auth_service.adapters.unit_of_work import UnitOfWorkFactory
from auth_service.components import Components
from auth_service.domain.throttling import ThrottlePolicy
from auth_service.settings import AuthSettings
from marketplace_platform.files import FileStore
from marketplace_platform.security.dependencies import AdminUser, CurrentUser

__all__ = [
    "AdminUser",
    "AvatarStoreDep",
    "ClientHost",
    "ComponentsDep",
    "CurrentUser",
    "IssuerDep",
    "PasswordsDep",
    "SettingsDep",
    "ThrottleDep",
    "UnitOfWorkDep",
]


def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]


def get_settings(components: ComponentsDep) -> AuthSettings:
    return components.settings


def get_unit_of_work(components: ComponentsDep) -> UnitOfWorkFactory:
    """The unit of work factory: the use case makes one per transaction, opens and commits
    it."""
    return components.unit_of_work


def get_passwords(components: ComponentsDep) -> PasswordHasher:
    return components.passwords


def get_issuer(components: ComponentsDep) -> AccessTokenIssuer:
    return components.issuer


def get_avatar_store(components: ComponentsDep) -> FileStore:
    return components.avatars


def get_throttle(components: ComponentsDep) -> ThrottlePolicy:
    return components.throttle


def get_client_host(request: Request) -> str | None:
    """The caller's address: the TCP peer, or the client the gateway forwarded, believed
    only with the gateway's credential (marketplace_platform.forwarded), never from just
    any process on the host."""
    return request.client.host if request.client else None


SettingsDep = Annotated[AuthSettings, Depends(get_settings)]
UnitOfWorkDep = Annotated[UnitOfWorkFactory, Depends(get_unit_of_work)]
PasswordsDep = Annotated[PasswordHasher, Depends(get_passwords)]
IssuerDep = Annotated[AccessTokenIssuer, Depends(get_issuer)]
AvatarStoreDep = Annotated[FileStore, Depends(get_avatar_store)]
ThrottleDep = Annotated[ThrottlePolicy, Depends(get_throttle)]
ClientHost = Annotated[str | None, Depends(get_client_host)]
