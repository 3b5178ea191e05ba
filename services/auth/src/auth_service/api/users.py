"""Administration of users: list them, change their role. Admins only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from auth_service.api.deps import AdminUser, UnitOfWorkDep
from auth_service.domain.roles import Role
from auth_service.schemas import RoleUpdate, UserPage, UserRead
from auth_service.service import users

router = APIRouter(prefix="/api/auth/users", tags=["users"])


@router.get("")
async def list_users(
    admin: AdminUser,
    unit_of_work: UnitOfWorkDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    email: Annotated[
        str | None,
        Query(max_length=254, pattern=r"^[^\x00-\x1f\x7f]*$", description="Part of the email."),
    ] = None,
    role: Role | None = None,
) -> UserPage:
    """Users, newest first, filtered by part of the email and by role."""
    page = await users.get_all(
        unit_of_work=unit_of_work, limit=limit, cursor=cursor, email=email, role=role
    )
    return UserPage(
        items=[UserRead.model_validate(user) for user in page.items],
        total=page.total,
        next_cursor=page.next_cursor,
    )


@router.patch("/{user_id}")
async def update_user(
    user_id: uuid.UUID, body: RoleUpdate, admin: AdminUser, unit_of_work: UnitOfWorkDep
) -> UserRead:
    """Change a user's role; the last admin cannot be demoted."""
    user = await users.update_role(unit_of_work=unit_of_work, user_id=user_id, role=body.role)
    return UserRead.model_validate(user)
