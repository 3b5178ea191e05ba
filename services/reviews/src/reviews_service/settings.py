"""The reviews service's settings: environment variables prefixed ``REVIEWS_``.

Everything has a default that works for ``make run``. ``REVIEWS_CATALOG_URL`` may list the
catalog's replicas, comma-separated: it is asked about a product no catalog event has told
of yet, once per product.
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


class ReviewsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REVIEWS_", extra="ignore", frozen=True)

    service_name: str = "reviews"
    port: int = Field(default=8105, ge=0, le=65535)

    catalog_url: ReplicaUrls = ("http://127.0.0.1:8102",)
    # A user waits on the catalog while reviewing a product it has not heard of.
    catalog_timeout: Duration = Field(default=timedelta(seconds=5))

    @model_validator(mode="after")
    def _reviews_checks(self) -> ReviewsSettings:
        require_urls(self, "catalog_url")
        require_positive(self, "catalog_timeout")
        return self


@lru_cache
def get_settings() -> ReviewsSettings:
    return ReviewsSettings()
