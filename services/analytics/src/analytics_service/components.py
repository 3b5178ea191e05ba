"""What the analytics service's routes and consumer work with, built once by the
composition root (``main.create_app``) and reached by routes through ``api.deps``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from analytics_service.adapters.unit_of_work import AnalyticsUnitOfWork
from analytics_service.settings import AnalyticsSettings
from marketplace_platform.runtime import ServiceRuntime


@dataclass(frozen=True, slots=True)
class Components:
    settings: AnalyticsSettings
    runtime: ServiceRuntime
    # A fresh unit of work per call (``read_only=True`` for one that only reads).
    unit_of_work: Callable[..., AnalyticsUnitOfWork]

    async def close(self) -> None:
        """Nothing of its own to close: the runtime holds the database and the bus."""


def build_components(settings: AnalyticsSettings, runtime: ServiceRuntime) -> Components:
    return Components(
        settings=settings,
        runtime=runtime,
        unit_of_work=partial(runtime.unit_of_work, AnalyticsUnitOfWork),
    )
