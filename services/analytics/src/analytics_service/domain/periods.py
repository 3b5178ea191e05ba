"""Periods the figures are kept and asked for in: UTC days, ISO weeks (from Monday) and
calendar months, each named by its first day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def day_of(at: datetime) -> date:
    return at.astimezone(UTC).date()


def start_of(day: date, granularity: Granularity) -> date:
    """The first day of the period ``day`` falls in."""
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    return day


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def split_by_months(first: date, last: date) -> tuple[list[date], list[tuple[date, date]]]:
    """``[first, last]`` as the whole months inside it and the day ranges left at its edges,
    so that a sum over the range reads a month's rollup once instead of its thirty days."""
    months: list[date] = []
    edges: list[tuple[date, date]] = []
    month = first.replace(day=1)
    if month < first:
        month = next_month(month)
    if next_month(month) - timedelta(days=1) > last:
        return [], [(first, last)]
    if first < month:
        edges.append((first, month - timedelta(days=1)))
    while next_month(month) - timedelta(days=1) <= last:
        months.append(month)
        month = next_month(month)
    if month <= last:
        edges.append((month, last))
    return months, edges
