"""The composition root: ``create_app(settings)`` builds the auth service from its parts.

Tests call it with their own settings (a temporary database, cheap argon2) and, when they
want a say in the event bus, their own ``ServiceRuntime``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from auth_service.adapters.signing_keys import KeyRing
from auth_service.adapters.tokens import AccessTokenIssuer
from auth_service.adapters.unit_of_work import AuthUnitOfWork, UnitOfWorkFactory
from auth_service.api import auth, avatars, keys, profile, users
from auth_service.components import Components, password_hasher, throttle_policy
from auth_service.consumers import orders as order_events
from auth_service.domain.signing_keys import publication_grace
from auth_service.service import keys as signing_keys
from auth_service.settings import AuthSettings, get_settings
from marketplace_platform.db import Database
from marketplace_platform.files import LocalFileStore
from marketplace_platform.http import create_service_app
from marketplace_platform.runtime import ServiceRuntime
from marketplace_platform.security.jwks import JWKSVerifier

ROUTERS = (auth.router, keys.router, profile.router, avatars.router, users.router)


def create_app(
    settings: AuthSettings | None = None, *, runtime: ServiceRuntime | None = None
) -> FastAPI:
    settings = settings or get_settings()
    database = (
        runtime.db if runtime else Database(settings.database_url, pool_size=settings.db_pool_size)
    )
    key_ring = KeyRing(
        database,
        passphrase=settings.signing_key_passphrase,
        grace=publication_grace(
            access_token_ttl=settings.access_token_ttl,
            refresh_interval=settings.signing_key_refresh,
        ),
        refresh_interval=settings.signing_key_refresh,
    )
    # The auth service checks its own tokens against its own key ring, never over HTTP; and
    # a key that leaves the JWKS stops verifying here at the same moment.
    verifier = JWKSVerifier(
        key_ring.fetch_jwks,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithms=settings.jwt_algorithms,
        refresh_interval=settings.jwks_refresh_seconds,
        max_lifetime=settings.access_token_ttl.total_seconds(),
    )
    key_ring.on_reload(verifier.load)
    if runtime is None:
        runtime = ServiceRuntime(settings, verifier=verifier, database=database)
    else:
        runtime.verifier = verifier

    unit_of_work: UnitOfWorkFactory = partial(runtime.unit_of_work, AuthUnitOfWork)
    components = Components(
        settings=settings,
        runtime=runtime,
        unit_of_work=unit_of_work,
        passwords=password_hasher(settings),
        keys=key_ring,
        issuer=AccessTokenIssuer(
            key_ring,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl=settings.access_token_ttl,
        ),
        avatars=LocalFileStore(settings.avatars_path),
        throttle=throttle_policy(settings),
    )

    order_events.register(runtime.bus, unit_of_work, batch=settings.consumer_concurrency)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            # The first start of a fresh database makes the first signing key.
            await signing_keys.ensure(
                unit_of_work=unit_of_work, passphrase=settings.signing_key_passphrase
            )
            await key_ring.start()
            try:
                yield
            finally:
                await key_ring.stop()

    app = create_service_app(
        settings,
        title="Marketplace auth",
        description="Accounts, sessions and tokens, profiles and avatars, roles.",
        routers=ROUTERS,
        lifespan=lifespan,
        readiness={"database": runtime.database_ready, "signing_key": key_ring.ready},
        degraded_readiness={"broker": runtime.broker_ready},
    )
    app.state.components = components
    return app
