import socket

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

from marketplace_launcher.databases import DatabaseUnavailable, asyncpg_dsn, ensure_databases
from marketplace_platform.testing.database import drop_database, require_postgres, unique_name

pytestmark = pytest.mark.integration


@pytest.fixture
def server() -> URL:
    return make_url(require_postgres())


async def database_exists(server: URL, name: str) -> bool:
    conn = await asyncpg.connect(asyncpg_dsn(server))
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


@pytest.mark.postgres
async def test_missing_databases_are_created_and_existing_ones_kept(server: URL) -> None:
    prefix = unique_name("mp_launcher")
    names = [f"{prefix}_auth", f"{prefix}_catalog"]
    try:
        first = await ensure_databases(server, names[:1])
        second = await ensure_databases(server, names)

        assert first == {names[0]}
        assert second == {names[1]}
        assert await ensure_databases(server, names) == set()
        for name in names:
            assert await database_exists(server, name)
    finally:
        for name in names:
            await drop_database(server.render_as_string(hide_password=False), name)


async def test_an_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    server = make_url(f"postgresql+asyncpg://postgres:hunter2@127.0.0.1:{port}/postgres")

    with pytest.raises(DatabaseUnavailable) as error:
        await ensure_databases(server, ["marketplace_auth"])

    message = str(error.value)
    assert message.startswith("cannot connect to PostgreSQL at postgresql+asyncpg://postgres:***@")
    assert "hunter2" not in message
