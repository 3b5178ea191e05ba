"""What other services' events teach the reviews service, each applied once by the inbox in
the transaction of its claim (``consumers``):

- the catalog's products and whether they are on sale (new reviews need one that is);
- authors' display names from auth, kept current when they rename (listings join them);
- purchases from orders: which users hold a paid or delivered order of which products. A
  review is a *verified purchase* while its author does; the flag on the review follows
  (an event of the review says so), so listings can filter on it with an index.

Every fact is stored with the time it was true at, and an older one never replaces a newer
one: redelivered or reordered events leave the newest truth in place. The events in work at
once share one transaction (a group commit): each effect reads what the ones before it in
the transaction wrote, so two orders of one buyer and product in one batch decide the
review's flag as they would one after the other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from marketplace_platform.clock import utcnow
from reviews_service.domain.products import ProductStatus
from reviews_service.service.ports import UnitOfWork


async def learn_product(
    uow: UnitOfWork, *, product_id: uuid.UUID, status: ProductStatus, as_of: datetime
) -> None:
    await uow.products.learn(product_id, status, as_of=as_of)


async def learn_author(uow: UnitOfWork, *, user_id: uuid.UUID, name: str, as_of: datetime) -> None:
    await uow.authors.learn(user_id, name, as_of=as_of)


async def learn_order(
    uow: UnitOfWork,
    *,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    status: str,
    as_of: datetime,
    product_ids: Iterable[uuid.UUID] = (),
) -> None:
    """An order's status (and, once paid, its products); the verified flag of the buyer's
    reviews of those products follows."""
    await uow.purchases.learn_order(order_id, user_id, status, as_of=as_of, product_ids=product_ids)
    for review in await uow.reviews.of_author_in_order(order_id, user_id):
        review.verify(await uow.purchases.purchased(user_id, review.product_id), at=utcnow())
