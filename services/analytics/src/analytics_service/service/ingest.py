"""What each event does to the analytics store, applied once by the inbox in the
transaction of its claim (``consumers``).

Order and review events merge into their fact (``domain.facts``) and add the change of the
fact's contributions to the rollups: the order's period's sales, its buyer, and each line's
product and category, by day, week, month and in all. A buyer's first paid order is a new
buyer's; if an earlier paid order of theirs is heard of later, the one that was first is
counted again as a returning buyer's, in its own period. A product moved to another
category takes its daily figures with it. Activity marks the user active in the day, week
and month of the event, once each.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime

from analytics_service.adapters.orm import (
    category_days,
    product_days,
    product_months,
    product_totals,
    product_weeks,
    sales_days,
)
from analytics_service.domain.facts import (
    Figures,
    OrderFact,
    ReviewFact,
    delta,
    line_figures,
    order_figures,
    review_figures,
    user_figures,
)
from analytics_service.domain.periods import Granularity, day_of, start_of
from analytics_service.service.ports import UnitOfWork

REGRADED = {"new_buyers": -1, "returning_orders": 1}


def record_activity(
    uow: UnitOfWork,
    *,
    user_id: uuid.UUID,
    at: datetime,
    registered: bool = False,
    placed_order: bool = False,
) -> None:
    uow.users.saw(user_id, at, registered=registered, placed_order=placed_order)
    uow.activity.mark(user_id, day_of(at))


def add_user_figures(uow: UnitOfWork, *, user_id: uuid.UUID, figures: Figures) -> None:
    """Counters of what a user did: reviews and comments written, likes given (-1 when
    taken back)."""
    uow.users.add(user_id, figures)


async def change_order(
    uow: UnitOfWork, *, order_id: uuid.UUID, change: Callable[[OrderFact], OrderFact]
) -> None:
    """Merge what an event says into the order's fact and add the change of its
    contributions to the rollups."""
    before = await uow.orders.get(order_id)
    after = change(before)
    if after == before:
        return
    await uow.orders.save(before, after)
    if not after.counted or after.user_id is None:
        return  # nothing counts before the order is known to be placed
    user_id = after.user_id
    # Only a paid order's figures depend on whether it is its buyer's first.
    first_before = first_after = await uow.users.first_paid(user_id) if after.paid else None
    key = after.buyer_key
    if key is not None and (first_after is None or key < first_after):
        first_after = key
        await uow.users.set_first_paid(user_id, key)
        if first_before is not None and first_before[1] != order_id:
            uow.rollups.add(sales_days, {"day": day_of(first_before[0])}, REGRADED)

    def is_first(first: tuple[datetime, uuid.UUID] | None) -> bool:
        return first is not None and first[1] == order_id

    assert after.placed_at is not None
    day = day_of(after.placed_at)
    uow.rollups.add(
        sales_days,
        {"day": day},
        delta(
            order_figures(before, first_of_buyer=is_first(first_before)),
            order_figures(after, first_of_buyer=is_first(first_after)),
        ),
    )
    uow.users.add(user_id, delta(user_figures(before), user_figures(after)))
    categories = await uow.products.categories_of(line.product_id for line in after.lines)
    for line in after.lines:
        add_product_figures(
            uow,
            product_id=line.product_id,
            category_id=categories[line.product_id],
            day=day,
            figures=delta(line_figures(before, line), line_figures(after, line)),
        )


async def prepare(
    uow: UnitOfWork,
    *,
    order_ids: Iterable[uuid.UUID],
    buyer_ids: Iterable[uuid.UUID],
    product_ids: Iterable[uuid.UUID],
) -> None:
    """Load in one go what a batch of events will read one by one: the orders' facts, their
    buyers' first paid orders, and the categories of the products they hold."""
    await uow.orders.load(order_ids)
    await uow.users.load_buyers(buyer_ids)
    held = {line.product_id for fact in uow.orders.loaded() for line in fact.lines}
    await uow.products.categories_of(held | set(product_ids))


async def change_review(
    uow: UnitOfWork,
    *,
    review_id: uuid.UUID,
    product_id: uuid.UUID,
    change: Callable[[ReviewFact], ReviewFact],
) -> None:
    before = await uow.reviews.get(review_id, product_id)
    after = change(before)
    if after == before:
        return
    await uow.reviews.save(after)
    if after.created_at is None:
        return
    categories = await uow.products.categories_of([product_id])
    add_product_figures(
        uow,
        product_id=product_id,
        category_id=categories[product_id],
        day=day_of(after.created_at),
        figures=delta(review_figures(before), review_figures(after)),
    )


async def count_views(
    uow: UnitOfWork, *, views: Iterable[tuple[uuid.UUID, int]], at: datetime
) -> None:
    """A catalog replica's batch of page views, counted in the day it was sent."""
    counts: dict[uuid.UUID, int] = {}
    for product_id, count in views:
        counts[product_id] = counts.get(product_id, 0) + count
    categories = await uow.products.categories_of(counts)
    for product_id, count in counts.items():
        add_product_figures(
            uow,
            product_id=product_id,
            category_id=categories[product_id],
            day=day_of(at),
            figures={"views": count},
        )


async def learn_product(
    uow: UnitOfWork,
    *,
    product_id: uuid.UUID,
    category_id: uuid.UUID,
    title: str | None,
    as_of: datetime,
) -> None:
    """The newest catalog event names the product's category; a move takes its figures."""
    moved_from = await uow.products.learn(
        product_id, category_id=category_id, title=title, as_of=as_of
    )
    if moved_from is not None:
        await uow.rollups.move_product(product_id, moved_from, category_id)


def add_product_figures(
    uow: UnitOfWork,
    *,
    product_id: uuid.UUID,
    category_id: uuid.UUID,
    day: date,
    figures: Figures,
) -> None:
    if not figures:
        return
    rollups = uow.rollups
    category = {"category_id": category_id}
    rollups.add(product_days, {"day": day, "product_id": product_id}, figures)
    week = start_of(day, Granularity.WEEK)
    rollups.add(
        product_weeks, {"week": week, "product_id": product_id}, figures, attributes=category
    )
    month = start_of(day, Granularity.MONTH)
    rollups.add(
        product_months, {"month": month, "product_id": product_id}, figures, attributes=category
    )
    rollups.add(product_totals, {"product_id": product_id}, figures, attributes=category)
    rollups.add(category_days, {"category_id": category_id, "day": day}, figures)
