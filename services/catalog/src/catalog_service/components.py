"""What the catalog's routes and consumers work with, built once by the composition root
(``main.create_app``) and reached by routes through ``api.deps``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from catalog_service.adapters.unit_of_work import CatalogUnitOfWork, UnitOfWorkFactory
from catalog_service.service.category_cache import CategoryCache
from catalog_service.service.views import ViewCounter
from catalog_service.settings import CatalogSettings
from marketplace_platform.files import FileStore, LocalFileStore
from marketplace_platform.runtime import ServiceRuntime


@dataclass(frozen=True, slots=True)
class Components:
    settings: CatalogSettings
    runtime: ServiceRuntime
    unit_of_work: UnitOfWorkFactory
    images: FileStore
    views: ViewCounter
    categories: CategoryCache  # the tree, held in memory


def build_components(settings: CatalogSettings, runtime: ServiceRuntime) -> Components:
    unit_of_work: UnitOfWorkFactory = partial(runtime.unit_of_work, CatalogUnitOfWork)
    return Components(
        settings=settings,
        runtime=runtime,
        unit_of_work=unit_of_work,
        images=LocalFileStore(settings.images_path),
        views=ViewCounter(unit_of_work, interval=settings.view_flush_interval),
        categories=CategoryCache(
            unit_of_work, refresh_interval=settings.category_refresh_interval.total_seconds()
        ),
    )
