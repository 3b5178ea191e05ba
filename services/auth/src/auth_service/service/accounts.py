"""Creating accounts: self-service registration and the operator's ``ensure-admin``."""

from __future__ import annotations

import enum

from sqlalchemy.exc import IntegrityError

from auth_service.adapters.orm import User
from auth_service.adapters.passwords import PasswordHasher
from auth_service.adapters.repositories import UserRepository
from auth_service.domain.emails import normalise_email
from auth_service.domain.errors import EmailTaken
from auth_service.domain.passwords import check_password
from auth_service.domain.roles import Role
from marketplace_contracts import UserRegistered, UserUpdated
from marketplace_platform.clock import utcnow
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.ids import new_id


async def register(
    *,
    uow: UnitOfWork,
    passwords: PasswordHasher,
    email: str,
    password: str,
    name: str,
    role: Role = Role.USER,
) -> User:
    """Create an account and publish ``UserRegistered`` with it."""
    address = normalise_email(email)
    check_password(password, email=address)
    # Hash before the transaction: argon2 takes a while, and on SQLite an open write
    # transaction holds the only write lock.
    password_hash = await passwords.hash(password)
    now = utcnow()
    async with uow:
        users = UserRepository(uow.session)
        if await users.get_by_email_key(address.key) is not None:
            raise EmailTaken("An account with this email exists already.")
        user = User(
            id=new_id(),
            email=address.address,
            email_key=address.key,
            password_hash=password_hash,
            role=role.value,
            name=name,
            created_at=now,
            updated_at=now,
        )
        users.add(user)
        uow.publish(
            UserRegistered(user_id=user.id, email=user.email, name=user.name, role=role.value)
        )
        try:
            await uow.commit()
        except IntegrityError:
            # Another registration of the same email won the race between check and insert.
            raise EmailTaken("An account with this email exists already.") from None
    return user


class AdminOutcome(enum.StrEnum):
    CREATED = "created"
    PROMOTED = "promoted"
    UNCHANGED = "unchanged"


async def ensure_admin(
    *, uow: UnitOfWork, passwords: PasswordHasher, email: str, password: str, name: str
) -> AdminOutcome:
    """Make ``email`` an admin: create the account, or promote the existing one (whose
    password is left as it is)."""
    address = normalise_email(email)
    async with uow:
        user = await UserRepository(uow.session).get_by_email_key(address.key)
        if user is not None:
            if user.role == Role.ADMIN:
                return AdminOutcome.UNCHANGED
            user.role = Role.ADMIN.value
            user.updated_at = utcnow()
            uow.publish(
                UserUpdated(user_id=user.id, name=user.name, role="admin", changed=["role"])
            )
            await uow.commit()
            return AdminOutcome.PROMOTED
    await register(
        uow=uow, passwords=passwords, email=email, password=password, name=name, role=Role.ADMIN
    )
    return AdminOutcome.CREATED
