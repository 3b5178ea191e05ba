"""Idempotency keys on each engine: claim, replay, refusal of a reused key, 409 while in
flight, release, lease takeover, retention; and the fingerprint and header rules."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from marketplace_platform import idempotency
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.http import install_problem_handlers
from marketplace_platform.idempotency import (
    Claim,
    IdempotencyBase,
    IdempotencyKeyHeader,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    IdempotencyKeys,
    IdempotencyRecord,
    InvalidIdempotencyKey,
    Replay,
    check_key,
    once,
    request_fingerprint,
)
from marketplace_platform.testing.database import PostgresTemplates

# The effect the requests under test have: one row per completed request.
effects_metadata = MetaData()
effects = Table("effects", effects_metadata, Column("id", Integer, primary_key=True))

SCOPE = "orders:user-1"
PRINT = request_fingerprint("POST", "/api/orders", {"items": [{"product_id": "p", "quantity": 1}]})
OTHER_PRINT = request_fingerprint("POST", "/api/orders", {"items": []})


async def _create_tables(url: str) -> None:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(IdempotencyBase.metadata.create_all)
        await conn.run_sync(effects_metadata.create_all)
    await db.dispose()


@pytest.fixture
async def db(
    database_engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Database]:
    if database_engine == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"
        await _create_tables(url)
    else:
        templates: PostgresTemplates = request.getfixturevalue("postgres_templates")
        url = await asyncio.to_thread(
            templates.clone, "platform_idempotency", lambda u: asyncio.run(_create_tables(u))
        )
    database = Database(url, pool_size=5)
    yield database
    await database.dispose()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[timedelta], None]:
    """Move the module's clock forward by a duration."""
    offset = timedelta(0)

    def now() -> datetime:
        return utcnow() + offset

    def advance(by: timedelta) -> None:
        nonlocal offset
        offset += by

    monkeypatch.setattr(idempotency, "utcnow", now)
    return advance


async def effect_count(db: Database) -> int:
    async with db.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(effects)) or 0)


async def run_effect(db: Database, keys: IdempotencyKeys, claim: Claim, body: object) -> None:
    """The effect and its stored answer, in one transaction."""
    async with db.session() as session, session.begin():
        await session.execute(insert(effects).values())
        await keys.complete(session, claim, status=201, body=body)


@pytest.mark.integration
async def test_the_first_request_claims_and_a_retry_replays_its_answer(db: Database) -> None:
    keys = IdempotencyKeys(db)
    claim = await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT)
    assert isinstance(claim, Claim)
    await run_effect(db, keys, claim, {"id": "order-1", "total": 100})

    replay = await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT)
    assert replay == Replay(status=201, body={"id": "order-1", "total": 100})
    response = replay.response()
    assert response.status_code == 201
    assert response.headers["Idempotent-Replayed"] == "true"
    assert await effect_count(db) == 1


@pytest.mark.integration
async def test_the_same_key_with_other_parameters_is_refused(db: Database) -> None:
    keys = IdempotencyKeys(db)
    claim = await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT)
    assert isinstance(claim, Claim)
    await run_effect(db, keys, claim, {"id": "order-1"})
    with pytest.raises(IdempotencyKeyReused) as refused:
        await keys.begin(scope=SCOPE, key="k-1", fingerprint=OTHER_PRINT)
    assert refused.value.status == 422


@pytest.mark.integration
async def test_a_key_in_flight_answers_conflict_and_even_with_other_parameters(
    db: Database,
) -> None:
    keys = IdempotencyKeys(db)
    assert isinstance(await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT), Claim)
    with pytest.raises(IdempotencyKeyInUse) as busy:
        await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT)
    assert busy.value.status == 409
    with pytest.raises(IdempotencyKeyReused):
        await keys.begin(scope=SCOPE, key="k-1", fingerprint=OTHER_PRINT)


@pytest.mark.integration
async def test_concurrent_requests_with_one_key_let_exactly_one_through(db: Database) -> None:
    keys = IdempotencyKeys(db)

    async def attempt() -> Claim | Replay | Exception:
        try:
            return await keys.begin(scope=SCOPE, key="race", fingerprint=PRINT)
        except IdempotencyKeyInUse as exc:
            return exc

    outcomes = await asyncio.gather(*(attempt() for _ in range(5)))
    assert sum(isinstance(outcome, Claim) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, IdempotencyKeyInUse) for outcome in outcomes) == 4


