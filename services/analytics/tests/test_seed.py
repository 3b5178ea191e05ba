"""The benchmark's seed: an empty store filled with history whose rollups agree with its
facts (as the consumer would have left them); on such history, the popular list's threshold
ranking (top rows per bucket) gives exactly what summing every row gives."""

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from analytics_service.adapters.orm import product_days, products
from analytics_service.adapters.queries import Reports
from analytics_service.demo.seeding import SeedPlan, is_empty, seed

pytestmark = pytest.mark.integration

PLAN = SeedPlan(orders=600, users=80, products=40, categories=4, days=45)


async def test_the_seeded_rollups_add_up_to_the_seeded_facts(analytics) -> None:
    assert await is_empty(analytics.db)
    assert await seed(analytics.db, PLAN) == PLAN.orders
    assert not await is_empty(analytics.db)
    q = analytics.scalar
    assert await q("SELECT count(*) FROM orders") == PLAN.orders
    paid_total = await q("SELECT sum(total) FROM orders WHERE paid")
    assert await q("SELECT sum(revenue) FROM sales_days") == paid_total
    assert await q("SELECT sum(spent) FROM users") == paid_total
    assert await q("SELECT sum(refunds) FROM sales_days") == await q(
        "SELECT sum(refunded) FROM orders"
    )
    line_revenue = await q(
        "SELECT sum(l.quantity * l.unit_price) FROM order_lines l JOIN orders o"
        " ON o.order_id = l.order_id WHERE o.paid"
    )
    for table in (
        "product_days",
        "product_weeks",
        "product_months",
        "product_totals",
        "category_days",
    ):
        assert await q(f"SELECT sum(revenue) FROM {table}") == line_revenue, table
        assert await q(f"SELECT sum(views) FROM {table}") == await q(
            "SELECT sum(views) FROM product_totals"
        ), table
    for table in ("product_weeks", "product_months", "product_totals"):
        assert (
            await q(
                f"SELECT count(*) FROM {table} r JOIN products p"
                " ON p.product_id = r.product_id WHERE p.category_id != r.category_id"
            )
            == 0
        ), table
    buyers = await q("SELECT count(DISTINCT user_id) FROM orders WHERE paid")
    assert await q("SELECT sum(new_buyers) FROM sales_days") == buyers
    for granularity in ("day", "week", "month"):
        assert await q(
            "SELECT sum(users) FROM active_counts WHERE granularity = :g", g=granularity
        ) == await q("SELECT count(*) FROM active_users WHERE granularity = :g", g=granularity)


async def summed_from_days(session, by, limit, first, last, category_id):
    """The ranking by summing every daily row of the period: what the buckets must give."""
    total = func.sum(product_days.c[by])
    query = (
        select(product_days.c.product_id)
        .where(product_days.c.day.between(first, last))
        .group_by(product_days.c.product_id)
        .having(total > 0)
        .order_by(total.desc(), product_days.c.product_id)
        .limit(limit)
    )
    if category_id is not None:
        query = query.where(
            product_days.c.product_id.in_(
                select(products.c.product_id).where(products.c.category_id == category_id)
            )
        )
    return list((await session.scalars(query)).all())


async def test_the_ranking_equals_summing_every_row(analytics) -> None:
    """For random periods (whole months, weeks, single days, the history's first and last
    day), overall and per category, the bucketed threshold ranking gives exactly the
    products and order that summing every daily row gives."""
    plan = SeedPlan(orders=3000, users=300, products=400, categories=4, days=120)
    await seed(analytics.db, plan)
    today = datetime.now(UTC).date()
    start = today - timedelta(days=plan.days - 1)
    rng = random.Random(7)
    windows = [(start, today), (today, today), (start, start), (start, start + timedelta(6))]
    for _ in range(10):
        first = start + timedelta(days=rng.randrange(plan.days))
        windows.append((first, min(today, first + timedelta(days=rng.choice((0, 6, 13, 40, 90))))))
    async with analytics.db.read_session() as session:
        categories = list((await session.scalars(select(products.c.category_id).distinct())).all())
        reports = Reports(session)
        for first, last in windows:
            for by, limit, category in itertools.product(
                ("views", "orders", "revenue"), (1, 20), [None, *categories[:2]]
            ):
                ranked = await reports.popular(
                    by=by, limit=limit, category_id=category, first=first, last=last
                )
                expected = await summed_from_days(session, by, limit, first, last, category)
                assert [row["product_id"] for row in ranked] == expected, (
                    first,
                    last,
                    by,
                    limit,
                    category,
                )
