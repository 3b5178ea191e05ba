"""Who acts: a signed-in user or an admin, or the system itself (a projection of another
service's events). Events carry it so that their consumers need not ask."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

Role = Literal["user", "admin", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    id: uuid.UUID | None
    role: Role

    @classmethod
    def user(cls, user_id: uuid.UUID, *, admin: bool = False) -> Actor:
        return cls(user_id, "admin" if admin else "user")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def is_(self, user_id: uuid.UUID) -> bool:
        return self.id == user_id


SYSTEM = Actor(None, "system")