@pytest.mark.integration
async def test_keys_are_scoped_so_two_callers_never_collide(db: Database) -> None:
    keys = IdempotencyKeys(db)
    first = await keys.begin(scope="orders:user-1", key="same", fingerprint=PRINT)
    second = await keys.begin(scope="orders:user-2", key="same", fingerprint=PRINT)
    assert isinstance(first, Claim)
    assert isinstance(second, Claim)


@pytest.mark.integration
async def test_a_released_key_runs_afresh(db: Database) -> None:
    keys = IdempotencyKeys(db)
    claim = await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT)
    assert isinstance(claim, Claim)
    await keys.release(claim)
    # A corrected retry may even change the body: the first attempt did nothing.
    assert isinstance(await keys.begin(scope=SCOPE, key="k-1", fingerprint=OTHER_PRINT), Claim)


@pytest.mark.integration
async def test_an_answer_stored_in_a_rolled_back_transaction_is_not_kept(db: Database) -> None:
    keys = IdempotencyKeys(db)
    claim = await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT)
    assert isinstance(claim, Claim)
    async with db.session() as session, session.begin():
        await session.execute(insert(effects).values())
        await keys.complete(session, claim, status=201, body={"id": "lost"})
        await session.rollback()
    assert await effect_count(db) == 0
    await keys.release(claim)
    assert isinstance(await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT), Claim)


@pytest.mark.integration
async def test_releasing_a_completed_key_keeps_its_answer(db: Database) -> None:
    keys = IdempotencyKeys(db)
    claim = await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT)
    assert isinstance(claim, Claim)
    await run_effect(db, keys, claim, {"id": "order-1"})
    await keys.release(claim)
    assert isinstance(await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT), Replay)


@pytest.mark.integration
async def test_an_abandoned_claim_is_taken_over_after_the_lease(db: Database, clock) -> None:
    keys = IdempotencyKeys(db, lease=timedelta(seconds=30))
    stale = await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT)
    assert isinstance(stale, Claim)
    clock(timedelta(seconds=31))
    fresh = await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT)
    assert isinstance(fresh, Claim)
    assert fresh.token != stale.token

    # The first holder wakes up: its answer is refused, so its effect rolls back.
    with pytest.raises(IdempotencyKeyInUse):
        await run_effect(db, keys, stale, {"id": "stale"})
    await run_effect(db, keys, fresh, {"id": "fresh"})
    assert await effect_count(db) == 1
    replay = await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT)
    assert replay == Replay(status=201, body={"id": "fresh"})


@pytest.mark.integration
async def test_answers_are_kept_for_the_retention_then_pruned(db: Database, clock) -> None:
    keys = IdempotencyKeys(db, retention=timedelta(hours=24))
    old = await keys.begin(scope=SCOPE, key="old", fingerprint=PRINT)
    assert isinstance(old, Claim)
    await run_effect(db, keys, old, {"id": "order-1"})
    clock(timedelta(hours=23))
    assert isinstance(await keys.begin(scope=SCOPE, key="old", fingerprint=PRINT), Replay)
    recent = await keys.begin(scope=SCOPE, key="recent", fingerprint=PRINT)
    assert isinstance(recent, Claim)

    clock(timedelta(hours=2))
    assert await keys.prune(now=idempotency.utcnow()) == 1
    async with db.read_session() as session:
        left = set(await session.scalars(select(IdempotencyRecord.key)))
    assert left == {"recent"}


@pytest.mark.integration
async def test_an_expired_key_is_free_again_before_it_is_pruned(db: Database, clock) -> None:
    keys = IdempotencyKeys(db, retention=timedelta(hours=24))
    claim = await keys.begin(scope=SCOPE, key="k-1", fingerprint=PRINT)
    assert isinstance(claim, Claim)
    await run_effect(db, keys, claim, {"id": "order-1"})
    clock(timedelta(hours=25))
    assert isinstance(await keys.begin(scope=SCOPE, key="k-1", fingerprint=OTHER_PRINT), Claim)


