"""Fixtures of the system tests: the whole system on each database engine, and HTTP clients
for the gateway and, past it, the auth service."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from marketplace_launcher.testing import (
    Account,
    RunningSystem,
    SystemDidNotStart,
    log_in,
    running_system,
    sign_up,
)
from marketplace_platform.testing.database import require_postgres

# Two notifications replicas: the real-time tests show a push crossing from the replica that
# handled the event to the one holding the socket.
SYSTEM_SETTINGS = {"MARKETPLACE_REPLICAS": "notifications=2"}


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    """The system on each database engine (PostgreSQL when a server is configured)."""
    postgres = None
    if request.param == "postgres":
        postgres = require_postgres()  # skips, or fails in CI, without a server
    base = tmp_path_factory.mktemp(f"system-{request.param}")
    try:
        with running_system(base, postgres=postgres, extra_env=SYSTEM_SETTINGS) as running:
            yield running
    except SystemDidNotStart as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def client(system: RunningSystem) -> Iterator[httpx.Client]:
    """Talks to the gateway."""
    with httpx.Client(base_url=system.url, timeout=15.0, trust_env=False) as http:
        yield http


@pytest.fixture
def auth_client(system: RunningSystem) -> Iterator[httpx.Client]:
    """Talks to the auth service directly, past the gateway."""
    with httpx.Client(
        base_url=system.service_url("auth"), timeout=15.0, trust_env=False
    ) as http:
        yield http


@pytest.fixture
def account(client: httpx.Client) -> Account:
    """A freshly registered user, logged in through the gateway."""
    return sign_up(client)


@pytest.fixture
def login(client: httpx.Client) -> Callable[[str, str], Account]:
    return lambda email, password: log_in(client, email, password)
