"""``python -m analytics_service seed [--orders N] [--users N] [--products N] [--days N]``.

Fills an empty analytics store with the benchmark's history (see ``seeding``) and prints
one line; on a store with orders in it, it changes nothing and says so. Expects a migrated
database. Publishes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from analytics_service.demo.seeding import DEFAULT_SEED, SeedPlan, is_empty, seed
from marketplace_platform.db import Database
from marketplace_platform.settings import ServiceSettings


def configure_seed(parser: argparse.ArgumentParser) -> None:
    parser.description = "Fill an empty analytics store with generated history."
    defaults = SeedPlan()
    for flag, what in (
        ("orders", "orders in all"),
        ("users", "users who place them"),
        ("products", "products they hold"),
        ("categories", "categories of the products"),
        ("days", "days of history, up to today"),
    ):
        parser.add_argument(
            f"--{flag}",
            type=int,
            default=getattr(defaults, flag),
            help=f"{what} (default {getattr(defaults, flag)})",
        )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="another data set")


def run_seed(args: argparse.Namespace, settings: ServiceSettings) -> int:
    plan = SeedPlan(
        orders=args.orders,
        users=args.users,
        products=args.products,
        categories=args.categories,
        days=args.days,
        seed=args.seed,
    )

    async def go() -> str:
        database = Database(settings.database_url, pool_size=1)
        try:
            if not await is_empty(database):
                return "the analytics store holds orders already: nothing seeded"
            started = time.perf_counter()
            written = await seed(database, plan)
            return f"seeded {written} orders in {time.perf_counter() - started:.1f} s"
        finally:
            await database.dispose()

    sys.stdout.write(asyncio.run(go()) + "\n")
    return 0
