"""The reports: each opens one read-only unit of work and shapes what the rollups hold."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from analytics_service.adapters.orm import PRODUCT_FIGURES, SALES_FIGURES
from analytics_service.domain.errors import ProductNotFound, UserNotFound
from analytics_service.domain.periods import Granularity, start_of
from analytics_service.domain.reports import (
    average,
    bucket,
    period_range,
    periods,
    with_averages,
)
from analytics_service.service.ports import UnitOfWorkFactory
from marketplace_platform.clock import utcnow

CATEGORY_SALES = ("orders", "paid_orders", "units", "revenue", "cancellations", "refunds")
LIVE_WINDOW = timedelta(hours=1)
LIVE_TOP = 5


async def user_activity(*, unit_of_work: UnitOfWorkFactory, user_id: uuid.UUID) -> dict[str, Any]:
    async with unit_of_work(read_only=True) as uow:
        row = await uow.reports.user(user_id)
    if row is None:
        raise UserNotFound()
    return {"user_id": user_id, **row}


async def product_stats(
    *, unit_of_work: UnitOfWorkFactory, product_id: uuid.UUID
) -> dict[str, Any]:
    async with unit_of_work(read_only=True) as uow:
        row = await uow.reports.product(product_id)
    if row is None:
        raise ProductNotFound()
    return {"product_id": product_id, **_product(row)}


def _product(row: dict[str, Any]) -> dict[str, Any]:
    figures = {name: int(row[name] or 0) for name in PRODUCT_FIGURES}
    reviews = figures["reviews"]
    return {
        "category_id": row.get("category_id"),
        "title": row.get("title"),
        **{name: value for name, value in figures.items() if name != "rating_sum"},
        "average_rating": round(figures["rating_sum"] / reviews, 2) if reviews else None,
        "conversion": round(figures["orders"] / figures["views"], 4) if figures["views"] else None,
    }


async def sales(
    *,
    unit_of_work: UnitOfWorkFactory,
    first: date | None,
    last: date | None,
    granularity: Granularity,
    category_id: uuid.UUID | None,
) -> dict[str, Any]:
    first, last = period_range(first, last, today=utcnow().date())
    async with unit_of_work(read_only=True) as uow:
        if category_id is None:
            rows = await uow.reports.sales_days(first, last)
        else:
            rows = await uow.reports.category_days(category_id, first, last)
    figures = SALES_FIGURES if category_id is None else CATEGORY_SALES
    by_period = [
        with_averages(period)
        for period in bucket(rows, first=first, last=last, granularity=granularity, figures=figures)
    ]
    totals = with_averages({name: sum(period[name] for period in by_period) for name in figures})
    return {
        "from": first,
        "to": last,
        "granularity": granularity.value,
        "category_id": category_id,
        "figures": [*figures, "average_order_value"],
        "periods": by_period,
        "totals": totals,
    }


async def popular(
    *,
    unit_of_work: UnitOfWorkFactory,
    by: str,
    category_id: uuid.UUID | None,
    first: date | None,
    last: date | None,
    limit: int,
) -> dict[str, Any]:
    if first is not None or last is not None:
        first, last = period_range(first, last, today=utcnow().date())
    async with unit_of_work(read_only=True) as uow:
        rows = await uow.reports.popular(
            by=by, limit=limit, category_id=category_id, first=first, last=last
        )
    return {
        "by": by,
        "from": first,
        "to": last,
        "category_id": category_id,
        "items": [{"product_id": row["product_id"], **_product(row)} for row in rows],
    }


async def categories(
    *, unit_of_work: UnitOfWorkFactory, first: date | None, last: date | None
) -> dict[str, Any]:
    first, last = period_range(first, last, today=utcnow().date())
    async with unit_of_work(read_only=True) as uow:
        rows = await uow.reports.categories(first, last)
    items = []
    for row in rows:
        figures = {name: int(row[name]) for name in PRODUCT_FIGURES}
        reviews = figures.pop("reviews")
        rating_sum = figures.pop("rating_sum")
        items.append(
            {
                "category_id": row["category_id"],
                **figures,
                "reviews": reviews,
                "average_rating": round(rating_sum / reviews, 2) if reviews else None,
                "average_order_value": average(figures["revenue"], figures["paid_orders"]),
            }
        )
    return {"from": first, "to": last, "items": items}


async def live(*, unit_of_work: UnitOfWorkFactory) -> dict[str, Any]:
    now = utcnow()
    async with unit_of_work(read_only=True) as uow:
        summary = await uow.reports.live(now - LIVE_WINDOW, top=LIVE_TOP)
    return {"since": now - LIVE_WINDOW, "until": now, **summary}


async def active_users(
    *,
    unit_of_work: UnitOfWorkFactory,
    granularity: Granularity,
    first: date | None,
    last: date | None,
) -> dict[str, Any]:
    first, last = period_range(first, last, today=utcnow().date())
    async with unit_of_work(read_only=True) as uow:
        rows = await uow.reports.active_counts(
            granularity.value, start_of(first, granularity), last
        )
    counts = {row["period"]: int(row["users"]) for row in rows}

    return {
        "granularity": granularity.value,
        "from": first,
        "to": last,
        "periods": [
            {"period": period, "active_users": counts.get(period, 0)}
            for period in periods(first, last, granularity)
        ],
    }
