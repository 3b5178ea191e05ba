"""Roles and the rule that keeps the system administrable."""

from __future__ import annotations

import enum

from auth_service.domain.errors import LastAdmin


class Role(enum.StrEnum):
    USER = "user"
    ADMIN = "admin"


def check_role_change(*, current: Role, new: Role, admin_count: int) -> None:
    """Refuse to take the admin role from the last admin: nobody could give it back."""
    if current is Role.ADMIN and new is not Role.ADMIN and admin_count <= 1:
        raise LastAdmin("This is the last admin; make another admin first.")
