"""The payments service's settings: environment variables prefixed ``PAYMENTS_``.

Everything has a default that works for ``make run`` (SQLite under ``var/``, the launcher's
NATS, orders on its usual port). Durations accept seconds (``PAYMENTS_PROCESSOR_LATENCY=0.5``)
or ISO 8601 (``PT0.5S``).
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from marketplace_platform.settings import ServiceSettings
from marketplace_platform.settings_types import (
    Duration,
    ReplicaUrls,
    require_positive,
    require_urls,
)


class PaymentsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", extra="ignore", frozen=True)

    service_name: str = "payments"
    port: int = Field(default=8104, ge=0, le=65535)

    # The orders service's internal API; several replicas comma-separated, used in turn.
    orders_url: ReplicaUrls = ("http://127.0.0.1:8103",)
    orders_timeout: Duration = Field(default=timedelta(seconds=3))

    # The simulated card processor (see ``adapters.processor``): how long a charge takes, how
    # long we wait for one, and where it keeps its own record of charges (a separate
    # database: it stands for another company's system).
    processor_latency: Duration = Field(default=timedelta(seconds=0.2))
    processor_timeout: Duration = Field(default=timedelta(seconds=10))
    processor_database_url: str = ""
    # Fault injection, for tests and teaching labs only: while this file exists, the
    # processor holds every charge it has just recorded, before answering. Killing payments
    # then leaves the money taken and the payment pending: the case recovery is for. A
    # relative path is under ``var_dir``; unset (the default), nothing is ever held.
    processor_hold_file: Path | None = None

    # Recovery: a payment still pending this long after its attempt started (its request
    # died with the process, or the processor did not answer) is settled from the
    # processor's record. Checked at start and then every ``recovery_interval``.
    recovery_after: Duration = Field(default=timedelta(seconds=30))
    recovery_interval: Duration = Field(default=timedelta(seconds=10))

    # Refunds: every ``refund_interval`` the reconciler refunds each succeeded payment of an
    # order that orders cancelled (see ``service.refunds``); idle, it is one indexed query.
    refund_interval: Duration = Field(default=timedelta(seconds=30))

    @model_validator(mode="after")
    def _payments_defaults(self) -> PaymentsSettings:
        if not self.processor_database_url:
            path = (self.var_dir / "payments-processor.db").resolve()
            object.__setattr__(self, "processor_database_url", f"sqlite+aiosqlite:///{path}")
        if self.processor_hold_file is not None and not self.processor_hold_file.is_absolute():
            hold_file = (self.var_dir / self.processor_hold_file).resolve()
            object.__setattr__(self, "processor_hold_file", hold_file)
        require_urls(self, "orders_url")
        require_positive(
            self, "orders_timeout", "processor_timeout", "recovery_interval", "refund_interval"
        )
        require_positive(self, "processor_latency", "recovery_after", zero_ok=True)
        return self


@lru_cache
def get_settings() -> PaymentsSettings:
    return PaymentsSettings()
