"""Creating accounts: self-service registration and the operator's ``ensure-admin``."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from auth_service.adapters.passwords import PasswordHasher
from auth_service.adapters.unit_of_work import UnitOfWorkFactory
from auth_service.domain.emails import normalise_email
from auth_service.domain.errors import EmailTaken, UserNotFound
from auth_service.domain.passwords import check_password
from auth_service.domain.roles import Role
from auth_service.domain.users import User
from marketplace_platform.clock import utcnow
from marketplace_platform.ids import new_id


async def register(
    *,
    unit_of_work: UnitOfWorkFactory,
    passwords: PasswordHasher,
    email: str,
    password: str,
    name: str,
    role: Role = Role.USER,
) -> User:
    """Create an account; the new ``User`` records ``UserRegistered``."""
    address = normalise_email(email)
    check_password(password, email=address)
    # Hash before the transaction: argon2 takes a while, and on SQLite an open write
    # transaction holds the only write lock.
    password_hash = await passwords.hash(password)
    async with unit_of_work() as uow:
        if await uow.users.get_by_email_key(address.key) is not None:
            raise EmailTaken("An account with this email exists already.")
        user = User.register(
            id=new_id(),
            address=address,
            password_hash=password_hash,
            name=name,
            role=role,
            now=utcnow(),
        )
        uow.users.add(user)
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


@dataclass(frozen=True, slots=True)
class AdminResult:
    outcome: AdminOutcome  # what happened to the account and its role
    password_set: bool  # an existing account got the given password (and was signed out)


async def ensure_admin(
    *,
    unit_of_work: UnitOfWorkFactory,
    passwords: PasswordHasher,
    email: str,
    password: str,
    name: str,
) -> AdminResult:
    """Make ``email`` an admin whose password is ``password``: create the account, or
    promote the existing one and give it that password.

    The operator who runs this owns the machine, so this is how a lost admin password is
    replaced. A new password ends every session of the account, as any password change
    should; the same password changes nothing (the launcher runs this on every start)."""
    address = normalise_email(email)
    async with unit_of_work(read_only=True) as uow:
        existing = await uow.users.get_by_email_key(address.key)
    if existing is None:
        await register(
            unit_of_work=unit_of_work,
            passwords=passwords,
            email=email,
            password=password,
            name=name,
            role=Role.ADMIN,
        )
        return AdminResult(AdminOutcome.CREATED, password_set=False)
    # Outside any transaction: argon2 takes a while (see ``register``).
    valid, new_hash = await passwords.verify(password, existing.password_hash)
    if not valid:
        check_password(password, email=address)
        new_hash = await passwords.hash(password)
    # (A valid one may still get a new hash: the cost parameters were raised since.)
    now = utcnow()
    async with unit_of_work() as uow:
        user = await uow.users.get(existing.id)
        if user is None:  # deleted in between: nothing is left to promote
            raise UserNotFound("The account was deleted meanwhile; run the command again.")
        promoted = user.promote_to_admin(now=now)
        if new_hash is not None:
            user.store_password_hash(new_hash)
        if not valid:
            await uow.refresh_tokens.revoke_user(user.id, at=now, reason="password")
        await uow.commit()
    outcome = AdminOutcome.PROMOTED if promoted else AdminOutcome.UNCHANGED
    return AdminResult(outcome, password_set=not valid)
