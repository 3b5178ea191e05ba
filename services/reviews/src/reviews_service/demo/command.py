"""``python -m reviews_service seed [--reviews N] [--products N] [--big N] [--likes N]``.

Fills an empty reviews database with the benchmark's data set (see ``seeding``) and prints
one line naming the product with the most reviews; on a database with reviews in it, it
changes nothing and says so. Expects a migrated database.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable

from marketplace_platform.cli import Command
from marketplace_platform.db import Database
from marketplace_platform.settings import ServiceSettings
from reviews_service.demo.seeding import DEFAULT_SEED, SeedPlan, seed


def configure_seed(parser: argparse.ArgumentParser) -> None:
    parser.description = "Fill an empty reviews database with generated reviews and likes."
    defaults = SeedPlan()
    for flag, name, what in (
        ("--reviews", "reviews", "reviews in all"),
        ("--products", "products", "products they are spread over"),
        ("--big", "big_product_reviews", "reviews of the first (big) product"),
        ("--likes", "likes", "likes on the reviews"),
        ("--users", "users", "users who write and like"),
    ):
        parser.add_argument(
            flag,
            dest=name,
            type=int,
            default=getattr(defaults, name),
            help=f"{what} (default {getattr(defaults, name)})",
        )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="another data set")


def run_seed(args: argparse.Namespace, settings: ServiceSettings) -> int:
    plan = SeedPlan(
        reviews=args.reviews,
        products=args.products,
        big_product_reviews=args.big_product_reviews,
        likes=args.likes,
        users=args.users,
        seed=args.seed,
    )
    try:
        plan.check()
    except ValueError as error:
        sys.stderr.write(f"seed: {error}\n")
        return 2
    started = time.perf_counter()
    result = asyncio.run(_seed(settings, plan))
    if not result.seeded:
        sys.stdout.write("reviews not empty: nothing seeded\n")
        return 0
    sys.stdout.write(
        f"seeded {result.reviews} reviews and {result.likes} likes over {plan.products} "
        f"products in {time.perf_counter() - started:.1f} s; big product: {result.big_product}\n"
    )
    return 0


async def _seed(settings: ServiceSettings, plan: SeedPlan):
    database = Database(settings.database_url, pool_size=1)
    try:
        return await seed(database, plan)
    finally:
        await database.dispose()


def register_seed_command() -> dict[str, tuple[Callable[[argparse.ArgumentParser], None], Command]]:
    """The ``seed`` verb for ``service_main(extra=...)``."""
    return {"seed": (configure_seed, run_seed)}
