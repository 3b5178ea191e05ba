"""The auth service's tables. The platform's outbox and inbox live on ``PlatformBase``; the
migration history creates both sets."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import Uuid

from marketplace_platform.db import UTCDateTime, new_metadata
from marketplace_platform.ids import new_id


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254))  # as typed, domain lowercased
    email_key: Mapped[str] = mapped_column(String(254), unique=True)  # lowercased: unique
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="user")
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(16), default=None)
    address: Mapped[str | None] = mapped_column(String(500), default=None)
    bio: Mapped[str | None] = mapped_column(Text, default=None)
    avatar_file: Mapped[str | None] = mapped_column(String(64), default=None)  # 256 px
    avatar_small_file: Mapped[str | None] = mapped_column(String(64), default=None)  # 64 px
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("role IN ('user', 'admin')", name="role"),
        Index("ix_users_role", "role"),
    )


class RefreshTokenFamily(Base):
    """One login: the chain of refresh tokens rotated from it."""

    __tablename__ = "refresh_token_families"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client: Mapped[str] = mapped_column(String(64))  # address (IPv6: /64) it logged in from
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(16), default=None)

    tokens: Mapped[list[RefreshToken]] = relationship(back_populates="family")

    __table_args__ = (Index("ix_refresh_token_families_user_client", "user_id", "client"),)


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("refresh_token_families.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256, hex
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)

    family: Mapped[RefreshTokenFamily] = relationship(back_populates="tokens")


class SigningKey(Base):
    """An Ed25519 key pair for access tokens. The newest unretired key signs; retired keys
    stay published until every token they signed has expired."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)  # RFC 7638 thumbprint
    algorithm: Mapped[str] = mapped_column(String(16))
    private_key: Mapped[str] = mapped_column(Text)  # PKCS#8 PEM, encrypted
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class LoginFailure(Base):
    """One failed login, kept for the throttling window (see ``domain.throttling``)."""

    __tablename__ = "login_failures"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    account: Mapped[str] = mapped_column(String(254))  # email key, registered or not
    client: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_login_failures_account_failed_at", "account", "failed_at"),
        Index("ix_login_failures_client_failed_at", "client", "failed_at"),
        Index("ix_login_failures_failed_at", "failed_at"),
    )


class UserOrder(Base):
    """The profile's order history: a projection of the orders service's events (auth never
    reads orders' database). One row per order, at its newest known status."""

    __tablename__ = "user_orders"

    order_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime]
    # When the status shown last changed: an older status event arriving late loses to it.
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_user_orders_user_id_created_at", "user_id", "created_at"),)
