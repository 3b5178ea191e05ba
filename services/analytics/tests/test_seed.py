"""The benchmark's seed: an empty store filled with history whose rollups agree with its
facts (as the consumer would have left them); on such history, the popular list's threshold
ranking (top rows per bucket) gives exactly what summing every row gives."""

from datetime import UTC, datetime, timedelta

import pytest

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
    for table in ("product_days", "product_months", "product_totals", "category_days"):
        assert await q(f"SELECT sum(revenue) FROM {table}") == line_revenue, table
        assert await q(f"SELECT sum(views) FROM {table}") == await q(
            "SELECT sum(views) FROM product_totals"
        ), table
    buyers = await q("SELECT count(DISTINCT user_id) FROM orders WHERE paid")
    assert await q("SELECT sum(new_buyers) FROM sales_days") == buyers
    for granularity in ("day", "week", "month"):
        assert await q(
            "SELECT sum(users) FROM active_counts WHERE granularity = :g", g=granularity
        ) == await q("SELECT count(*) FROM active_users WHERE granularity = :g", g=granularity)


async def test_the_threshold_ranking_equals_summing_every_row(analytics) -> None:
    plan = SeedPlan(orders=3000, users=300, products=400, categories=4, days=90)
    await seed(analytics.db, plan)
    today = datetime.now(UTC).date()
    windows = [
        (today - timedelta(days=89), today),
        (today - timedelta(days=50), today - timedelta(days=3)),
    ]
    windows.append((today - timedelta(days=70), today - timedelta(days=40)))
    async with analytics.db.read_session() as session:
        reports = Reports(session)
        for first, last in windows:
            for by in ("views", "orders", "revenue"):
                for limit in (1, 5, 20):
                    pruned = await reports._ranked_by_threshold(by, limit, first, last)
                    full = await reports._ranked_by_scan(by, limit, first, last, None)
                    assert pruned == full, (first, last, by, limit)
