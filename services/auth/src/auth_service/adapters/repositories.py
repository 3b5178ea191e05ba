"""Queries on the auth service's tables. Repositories add, find and change rows in the
session they are given; they never commit (the unit of work does)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from auth_service.adapters.orm import (
    LoginFailure,
    RefreshToken,
    RefreshTokenFamily,
    SigningKey,
    User,
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class UserFilter:
    email: str | None = None  # part of the address, any case
    role: str | None = None

    def apply(self, query: Select[tuple[User]]) -> Select[tuple[User]]:
        if self.email:
            pattern = f"%{_escape_like(self.email.lower())}%"
            query = query.where(User.email_key.like(pattern, escape="\\"))
        if self.role:
            query = query.where(User.role == self.role)
        return query


def _advisory_key(name: str) -> int:
    """A PostgreSQL advisory lock key (a signed 64-bit number) for ``name``."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, user: User) -> None:
        self.session.add(user)

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def get_by_email_key(self, email_key: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email_key == email_key))

    async def lock_admins(self) -> list[uuid.UUID]:
        """The admins' ids, locked until the transaction ends (PostgreSQL; SQLite holds its
        one write lock already), so two demotions cannot both see "another admin is left"."""
        query = select(User.id).where(User.role == "admin").order_by(User.id).with_for_update()
        return list((await self.session.scalars(query)).all())

    async def page(self, *, where: UserFilter, limit: int, before: uuid.UUID | None) -> list[User]:
        """Newest first (ids are time-ordered), starting after the cursor ``before``."""
        query = where.apply(select(User)).order_by(User.id.desc()).limit(limit)
        if before is not None:
            query = query.where(User.id < before)
        return list((await self.session.scalars(query)).all())

    async def count(self, *, where: UserFilter) -> int:
        query = where.apply(select(User)).with_only_columns(func.count(User.id))
        return int(await self.session.scalar(query) or 0)


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add_family(self, family: RefreshTokenFamily) -> None:
        self.session.add(family)

    def add(self, token: RefreshToken) -> None:
        self.session.add(token)

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        query = (
            select(RefreshToken)
            .where(RefreshToken.token_hash == token_hash)
            .options(joinedload(RefreshToken.family))
        )
        return await self.session.scalar(query)

    async def spend(self, token_id: uuid.UUID, *, at: datetime) -> bool:
        """Mark the token used, if nobody did first; False if another request spent it.

        One conditional UPDATE: on PostgreSQL a concurrent second one waits for the first to
        commit, then finds ``used_at`` set and changes nothing."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None))
            .values(used_at=at)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1

    async def revoke_family(self, family_id: uuid.UUID, *, at: datetime, reason: str) -> None:
        await self._revoke(RefreshTokenFamily.id == family_id, at=at, reason=reason)

    async def revoke_user(self, user_id: uuid.UUID, *, at: datetime, reason: str) -> None:
        """Revoke every family of the user: all their sessions."""
        await self._revoke(RefreshTokenFamily.user_id == user_id, at=at, reason=reason)

    async def _revoke(self, which: ColumnElement[bool], *, at: datetime, reason: str) -> None:
        # Families revoked already keep the time and the reason of their first revocation.
        await self.session.execute(
            update(RefreshTokenFamily)
            .where(which, RefreshTokenFamily.revoked_at.is_(None))
            .values(revoked_at=at, revoked_reason=reason)
            .execution_options(synchronize_session=False)
        )

    async def client_known(self, *, user_id: uuid.UUID, client: str, since: datetime) -> bool:
        """Whether the user logged in from ``client`` since ``since``."""
        query = select(RefreshTokenFamily.id).where(
            RefreshTokenFamily.user_id == user_id,
            RefreshTokenFamily.client == client,
            RefreshTokenFamily.created_at > since,
        )
        return await self.session.scalar(query.limit(1)) is not None


@dataclass(frozen=True, slots=True)
class FailureTimes:
    pair: list[datetime]
    client: list[datetime]
    account: list[datetime]


class LoginFailureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_scopes(self, *, account: str, client: str) -> None:
        """Hold back every other attempt on ``account`` or from ``client`` until this
        transaction ends, so that counting the failures and recording one is atomic.

        SQLite needs nothing: every write transaction begins IMMEDIATE and so already holds
        the database's one write lock. PostgreSQL takes a transaction-scoped advisory lock
        per scope, always in the same (sorted) order, so two attempts cannot deadlock."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for scope in sorted((f"login-account:{account}", f"login-client:{client}")):
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _advisory_key(scope)}
            )

    def record(self, *, account: str, client: str, at: datetime) -> None:
        self.session.add(LoginFailure(account=account, client=client, failed_at=at))

    async def times(self, *, account: str, client: str, since: datetime) -> FailureTimes:
        """Failure times since ``since`` for the account and for the client. Bounded: while
        a scope is over its limit nothing more is recorded for it."""
        by_account = (
            await self.session.execute(
                select(LoginFailure.client, LoginFailure.failed_at).where(
                    LoginFailure.account == account, LoginFailure.failed_at > since
                )
            )
        ).all()
        by_client = (
            await self.session.scalars(
                select(LoginFailure.failed_at).where(
                    LoginFailure.client == client, LoginFailure.failed_at > since
                )
            )
        ).all()
        return FailureTimes(
            pair=[at for row_client, at in by_account if row_client == client],
            client=list(by_client),
            account=[at for _, at in by_account],
        )

    async def clear_pair(self, *, account: str, client: str) -> None:
        await self.session.execute(
            delete(LoginFailure).where(
                LoginFailure.account == account, LoginFailure.client == client
            )
        )

    async def prune(self, *, before: datetime) -> None:
        """Forget failures older than ``before``. Any failed login may prune, so two may
        try to delete the same old rows at once: rows another transaction holds are skipped
        (the next prune takes them), so a prune never waits and two cannot deadlock. SQLite
        has no row locks and renders no ``FOR UPDATE``."""
        expired = (
            select(LoginFailure.id)
            .where(LoginFailure.failed_at < before)
            .with_for_update(skip_locked=True)
        )
        await self.session.execute(
            delete(LoginFailure)
            .where(LoginFailure.id.in_(expired))
            .execution_options(synchronize_session=False)
        )


class SigningKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, key: SigningKey) -> None:
        self.session.add(key)

    async def get_all(self) -> Sequence[SigningKey]:
        return (await self.session.scalars(select(SigningKey))).all()

    async def delete(self, kid: str) -> None:
        await self.session.execute(
            delete(SigningKey)
            .where(SigningKey.kid == kid)
            .execution_options(synchronize_session=False)
        )

    async def retire(self, kids: Sequence[str], *, at: datetime) -> None:
        if kids:
            await self.session.execute(
                update(SigningKey)
                .where(SigningKey.kid.in_(kids), SigningKey.retired_at.is_(None))
                .values(retired_at=at)
                .execution_options(synchronize_session=False)
            )
