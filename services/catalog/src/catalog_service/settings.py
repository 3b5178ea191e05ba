"""The catalog service's settings: environment variables prefixed ``CATALOG_``.

Everything has a default that works for ``make run`` (SQLite under ``var/``, the launcher's
NATS). Durations accept seconds (``CATALOG_VIEW_FLUSH_INTERVAL=5``) or ISO 8601 (``PT5S``).
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from marketplace_platform.settings import ServiceSettings
from marketplace_platform.settings_types import Duration, require_positive


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore", frozen=True)

    service_name: str = "catalog"
    port: int = Field(default=8102, ge=0, le=65535)

    # Product page views are counted in memory and written as one event per interval: a
    # crash loses at most this much of the count (see ``service.views``).
    view_flush_interval: Duration = Field(default=timedelta(seconds=5))

    # Each process holds the category tree in memory; another replica's change of the tree
    # (a rename, a move) shows here within this long (see ``service.category_cache``).
    # 0 checks the tree's version on every read.
    category_refresh_interval: Duration = Field(default=timedelta(seconds=5))

    # PostgreSQL typo tolerance: how alike (pg_trgm word_similarity, 0..1) a query must be to
    # part of a title to find it when the words themselves do not match. Lower finds worse
    # typos and more noise; "iphnoe" is 0.43 alike to "iPhone", "сок" only 0.25 to "Смартфон".
    search_similarity_threshold: float = Field(default=0.4, gt=0, le=1)

    # Product images: where the files live and how links to them are built.
    image_dir: Path | None = None  # default: <var_dir>/catalog/images
    image_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    # Prefix of image links, e.g. https://shop.example; empty gives site-relative links
    # (/api/catalog/images/...), which work through the gateway.
    public_base_url: str = ""

    @model_validator(mode="after")
    def _catalog_defaults(self) -> CatalogSettings:
        if self.image_dir is None:
            object.__setattr__(self, "image_dir", self.var_dir / "catalog" / "images")
        object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
        require_positive(self, "view_flush_interval")
        require_positive(self, "category_refresh_interval", zero_ok=True)
        return self

    @property
    def image_base_url(self) -> str:
        """Image links are this plus ``/<file name>``."""
        return f"{self.public_base_url}/api/catalog/images"

    @property
    def images_path(self) -> Path:
        assert self.image_dir is not None  # set by the validator
        return self.image_dir


@lru_cache
def get_settings() -> CatalogSettings:
    return CatalogSettings()
