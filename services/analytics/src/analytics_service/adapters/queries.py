"""The reports' reads: every figure comes from a rollup row (or a handful of them), never
from a scan of the facts, except the live summary, which reads the last hour's orders
through their ``placed_at`` index."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from analytics_service.adapters.orm import (
    PRODUCT_FIGURES,
    USER_FIGURES,
    active_counts,
    category_days,
    order_lines,
    orders,
    product_days,
    product_months,
    product_totals,
    products,
    sales_days,
    users,
)
from analytics_service.domain.periods import split_by_months
from marketplace_platform.db import UTCDateTime

Row = dict[str, Any]


class Reports:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def user(self, user_id: uuid.UUID) -> Row | None:
        query = select(
            *(users.c[name] for name in USER_FIGURES),
            users.c.registered_at,
            users.c.last_active,
            users.c.first_order_at,
        ).where(users.c.user_id == user_id)
        row = (await self.session.execute(query)).mappings().one_or_none()
        return None if row is None else dict(row)

    async def product(self, product_id: uuid.UUID) -> Row | None:
        query = (
            select(
                products.c.category_id,
                products.c.title,
                *(func.coalesce(product_totals.c[name], 0).label(name) for name in PRODUCT_FIGURES),
            )
            .select_from(products)
            .outerjoin(product_totals, product_totals.c.product_id == products.c.product_id)
            .where(products.c.product_id == product_id)
        )
        row = (await self.session.execute(query)).mappings().one_or_none()
        return None if row is None else dict(row)

    async def sales_days(self, first: date, last: date) -> list[Row]:
        query = (
            select(sales_days)
            .where(sales_days.c.day.between(first, last))
            .order_by(sales_days.c.day)
        )
        return [dict(row) for row in (await self.session.execute(query)).mappings()]

    async def category_days(self, category_id: uuid.UUID, first: date, last: date) -> list[Row]:
        query = (
            select(category_days)
            .where(
                category_days.c.category_id == category_id,
                category_days.c.day.between(first, last),
            )
            .order_by(category_days.c.day)
        )
        return [dict(row) for row in (await self.session.execute(query)).mappings()]

    async def categories(self, first: date, last: date) -> list[Row]:
        query = (
            select(
                category_days.c.category_id,
                *(func.sum(category_days.c[name]).label(name) for name in PRODUCT_FIGURES),
            )
            .where(category_days.c.day.between(first, last))
            .group_by(category_days.c.category_id)
            .order_by(func.sum(category_days.c.revenue).desc(), category_days.c.category_id)
        )
        return [dict(row) for row in (await self.session.execute(query)).mappings()]

    async def popular(
        self,
        *,
        by: str,
        limit: int,
        category_id: uuid.UUID | None,
        first: date | None,
        last: date | None,
    ) -> list[Row]:
        """The top ``limit`` products by ``by`` (a figure, or ``rating``: the average of the
        reviews written in the period), in all or in ``[first, last]``."""
        source = _figures_of_period(first, last)
        sums = [func.sum(source.c[name]).label(name) for name in PRODUCT_FIGURES]
        query: Select[Any] = select(source.c.product_id, *sums).group_by(source.c.product_id)
        if category_id is not None:
            query = query.join(products, products.c.product_id == source.c.product_id).where(
                products.c.category_id == category_id
            )
        if by == "rating":
            reviews = func.sum(source.c.reviews)
            average = func.sum(source.c.rating_sum) * 1.0 / reviews
            query = query.having(reviews > 0).order_by(average.desc(), reviews.desc())
        else:
            total = func.sum(source.c[by])
            query = query.having(total > 0).order_by(total.desc())
        query = query.order_by(source.c.product_id).limit(limit)
        rows = [dict(row) for row in (await self.session.execute(query)).mappings()]
        titles = await self._titles([row["product_id"] for row in rows])
        for row in rows:
            row["category_id"], row["title"] = titles.get(row["product_id"], (None, None))
        return rows

    async def _titles(self, product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
        if not product_ids:
            return {}
        query = select(products.c.product_id, products.c.category_id, products.c.title).where(
            products.c.product_id.in_(product_ids)
        )
        return {row[0]: (row[1], row[2]) for row in await self.session.execute(query)}

    async def active_counts(self, granularity: str, first: date, last: date) -> list[Row]:
        query = (
            select(active_counts.c.period, active_counts.c.users)
            .where(
                active_counts.c.granularity == granularity,
                active_counts.c.period.between(first, last),
            )
            .order_by(active_counts.c.period)
        )
        return [dict(row) for row in (await self.session.execute(query)).mappings()]

    async def live(self, since: datetime, *, top: int) -> Row:
        """Orders placed since ``since``, the users active since then, and the products
        most ordered in it."""
        at = literal(since, UTCDateTime())
        placed = (
            await self.session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(case((orders.c.paid, 1), else_=0)), 0),
                    func.coalesce(func.sum(case((orders.c.paid, orders.c.total), else_=0)), 0),
                ).where(orders.c.placed_at >= at)
            )
        ).one()
        active = await self.session.scalar(
            select(func.count()).select_from(users).where(users.c.last_active >= at)
        )
        units = func.sum(order_lines.c.quantity)
        top_rows = await self.session.execute(
            select(order_lines.c.product_id, units.label("units"), func.count().label("orders"))
            .join(orders, orders.c.order_id == order_lines.c.order_id)
            .where(orders.c.placed_at >= at)
            .group_by(order_lines.c.product_id)
            .order_by(units.desc(), order_lines.c.product_id)
            .limit(top)
        )
        return {
            "orders": placed[0],
            "paid_orders": int(placed[1]),
            "revenue": int(placed[2]),
            "active_users": active or 0,
            "top_products": [dict(row) for row in top_rows.mappings()],
        }


def _figures_of_period(first: date | None, last: date | None) -> Any:
    """The rows whose sum is each product's figures over ``[first, last]`` (all time if
    unbounded): whole months from the monthly rollup, the days at the edges from the daily
    one."""
    columns = list(PRODUCT_FIGURES)
    if first is None or last is None:
        return select(
            product_totals.c.product_id, *(product_totals.c[c] for c in columns)
        ).subquery()
    months, edges = split_by_months(first, last)
    parts = []
    if months:
        parts.append(
            select(product_months.c.product_id, *(product_months.c[c] for c in columns)).where(
                product_months.c.month.in_(months)
            )
        )
    if edges:
        parts.append(
            select(product_days.c.product_id, *(product_days.c[c] for c in columns)).where(
                or_(*(and_(product_days.c.day >= a, product_days.c.day <= b) for a, b in edges))
            )
        )
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
