"""Events published by the reviews service."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from marketplace_contracts.envelope import Event


class ProductRatingChanged(Event):
    """A product's rating aggregate after a review was added, changed or removed. The figures
    are absolute (not a delta): a consumer keeps the newest by the envelope's ``time``."""

    TYPE: ClassVar[str] = "reviews.product_rating.changed.v1"

    product_id: uuid.UUID
    average_rating: float = Field(ge=0, le=5)
    review_count: int = Field(ge=0)

    def event_subject(self) -> str:
        return str(self.product_id)
