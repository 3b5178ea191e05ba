"""The reports' reads: every figure comes from a rollup row (or a handful of them), never
from a scan of the facts, except the live summary, which reads the last hour's orders
through their ``placed_at`` index."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal, select, union_all
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
    product_weeks,
    products,
    sales_days,
    users,
)
from analytics_service.domain.periods import split_period
from marketplace_platform.db import UTCDateTime

Row = dict[str, Any]
# The most rows a bucket gives the threshold algorithm before the ranking sums every row.
MAX_K = 4_000


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
        reviews written in the period), in all or in ``[first, last]``, overall or among
        the products now in ``category_id``.

        Two reads: the ranking sums only the figures it ranks by, then the winners' other
        figures are summed for them alone."""
        if by == "rating":
            ranked = await self._ranked_by_rating(limit, first, last, category_id)
        elif first is None or last is None:
            ranked = await self._ranked_in_all(by, limit, category_id)
        else:
            ranked = await self._ranked_by_threshold(by, limit, first, last, category_id)
        if not ranked:
            return []
        winners = _figures_of_period(first, last, PRODUCT_FIGURES, among=ranked)
        sums = [func.sum(winners.c[name]).label(name) for name in PRODUCT_FIGURES]
        figures = {
            row["product_id"]: dict(row)
            for row in (
                await self.session.execute(
                    select(winners.c.product_id, *sums).group_by(winners.c.product_id)
                )
            ).mappings()
        }
        titles = await self._titles(ranked)
        rows = []
        for product_id in ranked:
            row = figures[product_id]
            row["category_id"], row["title"] = titles.get(product_id, (None, None))
            rows.append(row)
        return rows

    async def _ranked_in_all(
        self, by: str, limit: int, category_id: uuid.UUID | None
    ) -> list[uuid.UUID]:
        """All time: the totals' index on the figure (after the category) gives the top
        rows in order."""
        column = product_totals.c[by]
        query = select(product_totals.c.product_id).where(column > 0)
        if category_id is not None:
            query = query.where(product_totals.c.category_id == category_id)
        query = query.order_by(column.desc(), product_totals.c.product_id).limit(limit)
        return list((await self.session.scalars(query)).all())

    async def _ranked_by_scan(
        self, by: str, limit: int, first: date, last: date, category_id: uuid.UUID | None
    ) -> list[uuid.UUID]:
        """Sum the figure over every row of the period (of the category's products)."""
        source = _figures_of_period(first, last, (by,), category_id=category_id)
        total = func.sum(source.c[by])
        query = (
            select(source.c.product_id)
            .group_by(source.c.product_id)
            .having(total > 0)
            .order_by(total.desc(), source.c.product_id)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def _ranked_by_rating(
        self, limit: int, first: date | None, last: date | None, category_id: uuid.UUID | None
    ) -> list[uuid.UUID]:
        """An average cannot be bounded bucket by bucket: the reviewed products' rows of
        the period are summed."""
        source = _figures_of_period(first, last, ("reviews", "rating_sum"), category_id=category_id)
        reviews = func.sum(source.c.reviews)
        average = func.sum(source.c.rating_sum) * 1.0 / reviews
        query = (
            select(source.c.product_id)
            .where(source.c.reviews != 0)
            .group_by(source.c.product_id)
            .having(reviews > 0)
            .order_by(average.desc(), reviews.desc(), source.c.product_id)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def _ranked_by_threshold(
        self, by: str, limit: int, first: date, last: date, category_id: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        """The top ``limit`` by a summed figure without summing every product.

        The period is cut into buckets (whole months, whole weeks at the edges, and the
        days left: ``split_period``); each bucket's top ``k`` rows come from its index on
        the figure (on the category and the figure, for a category, whose few edge-day rows
        are read whole, summed, as one bucket). A product in no
        bucket's top ``k`` has at most, in each bucket, that bucket's ``k``-th value: at
        most their sum in all (the threshold; 0 from a bucket with fewer than ``k`` rows,
        which is wholly read). The candidates' exact sums are then read; if ``limit`` of
        them beat the threshold, nobody else can, and the answer is exact (Fagin's
        threshold algorithm, in one round). If not, ``k`` grows; past ``MAX_K`` every row
        is summed.
        """
        months, weeks, edges = split_period(first, last)
        buckets: list[tuple[Any, Any]] = [
            (product_months, product_months.c.month == month) for month in months
        ]
        buckets += [(product_weeks, product_weeks.c.week == week) for week in weeks]
        days = _days_of(edges)
        if category_id is None:
            buckets += [(product_days, product_days.c.day == day) for day in days]
        k = max(3 * limit, 60)
        while k <= MAX_K:
            parts = []
            if category_id is not None and days:
                # A category's edge days are a few rows a day: read whole, as one bucket
                # (which bounds nobody: all its products are candidates).
                summed = func.sum(product_days.c[by])
                parts.append(
                    select(
                        literal(-1).label("bucket"), product_days.c.product_id, summed.label("v")
                    )
                    .where(
                        product_days.c.day.in_(days),
                        product_days.c.product_id.in_(_products_of(category_id)),
                    )
                    .group_by(product_days.c.product_id)
                    .having(summed > 0)
                    .subquery()
                )
            for index, (table, where) in enumerate(buckets):
                query = select(
                    literal(index).label("bucket"), table.c.product_id, table.c[by].label("v")
                ).where(where, table.c[by] > 0)
                if category_id is not None:
                    query = query.where(table.c.category_id == category_id)
                parts.append(query.order_by(table.c[by].desc()).limit(k).subquery())
            tops = await self.session.execute(
                union_all(*(select(part.c.bucket, part.c.product_id, part.c.v) for part in parts))
            )
            per_bucket: dict[int, list[int]] = {}
            candidates: set[uuid.UUID] = set()
            for bucket, product_id, value in tops:
                per_bucket.setdefault(bucket, []).append(value)
                candidates.add(product_id)
            threshold = sum(
                min(values)
                for bucket, values in per_bucket.items()
                if bucket >= 0 and len(values) >= k
            )
            if not candidates:
                return []
            source = _figures_of_period(first, last, (by,), among=sorted(candidates))
            total = func.sum(source.c[by])
            sums = await self.session.execute(
                select(source.c.product_id, total.label("total")).group_by(source.c.product_id)
            )
            ranked = sorted(
                ((row.total, row.product_id) for row in sums if row.total > 0),
                key=lambda item: (-item[0], item[1]),
            )
            beating = [product_id for value, product_id in ranked if value > threshold]
            if threshold == 0 or len(beating) >= limit:
                return [product_id for _, product_id in ranked[:limit]]
            k *= 4
        return await self._ranked_by_scan(by, limit, first, last, category_id)

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


def _days_of(ranges: Sequence[tuple[date, date]]) -> list[date]:
    return [a + timedelta(days=i) for a, b in ranges for i in range((b - a).days + 1)]


def _products_of(category_id: uuid.UUID) -> Any:
    return select(products.c.product_id).where(products.c.category_id == category_id)


def _figures_of_period(
    first: date | None,
    last: date | None,
    columns: Sequence[str],
    *,
    among: Any = None,
    category_id: uuid.UUID | None = None,
) -> Any:
    """The rows whose sum is each product's ``columns`` over ``[first, last]`` (all time if
    unbounded): whole months from the monthly rollup, whole weeks at the edges from the
    weekly one, the days left from the daily one; of the products ``among`` (a list of ids)
    if given, of those now in ``category_id`` if given."""

    def part(table: Any, *where: Any) -> Any:
        query = select(table.c.product_id, *(table.c[c] for c in columns)).where(*where)
        if among is not None:
            query = query.where(table.c.product_id.in_(among))
        if category_id is not None:
            query = query.where(
                table.c.product_id.in_(_products_of(category_id))
                if table is product_days
                else table.c.category_id == category_id
            )
        return query

    if first is None or last is None:
        return part(product_totals).subquery()
    months, weeks, edges = split_period(first, last)
    parts = []
    if months:
        parts.append(part(product_months, product_months.c.month.in_(months)))
    if weeks:
        parts.append(part(product_weeks, product_weeks.c.week.in_(weeks)))
    if edges:
        # The days listed, not ranges: with a product list, the engines look up each
        # (day, product) in the key instead of reading each product's whole history.
        parts.append(part(product_days, product_days.c.day.in_(_days_of(edges))))
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
