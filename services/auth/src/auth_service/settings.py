"""The auth service's settings: environment variables prefixed ``AUTH_``.

Everything has a default that works for ``make run`` (SQLite under ``var/``, the launcher's
NATS). Durations accept seconds (``AUTH_ACCESS_TOKEN_TTL=900``) or ISO 8601 (``PT15M``).
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from marketplace_platform.settings import ServiceSettings
from marketplace_platform.settings_types import Duration


class AuthSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore", frozen=True)

    service_name: str = "auth"
    port: int = Field(default=8101, ge=0, le=65535)

    # Tokens. Access tokens are short-lived JWTs; refresh tokens are opaque and rotate.
    access_token_ttl: Duration = timedelta(minutes=15)
    refresh_token_ttl: Duration = timedelta(days=30)
    # How often a replica re-reads the signing keys (a rotation by another process reaches it
    # within this); also added to a retired key's grace period.
    signing_key_refresh: Duration = timedelta(seconds=60)
    # Private signing keys are stored encrypted with this passphrase: it must stay the same
    # for the life of the database. No default (require_secret): the launcher generates one.
    signing_key_passphrase: str = Field(default="", repr=False)

    # argon2id cost (OWASP: m=19 MiB, t=2, p=1). Tests lower it; production must not.
    argon2_memory_cost: int = Field(default=19 * 1024, ge=8)  # KiB
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_parallelism: int = Field(default=1, ge=1)

    # Login throttling (see ``domain.throttling``): failures within the window.
    throttle_window: Duration = timedelta(minutes=15)
    throttle_pair_limit: int = Field(default=5, ge=1)  # one account from one address
    throttle_ip_limit: int = Field(default=30, ge=1)  # one address, any accounts
    throttle_account_limit: int = Field(default=100, ge=1)  # one account, any addresses

    # Avatars: where the files live and how links to them are built.
    avatar_dir: Path | None = None  # default: <var_dir>/auth/avatars
    avatar_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    # Refused before decoding: a 256 px avatar needs no more, and a small PNG can claim far
    # more (6300 x 6300 is about 120 KB on the wire and 460 MB to decode).
    avatar_max_pixels: int = Field(default=4_000_000, ge=1)
    # Prefix of avatar links, e.g. https://shop.example; empty gives site-relative links
    # (/api/auth/avatars/...), which work through the gateway.
    public_base_url: str = ""

    # Who ``ensure-admin`` makes an admin; read from the environment only, never argv.
    admin_password: str = Field(default="", repr=False)

    @model_validator(mode="after")
    def _auth_defaults(self) -> AuthSettings:
        if self.avatar_dir is None:
            object.__setattr__(self, "avatar_dir", self.var_dir / "auth" / "avatars")
        object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
        self.require_secret("AUTH_SIGNING_KEY_PASSPHRASE", self.signing_key_passphrase)
        return self

    @property
    def avatar_base_url(self) -> str:
        """Avatar links are this plus ``/<file name>``."""
        return f"{self.public_base_url}/api/auth/avatars"

    @property
    def avatars_path(self) -> Path:
        assert self.avatar_dir is not None  # set by the validator
        return self.avatar_dir


@lru_cache
def get_settings() -> AuthSettings:
    return AuthSettings()
