"""The analytics service's settings: environment variables prefixed ``ANALYTICS_``.

Everything has a default that works for ``make run``; the analytics service calls no other
service, it only listens to their events. ``ANALYTICS_INGEST_BATCH`` is how many events at
most share a transaction.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from marketplace_platform.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANALYTICS_", extra="ignore", frozen=True)

    service_name: str = "analytics"
    port: int = Field(default=8107, ge=0, le=65535)
    # Events whose effects share one transaction (a group commit): the rollups they touch
    # are written once per batch. Also how many messages the consumer holds at once.
    ingest_batch: int = Field(default=128, ge=1, le=1000)


@lru_cache
def get_settings() -> AnalyticsSettings:
    return AnalyticsSettings()
