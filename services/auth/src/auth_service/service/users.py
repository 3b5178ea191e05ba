"""Administering users: the list and role changes."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass

from auth_service.adapters.orm import User
from auth_service.adapters.repositories import UserFilter, UserRepository
from auth_service.domain.errors import UserNotFound
from auth_service.domain.roles import Role, check_role_change
from marketplace_contracts import UserUpdated
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.problems import InvalidInput


@dataclass(frozen=True, slots=True)
class Page:
    items: list[User]
    total: int
    next_cursor: str | None


def encode_cursor(user_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(user_id.bytes).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise InvalidInput("The cursor is not one this API gave out.") from None


async def get_all(
    *,
    db: Database,
    limit: int,
    cursor: str | None = None,
    email: str | None = None,
    role: Role | None = None,
) -> Page:
    """A page of users, newest first; ``next_cursor`` continues after its last item."""
    where = UserFilter(email=email, role=role.value if role else None)
    before = decode_cursor(cursor) if cursor else None
    async with db.read_session() as session:
        users = UserRepository(session)
        # One more than asked tells whether there is a next page without a second query.
        rows = await users.page(where=where, limit=limit + 1, before=before)
        total = await users.count(where=where)
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return Page(items=items, total=total, next_cursor=next_cursor)


async def update_role(*, uow: UnitOfWork, user_id: uuid.UUID, role: Role) -> User:
    """Give a user a role; publishes ``UserUpdated``. The last admin stays an admin."""
    async with uow:
        users = UserRepository(uow.session)
        admins = await users.lock_admins()
        user = await users.get(user_id)
        if user is None:
            raise UserNotFound("There is no user with this id.")
        if user.role != role:
            check_role_change(current=Role(user.role), new=role, admin_count=len(admins))
            user.role = role.value
            user.updated_at = utcnow()
            uow.publish(
                UserUpdated(user_id=user.id, name=user.name, role=role.value, changed=["role"])
            )
        await uow.commit()  # also when unchanged: a rolled-back session would expire ``user``
    return user
