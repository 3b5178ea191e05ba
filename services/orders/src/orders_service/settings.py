"""The orders service's settings: environment variables prefixed ``ORDERS_``.

Everything has a default that works for ``make run``. Durations accept seconds
(``ORDERS_UNPAID_TIMEOUT=1800``) or ISO 8601 (``PT30M``). The other services' URLs may list
several replicas, comma-separated: calls go round-robin and move on to the next replica
when one cannot be reached (every call orders makes is safe to repeat).
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from marketplace_platform.settings import ServiceSettings
from marketplace_platform.settings_types import (
    Duration,
    ReplicaUrls,
    require_positive,
    require_urls,
)
from orders_service.domain.limits import Limits


class OrdersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", extra="ignore", frozen=True)

    service_name: str = "orders"
    port: int = Field(default=8103, ge=0, le=65535)

    catalog_url: ReplicaUrls = ("http://127.0.0.1:8102",)
    payments_url: ReplicaUrls = ("http://127.0.0.1:8104",)
    # A user waits on the catalog while an order is placed: fail fast and answer 503.
    catalog_timeout: Duration = Field(default=timedelta(seconds=5))
    payments_timeout: Duration = Field(default=timedelta(seconds=5))

    # An order nobody paid for is cancelled (its stock released) this long after it was
    # placed; failed payments do not restart the clock.
    unpaid_timeout: Duration = Field(default=timedelta(minutes=30))
    # Unpaid orders (created or processing) one user may have open at once.
    max_unpaid_orders: int = Field(default=5, ge=1)
    # Units those unpaid orders may hold in all (a line takes at most 100).
    max_unpaid_units: int = Field(default=200, ge=1)
    # Failed payments an order takes; the last one cancels it and releases its stock.
    max_payment_attempts: int = Field(default=5, ge=1)
    # An order in ``processing`` longer than this asks payments what became of its payment.
    reconcile_after: Duration = Field(default=timedelta(minutes=2))
    # Demo mode: paid orders are delivered automatically after this delay; off when unset.
    auto_deliver_after: Duration | None = None
    # How often the background sweeper looks for the above and retries pending stock calls.
    sweep_interval: Duration = Field(default=timedelta(seconds=5))
    # How long an ``Idempotency-Key``'s answer is replayed.
    idempotency_retention: Duration = Field(default=timedelta(hours=24))

    @model_validator(mode="after")
    def _orders_checks(self) -> OrdersSettings:
        require_urls(self, "catalog_url", "payments_url")
        require_positive(
            self,
            "catalog_timeout",
            "payments_timeout",
            "unpaid_timeout",
            "reconcile_after",
            "sweep_interval",
            "idempotency_retention",
        )
        require_positive(self, "auto_deliver_after", zero_ok=True)
        return self

    @property
    def limits(self) -> Limits:
        return Limits(
            unpaid_timeout=self.unpaid_timeout,
            max_unpaid_orders=self.max_unpaid_orders,
            max_payment_attempts=self.max_payment_attempts,
            max_unpaid_units=self.max_unpaid_units,
        )


@lru_cache
def get_settings() -> OrdersSettings:
    return OrdersSettings()
