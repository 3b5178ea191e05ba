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


def split_period(first: date, last: date) -> tuple[list[date], list[date], list[tuple[date, date]]]:
    """``[first, last]`` as few rollup buckets as cover it exactly: the whole months inside
    it, the whole (Monday to Sunday) weeks inside what is left at its edges, and the day
    ranges left after those (at most six days at each side of each run of weeks). A year is
    twelve months, a few weeks and a dozen days at most, not 365 days."""
    months, edges = split_by_months(first, last)
    weeks: list[date] = []
    days: list[tuple[date, date]] = []
    for start, end in edges:
        monday = start + timedelta(days=(7 - start.weekday()) % 7)
        if monday + timedelta(days=6) > end:
            days.append((start, end))
            continue
        if start < monday:
            days.append((start, monday - timedelta(days=1)))
        while monday + timedelta(days=6) <= end:
            weeks.append(monday)
            monday += timedelta(days=7)
        if monday <= end:
            days.append((monday, end))
    return months, weeks, days
