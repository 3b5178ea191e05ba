"""The auth service's tables, and how the domain's classes map onto them.

- **Aggregates** (``domain.users.User``, ``domain.refresh_tokens.RefreshTokenFamily`` and its
  ``RefreshToken``s) are plain Python classes in ``domain``: their tables are declared here as
  ``Table``s and the classes mapped onto them *imperatively* (``registry.map_imperatively``),
  so the domain never imports SQLAlchemy.
- **Data** (``SigningKey``, ``LoginFailure``, the ``UserOrder`` projection) has no behaviour
  of its own and records no events: it stays declarative ORM classes the repositories return.

The platform's outbox and inbox live on ``PlatformBase``; the migration history creates both
sets."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import Uuid

from auth_service.domain.refresh_tokens import RefreshToken, RefreshTokenFamily
from auth_service.domain.users import User
from marketplace_platform.db import UTCDateTime, new_metadata
from marketplace_platform.ids import new_id


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


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


users = Table(
    "users",
    Base.metadata,
    Column("id", Uuid(), primary_key=True, default=new_id),
    Column("email", String(254), nullable=False),  # as typed, domain lowercased
    Column("email_key", String(254), nullable=False, unique=True),  # lowercased: unique
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False, default="user"),
    Column("name", String(100), nullable=False),
    Column("phone", String(16), nullable=True),
    Column("address", String(500), nullable=True),
    Column("bio", Text, nullable=True),
    Column("avatar_file", String(64), nullable=True),  # 256 px
    Column("avatar_small_file", String(64), nullable=True),  # 64 px
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("role IN ('user', 'admin')", name="role"),
    Index("ix_users_role", "role"),
)

# One login: the chain of refresh tokens rotated from it.
refresh_token_families = Table(
    "refresh_token_families",
    Base.metadata,
    Column("id", Uuid(), primary_key=True, default=new_id),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("client", String(64), nullable=False),  # address (IPv6: /64) it logged in from
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Column("revoked_reason", String(16), nullable=True),
    Index("ix_refresh_token_families_user_client", "user_id", "client"),
)

refresh_tokens = Table(
    "refresh_tokens",
    Base.metadata,
    Column("id", Uuid(), primary_key=True, default=new_id),
    Column(
        "family_id",
        Uuid(),
        ForeignKey("refresh_token_families.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256, hex
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),
)

# The aggregates, mapped onto their tables once, when this module is first imported: every
# path to the database imports it. A family's tokens are never loaded through it: only the
# one presented matters, and a family may hold thousands (``RefreshTokenRepository.find``).
# The token's ``family`` is declared only so that a flush stores a family before its tokens.
Base.registry.map_imperatively(User, users)
Base.registry.map_imperatively(RefreshTokenFamily, refresh_token_families)
Base.registry.map_imperatively(
    RefreshToken,
    refresh_tokens,
    properties={"family": relationship(RefreshTokenFamily, lazy="raise")},
)
