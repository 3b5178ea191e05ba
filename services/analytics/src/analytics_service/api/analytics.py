"""The analytics API: a user's own activity; products' figures and the popular lists
(public); sales, categories, users' activity, active users and the live summary (admins).

Periods are ``from`` and ``to`` (UTC days, both included; the last 30 days by default, at
most three years); money is integer minor units of RUB. ``/sales`` answers CSV with a
header row for ``format=csv`` or ``Accept: text/csv``.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from analytics_service.api.deps import AdminUser, CurrentUser, UnitOfWorkDep
from analytics_service.domain.periods import Granularity
from analytics_service.schemas import (
    ActivePeriod,
    CategoryRead,
    LiveRead,
    ProductStatsRead,
    SalesPeriod,
    UserActivityRead,
)
from analytics_service.service import reports

router = APIRouter(prefix="/api/analytics", tags=["analytics"])

From = Annotated[date | None, Query(alias="from", description="First day (UTC), included.")]
To = Annotated[date | None, Query(description="Last day (UTC), included.")]
Category = Annotated[uuid.UUID | None, Query(description="Only this category.")]


class Measure(StrEnum):
    VIEWS = "views"
    ORDERS = "orders"
    REVENUE = "revenue"
    RATING = "rating"


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


@router.get("/me/activity", response_model=UserActivityRead)
async def my_activity(user: CurrentUser, unit_of_work: UnitOfWorkDep) -> dict[str, Any]:
    """Your own activity: orders, spending, reviews, comments, likes given."""
    return await reports.user_activity(unit_of_work=unit_of_work, user_id=user.user_id)


@router.get("/users/{user_id}/activity", response_model=UserActivityRead)
async def user_activity(
    user_id: uuid.UUID, _admin: AdminUser, unit_of_work: UnitOfWorkDep
) -> dict[str, Any]:
    """A user's activity (admins)."""
    return await reports.user_activity(unit_of_work=unit_of_work, user_id=user_id)


@router.get("/products/{product_id}/stats", response_model=ProductStatsRead)
async def product_stats(product_id: uuid.UUID, unit_of_work: UnitOfWorkDep) -> dict[str, Any]:
    """A product's figures in all: views, orders, units, revenue, refunds, rating."""
    return await reports.product_stats(unit_of_work=unit_of_work, product_id=product_id)


@router.get("/sales", responses={200: {"content": {"text/csv": {}}}})
async def sales(
    _admin: AdminUser,
    unit_of_work: UnitOfWorkDep,
    from_: From = None,
    to: To = None,
    granularity: Granularity = Granularity.DAY,
    category: Category = None,
    format: Format | None = None,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    """Sales per day, week or month (admins): orders, paid orders, revenue, refunds, average
    order value, new buyers and returning buyers' orders; of one category if asked."""
    report = await reports.sales(
        unit_of_work=unit_of_work,
        first=from_,
        last=to,
        granularity=granularity,
        category_id=category,
    )
    wants_csv = format is Format.CSV or (
        format is None and accept is not None and "text/csv" in accept
    )
    if wants_csv:
        return Response(_csv(report), media_type="text/csv; charset=utf-8")
    report["periods"] = [
        SalesPeriod(**period).model_dump(exclude_none=True) for period in report["periods"]
    ]
    return report


def _csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = report["figures"]
    writer.writerow(["period", *columns])
    for period in report["periods"]:
        writer.writerow([period["period"].isoformat(), *(period[name] for name in columns)])
    return out.getvalue()


@router.get("/popular")
async def popular(
    unit_of_work: UnitOfWorkDep,
    by: Measure = Measure.ORDERS,
    category: Category = None,
    from_: From = None,
    to: To = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The most viewed, ordered, earning or best rated products, in all or in a period
    (``rating``: of the reviews written in it), overall or in one category."""
    return await reports.popular(
        unit_of_work=unit_of_work,
        by=by.value,
        category_id=category,
        first=from_,
        last=to,
        limit=limit,
    )


@router.get("/categories")
async def categories(
    _admin: AdminUser, unit_of_work: UnitOfWorkDep, from_: From = None, to: To = None
) -> dict[str, Any]:
    """Each category's figures in a period (admins), by revenue."""
    report = await reports.categories(unit_of_work=unit_of_work, first=from_, last=to)
    report["items"] = [CategoryRead(**item).model_dump() for item in report["items"]]
    return report


@router.get("/live", response_model=LiveRead)
async def live(_admin: AdminUser, unit_of_work: UnitOfWorkDep) -> dict[str, Any]:
    """The last hour (admins): orders placed, paid, revenue, active users, top products."""
    return await reports.live(unit_of_work=unit_of_work)


@router.get("/active-users")
async def active_users(
    _admin: AdminUser,
    unit_of_work: UnitOfWorkDep,
    granularity: Granularity = Granularity.DAY,
    from_: From = None,
    to: To = None,
) -> dict[str, Any]:
    """How many users were active per day, week or month (admins): any event of theirs,
    logins included."""
    report = await reports.active_users(
        unit_of_work=unit_of_work, granularity=granularity, first=from_, last=to
    )
    report["periods"] = [ActivePeriod(**period).model_dump() for period in report["periods"]]
    return report
