"""The operator's verbs: ``ensure-admin``, ``rotate-keys`` and ``withdraw-key``, run as the CLI
runs them."""

import asyncio
import uuid
from collections.abc import Iterator
from datetime import datetime

import httpx
import jwt
import pytest
from sqlalchemy import select

from auth_service.__main__ import main
from auth_service.adapters.orm import RefreshTokenFamily, SigningKey, User
from auth_service.components import password_hasher
from auth_service.settings import get_settings
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database

pytestmark = pytest.mark.integration

ADMIN_PASSWORD = "a long admin passphrase"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path) -> Iterator[None]:
    monkeypatch.setenv("AUTH_DATABASE_URL", database_url)
    monkeypatch.setenv("AUTH_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("AUTH_ENVIRONMENT", "test")
    monkeypatch.setenv("AUTH_SIGNING_KEY_PASSPHRASE", "test signing key passphrase")
    monkeypatch.setenv("AUTH_ARGON2_MEMORY_COST", "64")
    monkeypatch.setenv("AUTH_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("AUTH_ADMIN_PASSWORD", ADMIN_PASSWORD)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def users(database_url: str) -> dict[str, str]:
    async def query() -> dict[str, str]:
        database = Database(database_url)
        try:
            async with database.read_session() as session:
                rows = await session.execute(select(User.email, User.role))
                return {email: role for email, role in rows.all()}
        finally:
            await database.dispose()

    return asyncio.run(query())


def test_ensure_admin_creates_then_reports_it_exists(database_url: str, capsys) -> None:
    assert main(["ensure-admin", "--email", "Boss@Example.com"]) == 0
    assert capsys.readouterr().out == "created admin Boss@Example.com\n"
    assert users(database_url) == {"Boss@example.com": "admin"}

    assert main(["ensure-admin", "--email", "boss@example.com"]) == 0
    assert capsys.readouterr().out == "boss@example.com is already an admin\n"


def test_ensure_admin_promotes_an_existing_user(database_url: str, capsys, monkeypatch) -> None:
    assert main(["ensure-admin", "--email", "someone@example.com"]) == 0
    asyncio.run(_demote(database_url, "someone@example.com"))
    capsys.readouterr()

    monkeypatch.setenv("AUTH_ADMIN_PASSWORD", "a different passphrase")
    get_settings.cache_clear()
    assert main(["ensure-admin", "--email", "someone@example.com"]) == 0
    assert capsys.readouterr().out == (
        "promoted someone@example.com to admin and set a new password for it "
        "(its sessions are signed out)\n"
    )
    assert users(database_url) == {"someone@example.com": "admin"}
    assert _password_works(database_url, "someone@example.com", "a different passphrase")


async def _demote(database_url: str, email: str) -> None:
    database = Database(database_url)
    try:
        async with database.session() as session, session.begin():
            user = await session.scalar(select(User).where(User.email == email))
            assert user is not None
            user.role = "user"
    finally:
        await database.dispose()


async def _start_session(database_url: str, email: str) -> uuid.UUID:
    """A login of ``email``: a refresh-token family, as the login endpoint starts one."""
    database = Database(database_url)
    try:
        async with database.session() as session, session.begin():
            user = await session.scalar(select(User).where(User.email == email))
            assert user is not None
            family = RefreshTokenFamily(user_id=user.id, client="127.0.0.1", created_at=utcnow())
            session.add(family)
            await session.flush()
            return family.id
    finally:
        await database.dispose()


async def _family_revoked(database_url: str, family_id: uuid.UUID) -> datetime | None:
    database = Database(database_url)
    try:
        async with database.read_session() as session:
            family = await session.get(RefreshTokenFamily, family_id)
            assert family is not None
            return family.revoked_at
    finally:
        await database.dispose()


def _password_works(database_url: str, email: str, password: str) -> bool:
    async def check() -> bool:
        database = Database(database_url)
        try:
            async with database.read_session() as session:
                stored = await session.scalar(
                    select(User.password_hash).where(User.email == email)
                )
        finally:
            await database.dispose()
        assert stored is not None
        valid, _ = await password_hasher(get_settings()).verify(password, stored)
        return valid

    return asyncio.run(check())


def test_ensure_admin_sets_a_new_password_and_signs_the_account_out(
    database_url: str, capsys, monkeypatch
) -> None:
    assert main(["ensure-admin", "--email", "boss@example.com"]) == 0
    family = asyncio.run(_start_session(database_url, "boss@example.com"))
    capsys.readouterr()

    monkeypatch.setenv("AUTH_ADMIN_PASSWORD", "a brand new passphrase")
    get_settings.cache_clear()
    assert main(["ensure-admin", "--email", "boss@example.com"]) == 0

    assert capsys.readouterr().out == (
        "set a new password for admin boss@example.com (its sessions are signed out)\n"
    )
    assert _password_works(database_url, "boss@example.com", "a brand new passphrase")
    assert not _password_works(database_url, "boss@example.com", ADMIN_PASSWORD)
    assert asyncio.run(_family_revoked(database_url, family)) is not None


def test_ensure_admin_with_the_same_password_keeps_the_sessions(
    database_url: str, capsys
) -> None:
    # The launcher runs ensure-admin on every start with MARKETPLACE_ADMIN_PASSWORD set.
    assert main(["ensure-admin", "--email", "boss@example.com"]) == 0
    family = asyncio.run(_start_session(database_url, "boss@example.com"))
    capsys.readouterr()

    assert main(["ensure-admin", "--email", "boss@example.com"]) == 0

    assert capsys.readouterr().out == "boss@example.com is already an admin\n"
    assert asyncio.run(_family_revoked(database_url, family)) is None


def test_ensure_admin_refuses_a_weak_new_password_and_keeps_the_old(
    database_url: str, capsys, monkeypatch
) -> None:
    assert main(["ensure-admin", "--email", "boss@example.com"]) == 0
    monkeypatch.setenv("AUTH_ADMIN_PASSWORD", "password")
    get_settings.cache_clear()

    assert main(["ensure-admin", "--email", "boss@example.com"]) == 1

    assert "common" in capsys.readouterr().err
    assert _password_works(database_url, "boss@example.com", ADMIN_PASSWORD)


def test_ensure_admin_needs_the_password_in_the_environment(capsys, monkeypatch) -> None:
    monkeypatch.delenv("AUTH_ADMIN_PASSWORD")
    get_settings.cache_clear()
    assert main(["ensure-admin", "--email", "boss@example.com"]) == 2
    assert "AUTH_ADMIN_PASSWORD" in capsys.readouterr().err


def test_ensure_admin_refuses_a_weak_password(capsys, monkeypatch, database_url: str) -> None:
    monkeypatch.setenv("AUTH_ADMIN_PASSWORD", "password")
    get_settings.cache_clear()
    assert main(["ensure-admin", "--email", "boss@example.com"]) == 1
    assert "common" in capsys.readouterr().err
    assert users(database_url) == {}


def test_the_password_is_not_an_argument(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["ensure-admin", "--email", "boss@example.com", "--password", "x"])


def test_rotate_keys_makes_a_new_current_key(database_url: str, capsys) -> None:
    assert main(["rotate-keys"]) == 0
    first = capsys.readouterr().out
    assert main(["rotate-keys"]) == 0
    second = capsys.readouterr().out
    assert first != second
    assert second.startswith("rotated signing keys: ")

    async def keys() -> list[tuple[str, bool]]:
        database = Database(database_url)
        try:
            async with database.read_session() as session:
                rows = await session.execute(
                    select(SigningKey.kid, SigningKey.retired_at.is_(None)).order_by(
                        SigningKey.created_at
                    )
                )
                return [(kid, active) for kid, active in rows.all()]
        finally:
            await database.dispose()

    stored = asyncio.run(keys())
    assert [active for _, active in stored] == [False, True]
    assert stored[1][0] in second


def test_rotate_keys_accepts_a_url_without_an_async_driver(
    database_url: str, capsys, monkeypatch
) -> None:
    # What an operator types: sqlite:///path or postgresql://..., not the driver SQLAlchemy
    # needs for asyncio.
    plain = database_url.replace("+aiosqlite", "").replace("+asyncpg", "")
    assert plain != database_url
    monkeypatch.setenv("AUTH_DATABASE_URL", plain)
    get_settings.cache_clear()
    assert main(["rotate-keys"]) == 0
    assert capsys.readouterr().out.startswith("rotated signing keys: ")


def _kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def _published(jwks: httpx.Response) -> list[str]:
    return [key["kid"] for key in jwks.json()["keys"]]


async def test_withdraw_key_unpublishes_the_current_key_and_makes_a_new_one(
    auth, capsys
) -> None:
    session = await auth.user_session()
    leaked = _kid_of(session.tokens["access_token"])

    assert await asyncio.to_thread(main, ["withdraw-key", "--", leaked]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"withdrew signing key {leaked}; ")
    # What the running service's key refresh does (every AUTH_SIGNING_KEY_REFRESH).
    await auth.components.keys.reload()

    published = _published(await auth.http.get("/api/auth/jwks.json"))
    assert leaked not in published
    assert len(published) == 1
    assert published[0] in said
    refused = await auth.http.get("/api/auth/me", headers=session.headers)
    assert refused.status_code == 401
    fresh = await auth.login(session.user["email"])
    assert _kid_of(fresh["access_token"]) == published[0]
    me = await auth.http.get("/api/auth/me", headers=auth.bearer(fresh["access_token"]))
    assert me.status_code == 200


async def test_withdraw_key_of_a_retired_key_keeps_the_current_one(auth, capsys) -> None:
    session = await auth.user_session()
    retired = _kid_of(session.tokens["access_token"])
    assert await asyncio.to_thread(main, ["rotate-keys"]) == 0
    await auth.components.keys.reload()
    current = [kid for kid in _published(await auth.http.get("/api/auth/jwks.json"))]
    assert len(current) == 2

    assert await asyncio.to_thread(main, ["withdraw-key", "--", retired]) == 0
    await auth.components.keys.reload()

    assert _published(await auth.http.get("/api/auth/jwks.json")) == [current[0]]
    refused = await auth.http.get("/api/auth/me", headers=session.headers)
    assert refused.status_code == 401
    assert capsys.readouterr().out.endswith(f"withdrew signing key {retired}\n")


def test_withdraw_key_of_an_unknown_kid_fails_and_changes_nothing(
    database_url: str, capsys
) -> None:
    assert main(["rotate-keys"]) == 0
    capsys.readouterr()
    assert main(["withdraw-key", "no-such-kid"]) == 1
    assert "no-such-kid" in capsys.readouterr().err
    assert main(["rotate-keys"]) == 0  # the keys are still there to rotate
