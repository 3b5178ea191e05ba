"""What the reviews service knows of a product: whether it exists and is on sale.

Learnt from the catalog's events (created, updated, archived), and, for a product no event
has told of (the demo catalog is seeded without events, as a backup is restored), from one
question to the catalog the first time someone reviews it. Each fact carries the time it
was true at (``as_of``), so a late event never overwrites a newer one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from reviews_service.domain.errors import ProductArchived


class ProductStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class KnownProduct:
    def __init__(self, product_id: uuid.UUID, status: ProductStatus, as_of: datetime) -> None:
        self.product_id = product_id
        self.status = status
        self.as_of = as_of

    def ensure_open_for_reviews(self) -> None:
        if self.status != ProductStatus.ACTIVE:
            raise ProductArchived("This product is no longer on sale and takes no new reviews.")


# Order statuses that make a purchase "verified": paid, and still so once delivered. A
# cancelled (refunded) order no longer counts.
PURCHASED_STATUSES = frozenset({"paid", "delivered"})
