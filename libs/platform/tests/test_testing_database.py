"""When PostgreSQL is missing, a test that needs it skips on a developer's machine but fails
in CI (``CI=true``): a CI run where every PostgreSQL test quietly skipped would prove
nothing about the engine production runs on."""

from __future__ import annotations

import socket

import pytest

from marketplace_platform.testing.database import POSTGRES_ENV, require_postgres


def closed_port_url() -> str:
    """A PostgreSQL URL at a port where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"


@pytest.mark.unit
@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_in_ci_a_missing_url_fails_the_test(ci: str) -> None:
    with pytest.raises(pytest.fail.Exception, match=POSTGRES_ENV):
        require_postgres({"CI": ci})


@pytest.mark.unit
@pytest.mark.parametrize("environ", [{}, {"CI": "false"}, {"CI": ""}, {"CI": "0"}])
def test_outside_ci_a_missing_url_skips_the_test(environ: dict[str, str]) -> None:
    with pytest.raises(pytest.skip.Exception, match=f"{POSTGRES_ENV} is not set"):
        require_postgres(environ)


@pytest.mark.integration
def test_in_ci_an_unreachable_server_fails_the_test() -> None:
    with pytest.raises(pytest.fail.Exception, match="unreachable"):
        require_postgres({"CI": "true", POSTGRES_ENV: closed_port_url()})


@pytest.mark.integration
def test_outside_ci_an_unreachable_server_skips_the_test() -> None:
    with pytest.raises(pytest.skip.Exception, match="unreachable"):
        require_postgres({POSTGRES_ENV: closed_port_url()})


@pytest.mark.postgres
async def test_a_reachable_server_gives_its_url_even_inside_an_event_loop() -> None:
    """Async tests (the launcher's) call it with a loop running: the probe must not need
    one of its own."""
    url = require_postgres()  # skips (or fails in CI) without a configured server
    assert require_postgres({"CI": "true", POSTGRES_ENV: url}) == url