@pytest.mark.unit
def test_the_fingerprint_ignores_key_order_and_spacing_but_not_content() -> None:
    body = {"items": [{"product_id": "p", "quantity": 1}], "address": "Moscow"}
    reordered = {"address": "Moscow", "items": [{"quantity": 1, "product_id": "p"}]}
    assert request_fingerprint("POST", "/a", body) == request_fingerprint("post", "/a", reordered)
    assert request_fingerprint("POST", "/a", body) != request_fingerprint("POST", "/b", body)
    assert request_fingerprint("POST", "/a", body) != request_fingerprint("PUT", "/a", body)
    changed = {**body, "address": "Kazan"}
    assert request_fingerprint("POST", "/a", body) != request_fingerprint("POST", "/a", changed)


@pytest.mark.unit
@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tinside", "кириллица", "new\nline"])
def test_keys_must_be_1_to_255_printable_ascii_characters(key: str) -> None:
    with pytest.raises(InvalidIdempotencyKey):
        check_key(key)


@pytest.mark.unit
@pytest.mark.parametrize("key", ["a", "x" * 255, "9f1c-4e2a order #1 ~!"])
def test_good_keys_pass(key: str) -> None:
    assert check_key(key) == key


@pytest.mark.unit
def test_retention_and_lease_must_be_positive() -> None:
    db = Database("sqlite+aiosqlite:///:memory:")
    with pytest.raises(ValueError, match="positive"):
        IdempotencyKeys(db, lease=timedelta(0))


async def test_the_header_dependency_answers_a_problem_for_a_bad_key() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def create_thing(key: IdempotencyKeyHeader) -> dict[str, str | None]:
        return {"key": key}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post("/things")).json() == {"key": None}
        good = await client.post("/things", headers={"Idempotency-Key": "abc"})
        assert good.json() == {"key": "abc"}
        bad = await client.post("/things", headers={"Idempotency-Key": "x" * 256})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["type"].endswith("/invalid-idempotency-key")


class Refused(Exception):
    """A refusal before the effect did anything."""


def placing(db: Database, keys: IdempotencyKeys, answer: object, calls: list[Claim | None]):
    """An effect that records each call and stores ``answer`` with its claim."""

    async def effect(claim: Claim | None) -> object:
        calls.append(claim)
        async with db.session() as session, session.begin():
            await session.execute(insert(effects).values())
            if claim is not None:
                await keys.complete(session, claim, status=201, body=answer)
        return answer

    return effect


@pytest.mark.integration
async def test_once_runs_the_effect_once_and_replays_its_answer(db: Database) -> None:
    keys = IdempotencyKeys(db)
    calls: list[Claim | None] = []
    effect = placing(db, keys, {"id": "order-1"}, calls)
    keyed = keys.keyed("k-1", scope=SCOPE, fingerprint=PRINT)
    assert await once(keyed, effect) == {"id": "order-1"}
    assert await once(keyed, effect) == Replay(status=201, body={"id": "order-1"})
    assert len(calls) == 1
    assert isinstance(calls[0], Claim)
    assert await effect_count(db) == 1


@pytest.mark.integration
async def test_once_without_a_key_runs_every_time(db: Database) -> None:
    keys = IdempotencyKeys(db)
    calls: list[Claim | None] = []
    effect = placing(db, keys, {"id": "x"}, calls)
    keyed = keys.keyed(None, scope=SCOPE, fingerprint=PRINT)
    assert keyed is None
    await once(keyed, effect)
    await once(keyed, effect)
    assert calls == [None, None]
    assert await effect_count(db) == 2


@pytest.mark.integration
async def test_once_refuses_the_key_with_another_request(db: Database) -> None:
    keys = IdempotencyKeys(db)
    calls: list[Claim | None] = []
    await once(keys.keyed("k-1", scope=SCOPE, fingerprint=PRINT), placing(db, keys, 1, calls))
    with pytest.raises(IdempotencyKeyReused):
        await once(
            keys.keyed("k-1", scope=SCOPE, fingerprint=OTHER_PRINT), placing(db, keys, 2, calls)
        )
    assert len(calls) == 1


