"""Idempotency keys with Stripe's semantics, for POST routes whose effect must happen once.

A client that may retry a request (a timeout, a dropped connection) sends a header
``Idempotency-Key`` (1-255 printable ASCII characters; without one nothing is de-duplicated).
Keys are scoped by the caller (``"orders:<user id>"``): two users never share a key. What a
key promises:

- the first request with it *claims* it: an ``in_progress`` row, committed in its own short
  transaction (or with the effect's first step, when that step is a transaction committed
  before anything else happens: ``begin_in``), unique on ``(scope, key)``;
- a second request while the first is in flight gets 409 (``IdempotencyKeyInUse``): it must
  not start the effect a second time;
- the same key with a different request (another ``fingerprint``: method, path and canonical
  JSON body) is refused with 422 (``IdempotencyKeyReused``);
- the same key and request after the first completed replays the first answer: its status
  and body, with the header ``Idempotent-Replayed: true``; results are kept ``retention``
  (24 hours), then pruned;
- a request that failed before doing anything (a validation or domain error, an unreachable
  dependency) *releases* its claim, so a corrected retry runs afresh.

A claim is a lease: if the process dies mid-request the row stays ``in_progress``, and after
``lease`` another request with that key may take it over. A claim therefore carries a token;
``complete`` and ``release`` act only while the claim still holds it.

Use from a FastAPI route through ``once``, which claims the key, replays a completed one,
and releases the claim if the effect fails (the answer is stored in the *same* transaction as
the effect when the effect is one transaction, so an answer is stored if and only if the
effect happened)::

    keys = IdempotencyKeys(db)  # one per process, e.g. in the service's components

    async def create_order(body: OrderCreate, user: CurrentUser, key: IdempotencyKeyHeader,
                           request: Request) -> Response:
        async def place(claim: Claim | None) -> Order:
            async with uow:
                ...  # the effect
                if claim is not None:
                    await keys.complete(uow.session, claim, status=201, body=answer)
                await uow.commit()

        keyed = keys.keyed(key, scope=f"orders:{user.user_id}",
                           fingerprint=request_fingerprint(request.method, request.url.path,
                                                           body.model_dump(mode="json")))
        result = await once(keyed, place)
        if isinstance(result, Replay):
            return result.response()
        ...

Where the effect cannot share the transaction (payments: the charge is an outside call),
``complete`` goes in the transaction that records the charge's result, right after it.

The table lives on its own metadata (``IdempotencyBase.metadata``), not on ``PlatformBase``,
so services that do not use keys need no migration for it; a service that does includes the
metadata in its ``env.py`` and creates the table in a migration with
``marketplace_platform.migrations.create_idempotency_table``.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import JSON, Index, String, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import Uuid

from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database, UTCDateTime, dialect_statement, new_metadata
from marketplace_platform.problems import Conflict, InvalidInput

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
DEFAULT_RETENTION = timedelta(hours=24)
DEFAULT_LEASE = timedelta(minutes=1)

IN_PROGRESS = "in_progress"
COMPLETED = "completed"


class IdempotencyKeyInUse(Conflict):
    type_slug, title = "idempotency-key-in-use", "Idempotency key in use"


class IdempotencyKeyReused(InvalidInput):
    type_slug, title = "idempotency-key-reused", "Idempotency key reused"


class InvalidIdempotencyKey(InvalidInput):
    type_slug, title = "invalid-idempotency-key", "Invalid idempotency key"


class IdempotencyBase(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class IdempotencyRecord(IdempotencyBase):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    # Who holds the claim now; a takeover after the lease changes it.
    token: Mapped[uuid.UUID]
    locked_at: Mapped[datetime]
    response_status: Mapped[int | None] = mapped_column(default=None)
    response_body: Mapped[Any | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    __table_args__ = (Index("ix_idempotency_keys_expires_at", "expires_at"),)


# The statements of every keyed request, the claim's insert (per dialect) and the
# answer's update, are built once and run with parameters, in Core: SQLAlchemy finds their
# compiled form in its cache without building and hashing a statement per request, and
# skips the ORM's bulk-DML path.
_KEYS = IdempotencyRecord.__table__
_COMPLETE = (
    update(_KEYS)
    .where(
        _KEYS.c.scope == bindparam("b_scope"),
        _KEYS.c.key == bindparam("b_key"),
        _KEYS.c.token == bindparam("b_token"),
        _KEYS.c.state == IN_PROGRESS,
    )
    .values(
        state=COMPLETED,
        response_status=bindparam("b_status"),
        response_body=bindparam("b_body"),
    )
)


def _claim(insert: Any) -> Any:
    return insert(_KEYS).on_conflict_do_nothing(index_elements=["scope", "key"])


@dataclass(frozen=True, slots=True)
class Claim:
    """This request holds the key: do the effect, then ``complete`` (or ``release``)."""

    scope: str
    key: str
    fingerprint: str
    token: uuid.UUID


@dataclass(frozen=True, slots=True)
class Replay:
    """The key's first request completed: answer what it answered."""

    status: int
    body: Any

    def response(self) -> Response:
        return JSONResponse(self.body, status_code=self.status, headers={REPLAYED_HEADER: "true"})


