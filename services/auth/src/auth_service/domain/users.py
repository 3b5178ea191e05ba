"""The ``User`` aggregate: an account, its profile and its role, and the events their
changes cause (``UserRegistered``, ``UserUpdated`` naming the fields that changed).

Plain Python: ``adapters/orm.py`` maps it onto the ``users`` table (imperative mapping), so
the rules here are tested without a database.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from auth_service.domain.emails import EmailAddress
from auth_service.domain.roles import Role, check_role_change
from marketplace_contracts import UserRegistered, UserUpdated
from marketplace_platform.aggregates import Aggregate

# What the user may change of their own profile (already cleaned by ``domain.profile``).
PROFILE_FIELDS = frozenset({"name", "phone", "address", "bio"})


class User(Aggregate):
    def __init__(
        self,
        *,
        id: uuid.UUID,
        email: str,
        email_key: str,
        password_hash: str,
        role: Role,
        name: str,
        now: datetime,
    ) -> None:
        self.id = id
        self.email = email  # as typed, domain lowercased
        self.email_key = email_key  # the whole address lowercased: unique
        self.password_hash = password_hash
        self.role = role.value
        self.name = name
        self.phone: str | None = None
        self.address: str | None = None
        self.bio: str | None = None
        self.avatar_file: str | None = None  # 256 px
        self.avatar_small_file: str | None = None  # 64 px
        self.created_at = now
        self.updated_at = now

    @classmethod
    def register(
        cls,
        *,
        id: uuid.UUID,
        address: EmailAddress,
        password_hash: str,
        name: str,
        role: Role,
        now: datetime,
    ) -> User:
        """A new account (its password checked and hashed already)."""
        user = cls(
            id=id,
            email=address.address,
            email_key=address.key,
            password_hash=password_hash,
            role=role,
            name=name,
            now=now,
        )
        user.record(UserRegistered(user_id=id, email=user.email, name=name, role=role.value))
        return user

    @property
    def avatar_files(self) -> tuple[str | None, str | None]:
        return self.avatar_file, self.avatar_small_file

    def change_profile(self, changes: dict[str, Any], *, now: datetime) -> list[str]:
        """Apply the profile fields given; the names of those that really changed."""
        unknown = set(changes) - PROFILE_FIELDS
        if unknown:
            raise ValueError(f"not part of a profile: {sorted(unknown)}")
        changed = sorted(name for name, value in changes.items() if getattr(self, name) != value)
        for name in changed:
            setattr(self, name, changes[name])
        self._updated(changed, now=now)
        return changed

    def set_avatar(self, *, file: str, small_file: str, now: datetime) -> None:
        self.avatar_file, self.avatar_small_file = file, small_file
        self._updated(["avatar"], now=now)

    def remove_avatar(self, *, now: datetime) -> None:
        """No avatar any more (nothing changes if there was none)."""
        if self.avatar_files != (None, None):
            self.avatar_file = self.avatar_small_file = None
            self._updated(["avatar"], now=now)

    def change_role(self, role: Role, *, admin_count: int, now: datetime) -> None:
        """Give the user ``role``; the last of ``admin_count`` admins stays an admin."""
        if self.role == role:
            return
        check_role_change(current=Role(self.role), new=role, admin_count=admin_count)
        self.role = role.value
        self._updated(["role"], now=now)

    def promote_to_admin(self, *, now: datetime) -> bool:
        """Make the user an admin; whether that changed anything."""
        promoted = self.role != Role.ADMIN
        if promoted:
            self.change_role(Role.ADMIN, admin_count=0, now=now)  # no admin is lost
        return promoted

    def store_password_hash(self, password_hash: str) -> None:
        """A new hash of the password (a new password, or the old one under new cost
        parameters). Other services are not told: a password is nobody else's business."""
        self.password_hash = password_hash

    def _updated(self, changed: list[str], *, now: datetime) -> None:
        if changed:
            self.updated_at = now
            self.record(
                UserUpdated(
                    user_id=self.id,
                    name=self.name,
                    role=self.role,  # type: ignore[arg-type]
                    changed=changed,
                )
            )
