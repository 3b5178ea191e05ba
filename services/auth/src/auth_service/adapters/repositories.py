"""Queries on the auth service's tables. Repositories add, find and change rows in the
session they are given; they never commit (the unit of work does). The repositories of
aggregates hand every user and refresh-token family they load or add to ``track``, so the
unit of work that built them stores the events those record with the commit."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.adapters.orm import (
    LoginFailure,
    SigningKey,
    UserOrder,
    refresh_token_families,
    refresh_tokens,
    users,
)
from auth_service.domain.refresh_tokens import RefreshToken, RefreshTokenFamily
from auth_service.domain.users import User


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class UserFilter:
    email: str | None = None  # part of the address, any case
    role: str | None = None

    def apply(self, query: Select[tuple[User]]) -> Select[tuple[User]]:
        if self.email:
            pattern = f"%{_escape_like(self.email.lower())}%"
            query = query.where(users.c.email_key.like(pattern, escape="\\"))
        if self.role:
            query = query.where(users.c.role == self.role)
        return query


def _advisory_key(name: str) -> int:
    """A PostgreSQL advisory lock key (a signed 64-bit number) for ``name``."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class UserRepository:
    def __init__(self, session: AsyncSession, *, track: Callable[[User], User]) -> None:
        self.session = session
        self._track = track

    def add(self, user: User) -> None:
        self.session.add(self._track(user))

    async def get(self, user_id: uuid.UUID) -> User | None:
        return self._found(await self.session.get(User, user_id))

    async def get_by_email_key(self, email_key: str) -> User | None:
        query = select(User).where(users.c.email_key == email_key)
        return self._found(await self.session.scalar(query))

    def _found(self, user: User | None) -> User | None:
        return None if user is None else self._track(user)

    async def lock_admins(self) -> list[uuid.UUID]:
        """The admins' ids, locked until the transaction ends (PostgreSQL; SQLite holds its
        one write lock already), so two demotions cannot both see "another admin is left"."""
        query = (
            select(users.c.id).where(users.c.role == "admin").order_by(users.c.id).with_for_update()
        )
        return list((await self.session.scalars(query)).all())

    async def page(self, *, where: UserFilter, limit: int, before: uuid.UUID | None) -> list[User]:
        """Newest first (ids are time-ordered), starting after the cursor ``before``."""
        query = where.apply(select(User)).order_by(users.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(users.c.id < before)
        return list((await self.session.scalars(query)).all())

    async def count(self, *, where: UserFilter) -> int:
        query = where.apply(select(User)).with_only_columns(func.count(users.c.id))
        return int(await self.session.scalar(query) or 0)


class RefreshTokenRepository:
    def __init__(
        self,
        session: AsyncSession,
        *,
        track: Callable[[RefreshTokenFamily], RefreshTokenFamily],
    ) -> None:
        self.session = session
        self._track = track

    def add_family(self, family: RefreshTokenFamily) -> None:
        self.session.add(self._track(family))

    def add(self, token: RefreshToken) -> None:
        self.session.add(token)

    async def find(self, token_hash: str) -> tuple[RefreshToken, RefreshTokenFamily] | None:
        """The token of this hash and its family, both rows locked until the transaction
        ends (PostgreSQL; SQLite holds its one write lock already).

        The lock is what makes reuse detection hold under concurrency: of two requests
        spending the same token at once, the second waits here, then reads what the first
        wrote (the token spent), so it is a reuse. Both rows, not only the family's: after
        the wait PostgreSQL re-reads the rows it locks, and only those."""
        query = (
            select(RefreshToken, RefreshTokenFamily)
            .join(RefreshTokenFamily, refresh_token_families.c.id == refresh_tokens.c.family_id)
            .where(refresh_tokens.c.token_hash == token_hash)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        row = (await self.session.execute(query)).one_or_none()
        if row is None:
            return None
        token, family = row
        return token, self._track(family)

    async def revoke_user(self, user_id: uuid.UUID, *, at: datetime, reason: str) -> None:
        """Revoke every family of the user: all their sessions, in one statement (none is
        loaded). Families revoked already keep the time and the reason of their first
        revocation."""
        await self.session.execute(
            update(refresh_token_families)
            .where(
                refresh_token_families.c.user_id == user_id,
                refresh_token_families.c.revoked_at.is_(None),
            )
            .values(revoked_at=at, revoked_reason=reason)
        )

    async def client_known(self, *, user_id: uuid.UUID, client: str, since: datetime) -> bool:
        """Whether the user logged in from ``client`` since ``since``."""
        families = refresh_token_families.c
        query = select(families.id).where(
            families.user_id == user_id, families.client == client, families.created_at > since
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


@dataclass(frozen=True, slots=True)
class ShownOrder:
    """What the history shows of an order now: the status and when it changed."""

    status: str
    updated_at: datetime


# The statements of every order event, built once and run with parameters: building them
# (and the ORM's flush of a loaded row) cost more than the SQL (docs/benchmarks.md, Saga).
_ORDERS = UserOrder.__table__
_LOCK_SHOWN = (
    select(_ORDERS.c.order_id, _ORDERS.c.status, _ORDERS.c.updated_at)
    .where(_ORDERS.c.order_id.in_(bindparam("order_ids", expanding=True)))
    .with_for_update()
)
_INSERT_ORDER = insert(_ORDERS)
_SHOW_STATUS = (
    update(_ORDERS)
    .where(_ORDERS.c.order_id == bindparam("order"))
    .values(status=bindparam("new_status"), updated_at=bindparam("changed_at"))
)
_SET_PLACED = (
    update(_ORDERS)
    .where(_ORDERS.c.order_id == bindparam("order"))
    .values(created_at=bindparam("placed_at"))
)


class OrderHistoryRepository:
    """The profile's order history: rows of the ``UserOrder`` projection.

    The consumer's transaction may apply several events at once (a group commit), some
    about the same order: what each order shows is read once, locked, and kept here as the
    events change it, so the next event in the transaction sees the change of the last."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._shown: dict[uuid.UUID, ShownOrder | None] = {}

    async def lock(self, order_ids: Iterable[uuid.UUID]) -> None:
        """Read and lock the rows of these orders in one statement (PostgreSQL; SQLite holds
        its one write lock already), so two transactions apply one order's events in turn."""
        missing = sorted(set(order_ids) - self._shown.keys())
        if not missing:
            return
        rows = await self.session.execute(_LOCK_SHOWN, {"order_ids": missing})
        self._shown.update(dict.fromkeys(missing))
        for order_id, status, updated_at in rows:
            self._shown[order_id] = ShownOrder(status, updated_at)

    async def shown(self, order_id: uuid.UUID) -> ShownOrder | None:
        """What the order shows now (its row locked), None if it has no row yet."""
        if order_id not in self._shown:
            await self.lock([order_id])
        return self._shown[order_id]

    async def add(
        self,
        *,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        status: str,
        total: int,
        currency: str,
        created_at: datetime,
        updated_at: datetime,
    ) -> None:
        await self.session.execute(
            _INSERT_ORDER,
            {
                "order_id": order_id,
                "user_id": user_id,
                "status": status,
                "total": total,
                "currency": currency,
                "created_at": created_at,
                "updated_at": updated_at,
            },
        )
        self._shown[order_id] = ShownOrder(status, updated_at)

    async def show_status(self, order_id: uuid.UUID, status: str, *, at: datetime) -> None:
        await self.session.execute(
            _SHOW_STATUS, {"order": order_id, "new_status": status, "changed_at": at}
        )
        self._shown[order_id] = ShownOrder(status, at)

    async def set_placed_at(self, order_id: uuid.UUID, placed_at: datetime) -> None:
        await self.session.execute(_SET_PLACED, {"order": order_id, "placed_at": placed_at})

    async def newest(self, user_id: uuid.UUID, *, limit: int) -> Sequence[UserOrder]:
        """The user's orders, newest first, at most ``limit``."""
        query = (
            select(UserOrder)
            .where(UserOrder.user_id == user_id)
            .order_by(UserOrder.created_at.desc(), UserOrder.order_id.desc())
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()
