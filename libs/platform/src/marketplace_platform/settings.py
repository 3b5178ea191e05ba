"""The settings base class every service extends.

Each service declares one subclass with its own ``env_prefix`` (``AUTH_``, ``CATALOG_`` ...)
and builds it through a cached ``get_settings()``. Defaults are the embedded runtime of
``make run``: a SQLite file under ``var/`` and the launcher's NATS on port 4223.

Secrets have no usable default: a service refuses to start without them, unless its
``environment`` is ``test`` (where fixtures set what they need). The launcher generates them
once per var dir and hands them to every process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from marketplace_platform.events.bus import DEFAULT_CONCURRENCY

EMBEDDED_NATS_URL = "nats://127.0.0.1:4223"
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev-secret"})


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8100, ge=0, le=65535)
    var_dir: Path = Path("var")
    database_url: str = ""
    db_pool_size: int = Field(default=10, ge=1)
    # Events each consumer handles at once; those about one thing (one order) stay in order.
    consumer_concurrency: int = Field(default=DEFAULT_CONCURRENCY, ge=1)
    nats_url: str = EMBEDDED_NATS_URL
    # The broker's credentials, unless the URL carries them (nats://user:password@host:4222).
    # The launcher's embedded NATS admits only the user it generated.
    nats_user: str = ""
    nats_password: str = Field(default="", repr=False)
    log_level: str = "INFO"
    # One line per request served and per event a consumer handled.
    access_log: bool = True

    # Token verification: every service checks the token again (zero trust).
    jwks_url: str = "http://127.0.0.1:8101/api/auth/jwks.json"
    jwt_issuer: str = "marketplace-auth"
    jwt_audience: str = "marketplace"
    jwt_algorithms: tuple[str, ...] = ("EdDSA",)
    # How often the JWKS is re-read in the background, so a key auth withdraws stops
    # verifying within this (auth's AUTH_SIGNING_KEY_REFRESH; it must stay well below a
    # retired key's grace period, which is at least the access-token lifetime).
    jwks_refresh_seconds: float = Field(default=60.0, gt=0)
    # The longest ``exp - iat`` a token may have: auth's AUTH_ACCESS_TOKEN_TTL. Raise both
    # together, or the services refuse the tokens auth issues.
    access_token_max_lifetime_seconds: float = Field(default=900.0, gt=0)
    # Verified tokens are remembered this long (never past their ``exp``, and only while
    # their key is published): an Ed25519 check costs more than the rest of a small request's
    # handling. 0 turns the memory off.
    token_cache_seconds: float = Field(default=30.0, ge=0)
    token_cache_size: int = Field(default=10_000, ge=0)

    # Shared secret of service-to-service calls that no user may make (``/internal/...``,
    # never routed by the gateway), sent as ``X-Internal-Token``. The launcher generates one
    # per var dir; elsewhere it must be set (``<PREFIX>INTERNAL_TOKEN``).
    internal_token: str = Field(default="", repr=False)

    # Fault injection for labs and tests (``marketplace_platform.faults``), off unless set:
    # while this file exists (relative: under ``var_dir``), the service's consumers fail the
    # event types it lists, one a line (an empty file: every event).
    fault_fail_events_file: Path | None = None

    @model_validator(mode="after")
    def _default_database(self) -> ServiceSettings:
        if not self.database_url:
            path = (self.var_dir / f"{self.service_name}.db").resolve()
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{path}")
        fail_file = self.fault_fail_events_file
        if fail_file is not None and not fail_file.is_absolute():
            object.__setattr__(self, "fault_fail_events_file", (self.var_dir / fail_file).resolve())
        prefix = self.model_config.get("env_prefix", "")
        self.require_secret(f"{prefix}INTERNAL_TOKEN", self.internal_token)
        return self

    def require_secret(self, name: str, value: str) -> str:
        """Refuse a missing or placeholder secret outside tests: a well-known value would let
        anyone who can reach the service in."""
        if self.environment != "test" and value.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError(
                f"{name} must be set to a real secret (`marketplace up` generates one)"
            )
        return value
