"""``python -m catalog_service seed [--count N] [--no-images] [--seed S]``.

Fills an empty catalog with the demo data (see ``seeding``) and prints one line; on a catalog
with anything in it, it changes nothing and says so, and still succeeds: the launcher runs
it on every start unless told ``--no-seed``. Expects a migrated database.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from functools import partial

from catalog_service.adapters.unit_of_work import CatalogUnitOfWork
from catalog_service.demo.generator import DEFAULT_COUNT, DEFAULT_SEED
from catalog_service.demo.seeding import SeedResult, seed
from catalog_service.settings import CatalogSettings
from marketplace_platform.cli import Command
from marketplace_platform.db import Database
from marketplace_platform.files import LocalFileStore
from marketplace_platform.settings import ServiceSettings

MAX_COUNT = 1_000_000


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not 0 < number <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_COUNT}: {number}")
    return number


def configure_seed(parser: argparse.ArgumentParser) -> None:
    parser.description = "Fill an empty catalog with generated demo categories, goods and services."
    parser.add_argument("--count", type=_count, default=DEFAULT_COUNT,
                        help=f"goods and services to make (default {DEFAULT_COUNT})")
    parser.add_argument("--no-images", action="store_true",
                        help="no pictures: much faster for large counts")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="another seed gives another (equally reproducible) catalog")


def run_seed(args: argparse.Namespace, settings: ServiceSettings) -> int:
    assert isinstance(settings, CatalogSettings)
    started = time.perf_counter()
    result = asyncio.run(_seed(settings, count=args.count, images=not args.no_images,
                               seed_value=args.seed))
    seconds = time.perf_counter() - started
    sys.stdout.write(describe(result, seconds) + "\n")
    return 0


def describe(result: SeedResult, seconds: float) -> str:
    contents = (f"{result.categories} categories, {result.products - result.services} goods, "
                f"{result.services} services")
    if not result.seeded:
        return f"catalog not empty ({contents}): nothing seeded"
    return f"seeded the demo catalog: {contents}, {result.images} images in {seconds:.1f} s"


async def _seed(settings: CatalogSettings, *, count: int, images: bool,
                seed_value: int) -> SeedResult:
    database = Database(settings.database_url, pool_size=1)
    try:
        return await seed(
            unit_of_work=partial(CatalogUnitOfWork, database, source=settings.service_name),
            store=LocalFileStore(settings.images_path) if images else None,
            count=count,
            seed=seed_value,
        )
    finally:
        await database.dispose()


def register_seed_command() -> dict[str, tuple[Callable[[argparse.ArgumentParser], None], Command]]:
    """The ``seed`` verb for ``service_main(extra=...)``."""
    return {"seed": (configure_seed, run_seed)}
