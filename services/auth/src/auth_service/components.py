"""What the auth service's routes and commands work with, built once by the composition root
(``main.create_app``) and reached by routes through ``api.deps``."""

from __future__ import annotations

from dataclasses import dataclass

from auth_service.adapters.passwords import PasswordHasher
from auth_service.adapters.signing_keys import KeyRing
from auth_service.adapters.tokens import AccessTokenIssuer
from auth_service.adapters.unit_of_work import UnitOfWorkFactory
from auth_service.domain.throttling import ThrottlePolicy
from auth_service.settings import AuthSettings
from marketplace_platform.files import FileStore
from marketplace_platform.runtime import ServiceRuntime


@dataclass(frozen=True, slots=True)
class Components:
    settings: AuthSettings
    runtime: ServiceRuntime
    unit_of_work: UnitOfWorkFactory
    passwords: PasswordHasher
    keys: KeyRing
    issuer: AccessTokenIssuer
    avatars: FileStore
    throttle: ThrottlePolicy


def password_hasher(settings: AuthSettings) -> PasswordHasher:
    return PasswordHasher(
        memory_cost=settings.argon2_memory_cost,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
    )


def throttle_policy(settings: AuthSettings) -> ThrottlePolicy:
    return ThrottlePolicy(
        window=settings.throttle_window,
        pair_limit=settings.throttle_pair_limit,
        client_limit=settings.throttle_ip_limit,
        account_limit=settings.throttle_account_limit,
    )