@pytest.mark.integration
async def test_once_answers_409_to_a_duplicate_while_the_first_runs(db: Database) -> None:
    keys = IdempotencyKeys(db)
    keyed = keys.keyed("k-1", scope=SCOPE, fingerprint=PRINT)
    started, finish = asyncio.Event(), asyncio.Event()

    async def slow(claim: Claim | None) -> str:
        started.set()
        await finish.wait()
        return "done"

    first = asyncio.create_task(once(keyed, slow))
    await started.wait()
    with pytest.raises(IdempotencyKeyInUse):
        await once(keyed, slow)
    finish.set()
    assert await first == "done"


@pytest.mark.integration
async def test_once_releases_the_key_when_the_effect_fails(db: Database) -> None:
    keys = IdempotencyKeys(db)
    keyed = keys.keyed("k-1", scope=SCOPE, fingerprint=PRINT)

    async def refuse(claim: Claim | None) -> None:
        raise Refused

    with pytest.raises(Refused):
        await once(keyed, refuse)
    calls: list[Claim | None] = []
    assert await once(keyed, placing(db, keys, "fresh", calls)) == "fresh"
    assert len(calls) == 1


@pytest.mark.integration
async def test_once_keeps_the_claim_on_errors_it_is_not_told_to_release_on(db: Database) -> None:
    keys = IdempotencyKeys(db)
    keyed = keys.keyed("k-1", scope=SCOPE, fingerprint=PRINT)

    async def half_done(claim: Claim | None) -> None:
        raise RuntimeError("recorded something, then failed")

    with pytest.raises(RuntimeError):
        await once(keyed, half_done, release_on=(Refused,))
    # The lease, not a retry, frees it: the effect may have happened in part.
    with pytest.raises(IdempotencyKeyInUse):
        await once(keyed, placing(db, keys, "again", []))


@pytest.mark.integration
async def test_a_key_claimed_in_a_first_step_commits_with_it(db: Database) -> None:
    """``begin_in`` + ``once(begin=...)``: the claim and the effect's first step are one
    transaction; a duplicate in flight gets 409, a retry after it completed the answer."""
    keys = IdempotencyKeys(db)
    keyed = keys.keyed("k-1", scope=SCOPE, fingerprint=PRINT)
    assert keyed is not None
    started, finish = asyncio.Event(), asyncio.Event()

    async def first_step(keyed: idempotency.KeyedRequest) -> Claim | Replay:
        async with db.session() as session, session.begin():
            begun = await keys.begin_in(
                session, scope=keyed.scope, key=keyed.key, fingerprint=keyed.fingerprint
            )
            if isinstance(begun, Claim):
                await session.execute(insert(effects).values())
        return begun

    async def rest(claim: Claim | None) -> str:
        assert claim is not None
        started.set()
        await finish.wait()
        async with db.session() as session, session.begin():
            await keys.complete(session, claim, status=201, body="done")
        return "done"

    first = asyncio.create_task(once(keyed, rest, begin=first_step))
    await started.wait()
    assert await effect_count(db) == 1  # the first step committed with the claim
    with pytest.raises(IdempotencyKeyInUse):
        await once(keyed, rest, begin=first_step)
    finish.set()
    assert await first == "done"
    assert await once(keyed, rest, begin=first_step) == Replay(status=201, body="done")
    assert await effect_count(db) == 1


@pytest.mark.integration
async def test_a_first_step_that_refuses_leaves_the_key_free(db: Database) -> None:
    keys = IdempotencyKeys(db)
    keyed = keys.keyed("k-1", scope=SCOPE, fingerprint=PRINT)

    async def refusing_step(keyed: idempotency.KeyedRequest) -> Claim | Replay:
        async with db.session() as session, session.begin():
            await keys.begin_in(
                session, scope=keyed.scope, key=keyed.key, fingerprint=keyed.fingerprint
            )
            raise Refused

    async def never(claim: Claim | None) -> None:
        raise AssertionError("the effect must not run after its first step refused")

    with pytest.raises(Refused):
        await once(keyed, never, begin=refusing_step)
    calls: list[Claim | None] = []
    assert await once(keyed, placing(db, keys, "fresh", calls)) == "fresh"
    assert len(calls) == 1
