"""Administering users: the list and role changes."""

from __future__ import annotations

import uuid

from auth_service.adapters.repositories import UserFilter
from auth_service.adapters.unit_of_work import UnitOfWorkFactory
from auth_service.domain.errors import UserNotFound
from auth_service.domain.roles import Role
from auth_service.domain.users import User
from marketplace_platform.clock import utcnow
from marketplace_platform.pagination import Page, decode_cursor, page_after

CURSOR_TAG = "users"


async def get_all(
    *,
    unit_of_work: UnitOfWorkFactory,
    limit: int,
    cursor: str | None = None,
    email: str | None = None,
    role: Role | None = None,
) -> Page[User]:
    """A page of users, newest first; ``next_cursor`` continues after its last item."""
    where = UserFilter(email=email, role=role.value if role else None)
    before = decode_cursor(cursor, uuid.UUID, tag=CURSOR_TAG)[0] if cursor else None
    async with unit_of_work(read_only=True) as uow:
        rows = await uow.users.page(where=where, limit=limit + 1, before=before)
        total = await uow.users.count(where=where)
    return page_after(rows, limit=limit, key=lambda user: (user.id,), tag=CURSOR_TAG, total=total)


async def update_role(*, unit_of_work: UnitOfWorkFactory, user_id: uuid.UUID, role: Role) -> User:
    """Give a user a role (the user records ``UserUpdated``). The last admin stays an admin:
    the admins are locked first, so two demotions cannot both see another admin left."""
    async with unit_of_work() as uow:
        admins = await uow.users.lock_admins()
        user = await uow.users.get(user_id)
        if user is None:
            raise UserNotFound("There is no user with this id.")
        user.change_role(role, admin_count=len(admins), now=utcnow())
        await uow.commit()  # also when unchanged: a rolled-back session would expire ``user``
    return user
