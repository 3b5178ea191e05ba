"""An auth unit of work on dicts and fake peers, for unit tests of the use cases: no
database, no argon2, no signing keys.

``FakeAuthUnitOfWork`` builds fake repositories where ``AuthUnitOfWork`` builds SQL ones,
with the methods the use cases call, and tracks what they hand out as the real ones do: the
events a user records reach ``uow.committed`` only when the use case commits.

Use cases take a factory (``unit_of_work``): here every unit of work it makes is the one
fake ``uow`` (it can be re-entered), so a test passes ``unit_of_work`` and asserts on ``uow``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest

from auth_service.domain.refresh_tokens import RefreshToken, RefreshTokenFamily
from auth_service.domain.users import User
from marketplace_platform.testing.fakes import FakeUnitOfWork


class FakeUserRepository:
    def __init__(self, track: Callable[[User], User]) -> None:
        self.rows: dict[uuid.UUID, User] = {}
        self._track = track

    def add(self, user: User) -> None:
        self.rows[user.id] = self._track(user)

    async def get(self, user_id: uuid.UUID) -> User | None:
        user = self.rows.get(user_id)
        return None if user is None else self._track(user)

    async def get_by_email_key(self, email_key: str) -> User | None:
        found = [user for user in self.rows.values() if user.email_key == email_key]
        return self._track(found[0]) if found else None

    async def lock_admins(self) -> list[uuid.UUID]:
        return sorted(user.id for user in self.rows.values() if user.role == "admin")


class FakeRefreshTokenRepository:
    def __init__(self, track: Callable[[RefreshTokenFamily], RefreshTokenFamily]) -> None:
        self.families: dict[uuid.UUID, RefreshTokenFamily] = {}
        self.tokens: dict[str, RefreshToken] = {}  # by hash
        self._track = track

    def add_family(self, family: RefreshTokenFamily) -> None:
        self.families[family.id] = self._track(family)

    def add(self, token: RefreshToken) -> None:
        self.tokens[token.token_hash] = token

    async def find(self, token_hash: str) -> tuple[RefreshToken, RefreshTokenFamily] | None:
        token = self.tokens.get(token_hash)
        if token is None:
            return None
        return token, self._track(self.families[token.family_id])

    async def revoke_user(self, user_id: uuid.UUID, *, at: datetime, reason: str) -> None:
        for family in self.families.values():
            if family.user_id == user_id:
                family.revoke(now=at, reason=reason)


class FakeAuthUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(source="auth")
        # Built once and kept across transactions, like the tables they stand for.
        self.users = FakeUserRepository(self.track)
        self.refresh_tokens = FakeRefreshTokenRepository(self.track)


class FakePasswordHasher:
    """Hashes by prefixing: what the use cases store is visible, and nothing is slow."""

    async def hash(self, password: str) -> str:
        return f"hashed:{password}"

    async def verify(self, password: str, password_hash: str) -> tuple[bool, str | None]:
        return password_hash == f"hashed:{password}", None

    async def verify_nothing(self, password: str) -> None:
        return None


@dataclass(frozen=True)
class FakeAccessToken:
    token: str
    expires_in: int


class FakeIssuer:
    """Issues readable access tokens: ``<user id>:<role>``."""

    def issue(self, *, user_id: uuid.UUID, role: str, email: str, now: datetime) -> FakeAccessToken:
        return FakeAccessToken(token=f"{user_id}:{role}", expires_in=900)


@pytest.fixture
def uow() -> FakeAuthUnitOfWork:
    return FakeAuthUnitOfWork()


@pytest.fixture
def unit_of_work(uow: FakeAuthUnitOfWork) -> Callable[..., FakeAuthUnitOfWork]:
    def factory(*, read_only: bool = False) -> FakeAuthUnitOfWork:
        return uow

    return factory


@pytest.fixture
def passwords() -> FakePasswordHasher:
    return FakePasswordHasher()


@pytest.fixture
def issuer() -> FakeIssuer:
    return FakeIssuer()
