"""What the catalog's routes and consumers work with, built once by the composition root
(``main.create_app``) and reached by routes through ``api.deps``."""

from __future__ import annotations

from dataclasses import dataclass

from catalog_service.service.category_cache import CategoryCache
from catalog_service.service.views import ViewCounter
from catalog_service.settings import CatalogSettings
from marketplace_platform.files import FileStore
from marketplace_platform.runtime import ServiceRuntime


@dataclass(frozen=True, slots=True)
class Components:
    settings: CatalogSettings
    runtime: ServiceRuntime
    images: FileStore
    views: ViewCounter
    categories: CategoryCache  # the tree, held in memory
