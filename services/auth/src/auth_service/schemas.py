"""The JSON the auth API speaks: ``XCreate`` / ``XUpdate`` / ``XRead`` / ``XPage``.

Request models forbid unknown fields (a typo such as ``"nmae"`` is a 422, not silently
ignored) and bound every string, so nothing oversized reaches the use cases.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from auth_service.domain import profile
from auth_service.domain.emails import EmailAddress, normalise_email
from auth_service.domain.errors import InvalidEmail, WeakPassword
from auth_service.domain.passwords import check_password
from auth_service.domain.roles import Role
from auth_service.domain.users import User
from marketplace_platform.problems import field_error

# Generous input bounds; the domain applies the real rules with clear messages.
EmailInput = Annotated[str, Field(min_length=1, max_length=320, examples=["anna@example.com"])]
PasswordInput = Annotated[str, Field(min_length=1, max_length=1024)]
Name = Annotated[str, Field(max_length=1000), AfterValidator(profile.clean_name)]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserCreate(RequestModel):
    """The domain's email and password rules run here too (the use case runs them again), so
    that one 422 names every wrong field, not the first the use case meets."""

    email: EmailInput
    password: PasswordInput
    name: Name

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        try:
            normalise_email(value)
        except InvalidEmail as error:
            raise field_error(error) from None
        return value

    @field_validator("password")
    @classmethod
    def _strong_password(cls, value: str, info: ValidationInfo) -> str:
        # Fields are checked in order: a valid email is in ``info.data``. With none, the
        # password is not compared with it (the email's own error is reported instead).
        email = info.data.get("email")
        address = normalise_email(email) if email else EmailAddress(address="", key="")
        try:
            check_password(value, email=address)
        except WeakPassword as error:
            raise field_error(error) from None
        return value


class LoginRequest(RequestModel):
    email: EmailInput
    password: PasswordInput


class RefreshRequest(RequestModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, no secret
    expires_in: int = Field(description="Seconds until the access token expires.")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    role: Role
    created_at: datetime


class UserPage(BaseModel):
    items: list[UserRead]
    total: int
    next_cursor: str | None = None


class RoleUpdate(RequestModel):
    role: Role


class OrderHistoryItem(BaseModel):
    """One order in the profile's history (filled from the orders service's events)."""

    order_id: uuid.UUID
    status: str
    total: int = Field(description="Minor units of ``currency``.")
    currency: str
    placed_at: datetime
    updated_at: datetime = Field(description="When the status shown last changed.")


class ProfileRead(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    phone: str | None
    address: str | None
    bio: str | None
    avatar_url: str | None = Field(description="256 x 256 WebP, or null.")
    avatar_small_url: str | None = Field(description="64 x 64 WebP, or null.")
    role: Role
    created_at: datetime
    order_history: list[OrderHistoryItem]

    @classmethod
    def from_user(
        cls, user: User, *, avatar_base: str, order_history: list[OrderHistoryItem]
    ) -> ProfileRead:
        def link(name: str | None) -> str | None:
            return f"{avatar_base}/{name}" if name else None

        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            phone=user.phone,
            address=user.address,
            bio=user.bio,
            avatar_url=link(user.avatar_file),
            avatar_small_url=link(user.avatar_small_file),
            role=Role(user.role),
            created_at=user.created_at,
            order_history=order_history,
        )


def _phone(value: str | None) -> str | None:
    return None if value is None else profile.clean_phone(value)


def _address(value: str | None) -> str | None:
    return (
        None
        if value is None
        else profile.clean_text(value, limit=profile.ADDRESS_MAX, field="address")
    )


def _bio(value: str | None) -> str | None:
    return None if value is None else profile.clean_text(value, limit=profile.BIO_MAX, field="bio")


class ProfileUpdate(RequestModel):
    """Only the fields sent are changed; ``null`` (or an empty string) clears an optional one."""

    name: Name | None = None
    phone: Annotated[str | None, Field(max_length=64), AfterValidator(_phone)] = None
    address: Annotated[str | None, Field(max_length=4000), AfterValidator(_address)] = None
    bio: Annotated[str | None, Field(max_length=16000), AfterValidator(_bio)] = None

    @model_validator(mode="after")
    def _name_stays(self) -> ProfileUpdate:
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("The name cannot be removed, only changed.")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the request sets, by name."""
        return self.model_dump(exclude_unset=True)


class JsonWebKeySet(BaseModel):
    keys: list[dict[str, Any]]
