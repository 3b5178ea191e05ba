"""The catalog, asked about a product the reviews service has heard no event of.

The catalog's events keep the reviews service's ``products`` table current; but a product
may predate them (the demo catalog is seeded without events), so the first review of such a
product asks the catalog once, and the answer is kept like an event's. The question is the
public product read, which answers archived products too.
"""

from __future__ import annotations

import logging
import uuid

from pydantic import BaseModel

from marketplace_platform.internal_http import InternalClient, PeerUnavailable, json_of
from reviews_service.domain.errors import CatalogUnavailable
from reviews_service.domain.products import ProductStatus

log = logging.getLogger(__name__)


class _ProductStatus(BaseModel):
    id: uuid.UUID
    status: ProductStatus


class CatalogClient:
    def __init__(self, client: InternalClient) -> None:
        self.client = client

    async def product_status(self, product_id: uuid.UUID) -> ProductStatus | None:
        """The product's status, None if the catalog has no such product;
        ``CatalogUnavailable`` when it cannot say."""
        try:
            response = await self.client.request("GET", f"/api/catalog/products/{product_id}")
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise PeerUnavailable(f"the catalog answered {response.status_code}")
            return json_of(response, _ProductStatus).status
        except PeerUnavailable as error:
            log.warning("catalog unreachable while looking up a product: %s", error)
            raise CatalogUnavailable(
                "The catalog cannot be reached to check the product. Try again shortly."
            ) from None

    async def close(self) -> None:
        await self.client.close()
