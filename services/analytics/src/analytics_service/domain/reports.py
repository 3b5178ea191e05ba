"""Shaping rollup rows into reports: periods with their figures summed (every period of the
range listed, zeros where nothing happened), averages, and the range a report may ask for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from analytics_service.domain.errors import InvalidPeriod
from analytics_service.domain.periods import Granularity, next_month, start_of

# The longest range a report covers: three years of days.
MAX_DAYS = 3 * 366
DEFAULT_DAYS = 30


def period_range(first: date | None, last: date | None, *, today: date) -> tuple[date, date]:
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidPeriod("`from` is after `to`")
    if (last - first).days >= MAX_DAYS:
        raise InvalidPeriod(f"a report covers at most {MAX_DAYS} days")
    return first, last


def periods(first: date, last: date, granularity: Granularity) -> list[date]:
    """The first day of every period that meets ``[first, last]``."""
    found = []
    period = start_of(first, granularity)
    while period <= last:
        found.append(period)
        if granularity is Granularity.DAY:
            period += timedelta(days=1)
        elif granularity is Granularity.WEEK:
            period += timedelta(days=7)
        else:
            period = next_month(period)
    return found


def bucket(
    rows: Iterable[Mapping[str, Any]],
    *,
    first: date,
    last: date,
    granularity: Granularity,
    figures: Sequence[str],
    key: str = "day",
) -> list[dict[str, Any]]:
    """Daily rows summed into their periods, oldest first."""
    buckets = {
        period: {"period": period, **dict.fromkeys(figures, 0)}
        for period in periods(first, last, granularity)
    }
    for row in rows:
        bucket_ = buckets[start_of(row[key], granularity)]
        for name in figures:
            bucket_[name] += int(row[name])
    return list(buckets.values())


def average(amount: int, count: int) -> int:
    """An amount per item in whole minor units, rounded half up; 0 of none."""
    return (2 * amount + count) // (2 * count) if count else 0


def with_averages(row: dict[str, Any]) -> dict[str, Any]:
    row["average_order_value"] = average(row.get("revenue", 0), row.get("paid_orders", 0))
    return row