def canonical_json(value: Any) -> bytes:
    """One byte string per JSON value whatever the key order or spacing it arrived in."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """What makes two requests "the same" for a key: method, path and the JSON body
    (a validated model's ``model_dump(mode="json")``, or the parsed request body)."""
    digest = hashlib.sha256()
    digest.update(method.upper().encode())
    digest.update(b"\n")
    digest.update(path.encode())
    digest.update(b"\n")
    digest.update(canonical_json(body))
    return digest.hexdigest()


def check_key(key: str) -> str:
    """``InvalidIdempotencyKey`` unless 1-255 printable ASCII characters."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= char <= "~" for char in key):
        raise InvalidIdempotencyKey(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters."
        )
    return key


async def idempotency_key(request: Request) -> str | None:
    """The request's ``Idempotency-Key`` header, checked; None when absent."""
    raw = request.headers.get(HEADER)
    return None if raw is None else check_key(raw)


IdempotencyKeyHeader = Annotated[str | None, Depends(idempotency_key)]


class IdempotencyKeys:
    """The keys of one service's database; one instance per process."""

    def __init__(
        self,
        db: Database,
        *,
        retention: timedelta = DEFAULT_RETENTION,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        if retention <= timedelta(0) or lease <= timedelta(0):
            raise ValueError("retention and lease must be positive")
        self.db = db
        self.retention = retention
        self.lease = lease

    def keyed(self, key: str | None, *, scope: str, fingerprint: str) -> KeyedRequest | None:
        """The request's key with what it was sent with, for ``once``; None without a key."""
        if key is None:
            return None
        return KeyedRequest(self, scope=scope, key=key, fingerprint=fingerprint)

    async def begin(self, *, scope: str, key: str, fingerprint: str) -> Claim | Replay:
        """Claim the key, or answer how its first request ended.

        Raises ``IdempotencyKeyReused`` (another request used the key) or
        ``IdempotencyKeyInUse`` (its first request is still running). Commits at once: the
        claim is visible to every replica before the effect starts.
        """
        async with self.db.session() as session, session.begin():
            return await self.begin_in(session, scope=scope, key=key, fingerprint=fingerprint)

    async def begin_in(
        self, session: AsyncSession, *, scope: str, key: str, fingerprint: str
    ) -> Claim | Replay:
        """``begin`` in ``session``'s transaction, for an effect whose first step is a
        transaction that commits before anything else happens (orders: the reservation
        intent, before the catalog is called): the claim commits with it, one transaction
        instead of two, and goes if it rolls back (a refusal in that step leaves the key
        free, as a release would)."""
        check_key(key)
        now = utcnow()
        token = uuid.uuid4()
        inserted = await session.execute(
            dialect_statement(session, ("idempotency-claim",), _claim),
            {"scope": scope, "key": key, "token": token, "locked_at": now,
             **self._fresh(fingerprint, now)},
        )
        if inserted.rowcount == 1:  # type: ignore[attr-defined]
            return Claim(scope, key, fingerprint, token)
        record = await session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
            )
        )
        if record is None:  # released or pruned between the two statements
            raise IdempotencyKeyInUse("A request with this key is in progress; retry.")
        if record.expires_at <= now:
            # Past retention: the key is free again, as if pruned.
            return await self._take_over(session, record, fingerprint, token, now, fresh=True)
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                f"This {HEADER} was used with different parameters; use a new key."
            )
        if record.state == COMPLETED:
            return Replay(status=record.response_status or 200, body=record.response_body)
        if record.locked_at + self.lease > now:
            raise IdempotencyKeyInUse(
                f"A request with this {HEADER} is still in progress; retry later."
            )
        # Its holder has not finished within the lease: it died, or hangs. Take over.
        return await self._take_over(session, record, fingerprint, token, now, fresh=False)

    def _fresh(self, fingerprint: str, now: datetime) -> dict[str, Any]:
        """What a key claimed afresh holds besides its holder: no answer yet, and the
        retention counted from now."""
        return {
            "fingerprint": fingerprint,
            "state": IN_PROGRESS,
            "response_status": None,
            "response_body": None,
            "created_at": now,
            "expires_at": now + self.retention,
        }

    async def _take_over(
        self,
        session: AsyncSession,
        record: IdempotencyRecord,
        fingerprint: str,
        token: uuid.UUID,
        now: datetime,
        *,
        fresh: bool,
    ) -> Claim:
        values: dict[str, Any] = {"token": token, "locked_at": now}
        if fresh:
            values.update(self._fresh(fingerprint, now))
        taken = await session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.scope == record.scope,
                IdempotencyRecord.key == record.key,
                IdempotencyRecord.token == record.token,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise IdempotencyKeyInUse(f"A request with this {HEADER} is in progress; retry.")
        return Claim(record.scope, record.key, fingerprint, token)

    async def complete(
        self, session: AsyncSession, claim: Claim, *, status: int, body: Any
    ) -> None:
        """Store the answer in ``session``'s transaction (the effect's): it is kept if and
        only if that transaction commits. Raises ``IdempotencyKeyInUse`` if the claim was
        lost (taken over after the lease), so the effect rolls back rather than happen
        twice."""
        stored = await session.execute(
            _COMPLETE,
            {"b_scope": claim.scope, "b_key": claim.key, "b_token": claim.token,
             "b_status": status, "b_body": body},
        )
        if stored.rowcount != 1:  # type: ignore[attr-defined]
            raise IdempotencyKeyInUse(f"This request lost its {HEADER} to a retry.")

    async def release(self, claim: Claim) -> None:
        """Give the key up (nothing was done): the next request with it runs afresh. A
        completed key, or one taken over since, is left alone."""
        async with self.db.session() as session, session.begin():
            await session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.scope == claim.scope,
                    IdempotencyRecord.key == claim.key,
                    IdempotencyRecord.token == claim.token,
                    IdempotencyRecord.state == IN_PROGRESS,
                )
            )

    async def prune(self, *, now: datetime | None = None) -> int:
        """Delete keys past their retention; returns how many."""
        async with self.db.session() as session, session.begin():
            result = await session.execute(
                delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= (now or utcnow()))
            )
        return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class KeyedRequest:
    """An ``Idempotency-Key``, the caller it belongs to, and what it was sent with."""

    keys: IdempotencyKeys
    scope: str
    key: str
    fingerprint: str


