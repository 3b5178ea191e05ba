"""Pruning old login failures never waits on rows another login holds.

Every failed login prunes the failures older than the window. On PostgreSQL two of them
deleting the same old rows at once could wait on each other and deadlock (a 500 for one of
them); a prune now skips rows another transaction holds. Shown with a ``lock_timeout``: a
prune that waited would fail on it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from auth_service.adapters.orm import LoginFailure
from auth_service.adapters.repositories import LoginFailureRepository
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database

pytestmark = pytest.mark.integration


async def test_a_prune_skips_rows_another_login_holds_and_removes_the_rest(
    database_url: str,
) -> None:
    database = Database(database_url, pool_size=2)
    now = utcnow()
    try:
        async with database.session() as session:
            for client in ("198.51.100.1", "198.51.100.2"):
                LoginFailureRepository(session).record(
                    account="a@example.com", client=client, at=now - timedelta(hours=2)
                )
            await session.commit()

        if database.dialect != "postgresql":
            async with database.session() as session:
                await LoginFailureRepository(session).prune(before=now - timedelta(hours=1))
                await session.commit()
                left = await session.scalar(select(func.count()).select_from(LoginFailure))
            assert left == 0
            return

        async with database.session() as holder, database.session() as pruner:
            held = await holder.scalar(
                select(LoginFailure.id)
                .where(LoginFailure.client == "198.51.100.1")
                .with_for_update()
            )
            await pruner.execute(text("SET LOCAL lock_timeout = '2s'"))
            await LoginFailureRepository(pruner).prune(before=now - timedelta(hours=1))
            await pruner.commit()
            await holder.rollback()

        async with database.session() as session:
            left = (await session.scalars(select(LoginFailure.id))).all()
        assert left == [held]
    finally:
        await database.dispose()
