"""The denormalised figures on each product, kept up to date from events: average rating and
review count (reviews), orders count (orders), views (the catalog's own batched counts).

They live on the product row so that sorting by rating or popularity is an index scan, not
a join with another service's data (which the catalog could not read anyway). Each function
is an *effect*: it runs inside the inbox's transaction (``inbox.GroupCommit``), so an event
delivered twice is applied once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from catalog_service.adapters.unit_of_work import CatalogUnitOfWork
from marketplace_contracts import OrderPaid, ProductRatingChanged, ProductViewsCounted


async def record_rating(
    uow: CatalogUnitOfWork, *, event: ProductRatingChanged, as_of: datetime
) -> None:
    """Store the product's rating aggregate, unless a newer one was stored already."""
    await uow.products.set_rating(
        event.product_id,
        average=round(event.average_rating, 4),
        count=event.review_count,
        as_of=as_of,
    )


async def record_order(uow: CatalogUnitOfWork, *, event: OrderPaid) -> None:
    """One more order for each product in a paid order (a product counts once per order)."""
    await uow.products.add_orders(line.product_id for line in event.items)


async def record_views(uow: CatalogUnitOfWork, *, event: ProductViewsCounted) -> None:
    counts: dict[uuid.UUID, int] = {}
    for entry in event.counts:
        counts[entry.product_id] = counts.get(entry.product_id, 0) + entry.views
    await uow.products.add_views(counts)