Result = TypeVar("Result")


async def once(
    keyed: KeyedRequest | None,
    effect: Callable[[Claim | None], Awaitable[Result]],
    *,
    release_on: tuple[type[BaseException], ...] = (BaseException,),
    begin: Callable[[KeyedRequest], Awaitable[Claim | Replay]] | None = None,
) -> Result | Replay:
    """Run ``effect`` at most once per key: the same key and request replay the first answer
    (``Replay``), another request with the key is refused (422), and one while the first is in
    flight gets 409 rather than waiting (its effect must not start twice).

    ``effect`` gets the claim (None without a key) and stores its answer with
    ``keys.complete`` in the transaction of its effect. If it raises one of ``release_on``,
    the claim is released so that a corrected retry runs afresh: the default suits an effect
    that is one transaction; one that records something before an outside call releases only
    on the errors that come before anything was recorded. A release that fails is logged, and
    the lease frees the key instead: the effect's own error is the one that matters.

    ``begin`` claims the key, by default in a transaction of its own (``keys.begin``). An
    effect whose first step is a transaction that commits before anything else happens can
    claim it there instead (``keys.begin_in``), and saves a transaction: ``begin`` then makes
    that step too, and ``effect`` goes on from it. What ``begin`` raises leaves the key as it
    was, since its transaction rolled back."""
    if keyed is None:
        return await effect(None)
    if begin is None:
        begun = await keyed.keys.begin(
            scope=keyed.scope, key=keyed.key, fingerprint=keyed.fingerprint
        )
    else:
        begun = await begin(keyed)
    if isinstance(begun, Replay):
        return begun
    try:
        return await effect(begun)
    except release_on:
        try:
            await keyed.keys.release(begun)
        except Exception:
            log.exception("could not release an idempotency key")
        raise
