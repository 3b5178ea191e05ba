"""The benchmark's data set, written straight into an empty analytics store: two years of a
shop (1 000 000 orders by 100 000 users of 10 000 products in 40 categories by default),
facts and rollups alike, as the consumer would have left them. It publishes nothing.

Every rollup row is computed with the domain's own contribution functions
(``order_figures``, ``line_figures``, ``user_figures``) from the generated facts, so the
seeded store holds what replaying those orders' events would give. The history is made a
day at a time, oldest first, and each day's rows are written with multi-row inserts before
the next day is made: memory holds one day, one month and the users, never the history.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics_service.adapters.orm import (
    PRODUCT_FIGURES,
    USER_FIGURES,
    active_counts,
    active_users,
    category_days,
    order_lines,
    orders,
    product_days,
    product_months,
    product_totals,
    product_weeks,
    products,
    sales_days,
    users,
)
from analytics_service.domain.facts import (
    Line,
    OrderFact,
    line_figures,
    order_figures,
    user_figures,
)
from analytics_service.domain.periods import Granularity, start_of
from marketplace_platform.db import Database

DEFAULT_SEED = 7
CHUNK = 2_000  # rows per insert statement batch


@dataclass(frozen=True)
class SeedPlan:
    orders: int = 1_000_000
    users: int = 100_000
    products: int = 10_000
    categories: int = 40
    days: int = 730
    seed: int = DEFAULT_SEED


def _add(row: dict[str, int], figures: dict[str, int]) -> None:
    for name, value in figures.items():
        row[name] = row.get(name, 0) + value


async def _write(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(table), list(rows[start : start + CHUNK]))


def _rows(
    keyed: dict[Any, dict[str, int]], names: Iterable[str], key_names: Sequence[str]
) -> list[dict[str, Any]]:
    rows = []
    for key, figures in keyed.items():
        key_values = key if isinstance(key, tuple) else (key,)
        rows.append(
            {
                **dict(zip(key_names, key_values, strict=True)),
                **{n: figures.get(n, 0) for n in names},
            }
        )
    return rows


async def is_empty(database: Database) -> bool:
    async with database.read_session() as session:
        return not await session.scalar(select(func.count()).select_from(orders))


async def seed(database: Database, plan: SeedPlan, *, today: date | None = None) -> int:
    """Fill the store; the orders written."""
    rng = random.Random(plan.seed)  # noqa: S311 - a data set, not a secret
    today = today or datetime.now(UTC).date()
    first_day = today - timedelta(days=plan.days - 1)
    categories = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(plan.categories)]
    product_ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(plan.products)]
    category_of = {p: categories[i % plan.categories] for i, p in enumerate(product_ids)}
    price_of = {p: rng.randrange(100_00, 50_000_00, 100) for p in product_ids}
    user_ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(plan.users)]
    # Popular products and loyal buyers: weights falling off like a Zipf law.
    product_weights = [1 / (rank + 1) ** 0.8 for rank in range(plan.products)]
    user_weights = [1 / (rank + 1) ** 0.5 for rank in range(plan.users)]
    # More orders as the shop grows: day d gets a share rising linearly.
    shares = [1 + d / plan.days for d in range(plan.days)]
    per_day = [round(plan.orders * share / sum(shares)) for share in shares]
    per_day[-1] += plan.orders - sum(per_day)

    user_rows: dict[uuid.UUID, dict[str, Any]] = {}
    totals: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    weeks: dict[tuple[date, uuid.UUID], dict[str, int]] = defaultdict(dict)
    months: dict[tuple[date, uuid.UUID], dict[str, int]] = defaultdict(dict)
    weeks_active: dict[date, set[uuid.UUID]] = defaultdict(set)
    months_active: dict[date, set[uuid.UUID]] = defaultdict(set)
    written = 0

    async with database.session() as session, session.begin():
        await _write(
            session,
            products,
            [
                {"product_id": p, "category_id": category_of[p], "title": f"Product {i}"}
                for i, p in enumerate(product_ids)
            ],
        )

    for index, count in enumerate(per_day):
        day = first_day + timedelta(days=index)
        week = start_of(day, Granularity.WEEK)
        month = start_of(day, Granularity.MONTH)
        sales: dict[str, int] = {}
        days: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
        cats: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
        order_rows, line_rows, active = [], [], set()
        buyers = rng.choices(user_ids, user_weights, k=count)
        seconds = sorted(rng.randrange(86_400) for _ in range(count))
        for buyer, second in zip(buyers, seconds, strict=True):
            at = datetime.combine(day, time(), UTC) + timedelta(seconds=second)
            chosen = set(rng.choices(product_ids, product_weights, k=rng.choice((1, 1, 2, 3))))
            lines = tuple(
                sorted(
                    (Line(p, rng.choice((1, 1, 1, 2, 3)), price_of[p]) for p in chosen),
                    key=lambda line: line.product_id,
                )
            )
            fate = rng.random()
            fact = OrderFact(
                order_id=uuid.UUID(int=rng.getrandbits(128)),
                user_id=buyer,
                placed_at=at,
                total=sum(line.amount for line in lines),
                lines=lines,
                paid=fate < 0.9,
                cancelled=fate >= 0.85,
                failed_payments=int(rng.random() < 0.1),
            )
            if fact.paid and fact.cancelled:
                fact = fact.with_refund(fact.total)
            user = user_rows.setdefault(
                buyer, {"first_order_at": at, "first_paid": None, "last_active": at}
            )
            user["last_active"] = at
            first = fact.paid and user["first_paid"] is None
            if first:
                user["first_paid"] = (at, fact.order_id)
            _add(sales, order_figures(fact, first_of_buyer=first))
            _add(user, user_figures(fact))
            for line in lines:
                figures = line_figures(fact, line)
                _add(days[line.product_id], figures)
                _add(cats[category_of[line.product_id]], figures)
                _add(weeks[(week, line.product_id)], figures)
                _add(months[(month, line.product_id)], figures)
                _add(totals[line.product_id], figures)
                line_rows.append(
                    {
                        "order_id": fact.order_id,
                        "product_id": line.product_id,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                    }
                )
            order_rows.append(
                {
                    "order_id": fact.order_id,
                    "user_id": buyer,
                    "placed_at": at,
                    "total": fact.total,
                    "paid": fact.paid,
                    "cancelled": fact.cancelled,
                    "refunded": fact.refunded,
                    "failed_payments": fact.failed_payments,
                }
            )
            active.add(buyer)
        for product_id, figures in days.items():  # the product pages seen before buying
            views = figures.get("orders", 0) * rng.randrange(10, 40)
            _add(figures, {"views": views})
            _add(cats[category_of[product_id]], {"views": views})
            _add(weeks[(week, product_id)], {"views": views})
            _add(months[(month, product_id)], {"views": views})
            _add(totals[product_id], {"views": views})
        weeks_active[week].update(active)
        months_active[month].update(active)
        async with database.session() as session, session.begin():
            await _write(session, orders, order_rows)
            await _write(session, order_lines, line_rows)
            await _write(session, sales_days, [{"day": day, **sales}] if sales else [])
            await _write(
                session, product_days, [{"day": day, "product_id": p, **f} for p, f in days.items()]
            )
            await _write(
                session,
                category_days,
                [{"day": day, "category_id": c, **f} for c, f in cats.items()],
            )
            await _write(
                session,
                active_users,
                [{"granularity": "day", "period": day, "user_id": u} for u in active],
            )
            await _write(
                session,
                active_counts,
                [{"granularity": "day", "period": day, "users": len(active)}],
            )
        written += count

    async with database.session() as session, session.begin():
        for table, keyed, key_names in (
            (product_weeks, weeks, ("week", "product_id")),
            (product_months, months, ("month", "product_id")),
            (product_totals, totals, ("product_id",)),
        ):
            rows = _rows(keyed, PRODUCT_FIGURES, key_names)
            for row in rows:
                row["category_id"] = category_of[row["product_id"]]
            await _write(session, table, rows)
        for granularity, periods in (("week", weeks_active), ("month", months_active)):
            await _write(
                session,
                active_users,
                [
                    {"granularity": granularity, "period": period, "user_id": user}
                    for period, members in periods.items()
                    for user in members
                ],
            )
            await _write(
                session,
                active_counts,
                [
                    {"granularity": granularity, "period": period, "users": len(members)}
                    for period, members in periods.items()
                ],
            )
        await _write(
            session,
            users,
            [
                {
                    "user_id": user_id,
                    **{name: row.get(name, 0) for name in USER_FIGURES},
                    "last_active": row["last_active"],
                    "first_order_at": row["first_order_at"],
                    "first_paid_at": row["first_paid"][0] if row["first_paid"] else None,
                    "first_paid_order": row["first_paid"][1] if row["first_paid"] else None,
                }
                for user_id, row in user_rows.items()
            ],
        )
    return written
