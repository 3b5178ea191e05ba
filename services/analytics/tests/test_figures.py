"""The figures after a scripted few weeks of a small shop equal what the script says
happened; delivering every event again, in a shuffled order, into an empty store ends in
the same figures, row for row; the CSV export sums to the JSON's totals."""

import csv
import io
import itertools
import uuid
from datetime import date, datetime

import pytest

pytestmark = pytest.mark.integration

FIRST, LAST = date(2026, 3, 1), date(2026, 4, 30)


def sales_figures(period: dict) -> dict:
    return {
        name: value
        for name, value in period.items()
        if name not in ("period", "average_order_value") and value
    }


async def assert_figures_are_true(analytics, s, truth, names) -> None:
    for granularity in ("day", "week", "month"):
        report = await analytics.get(
            "/sales",
            **{"from": FIRST.isoformat(), "to": LAST.isoformat(), "granularity": granularity},
        )
        got = {date.fromisoformat(p["period"]): sales_figures(p) for p in report["periods"]}
        expected = truth.sales(granularity)
        assert {k: v for k, v in got.items() if v} == {
            k: {n: int(x) for n, x in v.items() if x} for k, v in expected.items()
        }
        for category in (names["phones"], names["books"]):
            report = await analytics.get(
                "/sales",
                **{"from": FIRST.isoformat(), "to": LAST.isoformat()},
                granularity=granularity,
                category=str(category),
            )
            got = {date.fromisoformat(p["period"]): sales_figures(p) for p in report["periods"]}
            expected = truth.sales(granularity, category)
            assert {k: v for k, v in got.items() if v} == {
                k: {n: int(x) for n, x in v.items() if x}
                for k, v in expected.items()
                if any(v.values())
            }

    for product in (names["phone"], names["case"], names["book"]):
        stats = await analytics.get(f"/products/{product}/stats")
        expected = truth.product(product)
        for name, value in expected.items():
            assert stats[name] == value, (name, product)

    for user in s.users:
        activity = await analytics.get(f"/users/{user}/activity")
        for name, value in truth.user(user).items():
            got = activity[name]
            if isinstance(value, datetime):
                got = datetime.fromisoformat(got)
            assert got == value, name

    for granularity in ("day", "week", "month"):
        report = await analytics.get(
            "/active-users",
            granularity=granularity,
            **{"from": FIRST.isoformat(), "to": LAST.isoformat()},
        )
        got = {
            date.fromisoformat(p["period"]): p["active_users"]
            for p in report["periods"]
            if p["active_users"]
        }
        assert got == truth.active(granularity)

    window = {"from": FIRST.isoformat(), "to": date(2026, 3, 31).isoformat()}
    scopes: list[uuid.UUID | None] = [None, names["phones"], names["books"]]
    for by, period, category in itertools.product(
        ("views", "orders", "revenue", "rating"), ({}, window), scopes
    ):
        # A category's list holds the products in it now (the moved book's whole history
        # with them).
        in_scope = {} if category is None else {"category": str(category)}
        popular = await analytics.get("/popular", by=by, **period, **in_scope)
        first, last = (FIRST, date(2026, 3, 31)) if period else (None, None)
        ranked = [uuid.UUID(item["product_id"]) for item in popular["items"]]
        figures = {
            p: truth.product(p, first, last)
            for p in (names["phone"], names["case"], names["book"])
            if category is None or s.categories[p] == category
        }
        if by == "rating":
            scored = {
                p: (f["average_rating"], f["reviews"]) for p, f in figures.items() if f["reviews"]
            }
        else:
            scored = {p: f.get(by, 0) for p, f in figures.items() if f.get(by, 0)}
        assert set(ranked) == set(scored)
        assert [scored[p] for p in ranked] == sorted(scored.values(), reverse=True)


async def test_every_figure_equals_what_the_scenario_says_happened(analytics, scenario) -> None:
    s, truth, names = scenario
    await analytics.deliver_all(s.envelopes)
    await assert_figures_are_true(analytics, s, truth, names)


async def test_redelivered_and_shuffled_events_give_the_same_figures(analytics, scenario) -> None:
    s, truth, names = scenario
    await analytics.deliver_all(s.envelopes)
    in_order = await analytics.tables()
    for seed in (1, 2):
        await analytics.forget_everything()
        await analytics.deliver_all(s.shuffled_twice(seed))
        assert await analytics.tables() == in_order
    await assert_figures_are_true(analytics, s, truth, names)


async def test_the_csv_parses_and_sums_to_the_totals(analytics, scenario) -> None:
    s, _, _ = scenario
    await analytics.deliver_all(s.envelopes)
    params = {"from": FIRST.isoformat(), "to": LAST.isoformat(), "granularity": "week"}
    report = await analytics.get("/sales", **params)
    for ask in ({"format": "csv"}, {}):
        headers = analytics.admin().headers | ({} if ask else {"accept": "text/csv"})
        response = await analytics.http.get(
            "/api/analytics/sales", params=params | ask, headers=headers
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [row["period"] for row in rows] == [p["period"] for p in report["periods"]]
        for name in ("orders", "paid_orders", "revenue", "refunds", "new_buyers"):
            assert sum(int(row[name]) for row in rows) == report["totals"][name]
