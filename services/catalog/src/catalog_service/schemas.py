"""The JSON the catalog API speaks: ``XCreate`` / ``XUpdate`` / ``XRead`` / ``XPage``.

Request models forbid unknown fields (a typo such as ``"tilte"`` is a 422, not silently
ignored) and bound every value, so nothing oversized reaches the use cases; the domain
applies the real rules with clear messages.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from catalog_service.domain.money import DEFAULT_CURRENCY, MAX_PRICE
from catalog_service.domain.products import Kind, ProductImage, Status, in_stock
from catalog_service.domain.stock import MAX_LINES, MAX_QUANTITY, Reservation
from catalog_service.service.categories import CategoryNode
from catalog_service.service.category_cache import CachedCategory
from catalog_service.service.products import ProductRecord
from catalog_service.service.search import CategoryFacet

# Bounds generous enough for the domain to give the precise message.
Title = Annotated[str, Field(min_length=1, max_length=1000, examples=["Смартфон Galaxy A55"])]
Description = Annotated[str, Field(max_length=20000)]
Price = Annotated[
    int,
    Field(
        strict=True,
        gt=0,
        le=MAX_PRICE,
        description="Minor units of the currency (kopecks for RUB): 1999 is 19.99.",
        examples=[3499000],
    ),
]
Currency = Annotated[str, Field(min_length=3, max_length=3, examples=[DEFAULT_CURRENCY])]
Stock = Annotated[int, Field(strict=True, ge=0, le=1_000_000_000)]
AttributeValue = StrictStr | StrictBool | StrictInt | StrictFloat
Attributes = Annotated[
    dict[Annotated[str, Field(max_length=200)], AttributeValue],
    Field(
        max_length=100,
        description="A flat object: names to a string, a number or true/false.",
        examples=[{"цвет": "чёрный", "память_гб": 256, "5g": True}],  # noqa: RUF001
    ),
]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def changes(self) -> dict[str, Any]:
        """The fields the request sets, by name."""
        return {name: getattr(self, name) for name in self.model_fields_set}


# -- categories -----------------------------------------------------------------------------


class CategoryCreate(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=1000, examples=["Смартфоны"])]
    parent_id: uuid.UUID | None = None


class CategoryUpdate(RequestModel):
    """Rename and/or move; ``"parent_id": null`` moves the category to the top level."""

    name: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    parent_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _name_stays(self) -> CategoryUpdate:
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("The name cannot be removed, only changed.")
        return self


class CategoryRef(BaseModel):
    id: uuid.UUID
    name: str


class CategoryRead(BaseModel):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    path: list[CategoryRef] = Field(description="From the top of the tree down to this one.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, category: CachedCategory, path: Sequence[CachedCategory]) -> CategoryRead:
        return cls(
            id=category.id,
            name=category.name,
            parent_id=category.parent_id,
            path=[CategoryRef(id=c.id, name=c.name) for c in path],
            created_at=category.created_at,
            updated_at=category.updated_at,
        )


class CategoryTreeNode(BaseModel):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    product_count: int = Field(description="Active products here and in every sub-category.")
    children: list[CategoryTreeNode]

    @classmethod
    def of(cls, node: CategoryNode) -> CategoryTreeNode:
        return cls(
            id=node.category.id,
            name=node.category.name,
            parent_id=node.category.parent_id,
            product_count=node.product_count,
            children=[cls.of(child) for child in node.children],
        )


class CategoryTree(BaseModel):
    items: list[CategoryTreeNode] = Field(description="Top-level categories, by name.")


# -- products -------------------------------------------------------------------------------


class ProductCreate(RequestModel):
    title: Title
    description: Description = ""
    price: Price
    currency: Currency = DEFAULT_CURRENCY
    category_id: uuid.UUID
    kind: Kind
    stock: Stock | None = Field(
        default=None, description="Units in stock (0 if left out); a service has none."
    )
    attributes: Attributes = Field(default_factory=dict)


class ProductUpdate(RequestModel):
    """Only the fields sent are changed. ``kind`` is fixed once created; ``status`` brings
    an archived product back (``active``) or archives it."""

    title: Title | None = None
    description: Description | None = None
    price: Price | None = None
    currency: Currency | None = None
    category_id: uuid.UUID | None = None
    stock: Stock | None = None
    attributes: Attributes | None = None
    status: Status | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> ProductUpdate:
        # Leaving a field out keeps it; null would mean "remove", which only a service's
        # stock (absent anyway) could be.
        nulls = sorted(
            name
            for name in self.model_fields_set
            if getattr(self, name) is None and name != "stock"
        )
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null: leave it out to keep it")
        return self


class ImageRead(BaseModel):
    id: uuid.UUID
    url: str = Field(description="At most 1200 px on the longer side, WebP.")
    small_url: str = Field(description="320 x 320, WebP.")

    @classmethod
    def of(cls, image: ProductImage, *, base_url: str) -> ImageRead:
        return cls(
            id=image.id,
            url=f"{base_url}/{image.file}",
            small_url=f"{base_url}/{image.small_file}",
        )


class ProductCategory(BaseModel):
    id: uuid.UUID
    name: str
    path: list[CategoryRef]


class Rating(BaseModel):
    average: float = Field(description="0 to 5; 0 with no reviews.")
    count: int


class ProductRead(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    price: int = Field(description="Minor units of the currency.")
    currency: str
    kind: Kind
    stock: int | None = Field(description="null: never runs out (services).")
    in_stock: bool
    attributes: dict[str, Any]
    images: list[ImageRead]
    status: Status
    category: ProductCategory
    rating: Rating
    orders_count: int
    views: int
    created_at: datetime
    updated_at: datetime


def product_document(record: ProductRecord, *, image_base_url: str) -> dict[str, Any]:
    """A product as ``ProductRead`` describes it, built as plain JSON-ready data.

    The product page and the search page are the shop's most frequent answers; building them
    as dicts for ``orjson`` skips a Pydantic model per product (and per picture, category and
    rating) that would only be validated and dumped again. ``ProductRead`` stays the
    documented schema, and a test holds the two to the same output."""
    product = record.product
    status = product["status"]
    category = record.trail[-1]
    return {
        "id": product["id"],
        "title": product["title"],
        "description": product["description"],
        "price": product["price"],
        "currency": product["currency"],
        "kind": product["kind"],
        "stock": product["stock"],
        "in_stock": in_stock(status=Status(status), stock=product["stock"]),
        "attributes": product["attributes"],
        "images": [
            {
                "id": image["id"],
                "url": f"{image_base_url}/{image['file']}",
                "small_url": f"{image_base_url}/{image['small_file']}",
            }
            for image in record.images
        ],
        "status": status,
        "category": {
            "id": category.id,
            "name": category.name,
            "path": [{"id": c.id, "name": c.name} for c in record.trail],
        },
        "rating": {"average": product["rating_avg"], "count": product["review_count"]},
        "orders_count": product["orders_count"],
        "views": product["views"],
        "created_at": product["created_at"],
        "updated_at": product["updated_at"],
    }


class CategoryCount(BaseModel):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    count: int = Field(description="Matches here and in every sub-category.")

    @staticmethod
    def document(facet: CategoryFacet) -> dict[str, Any]:
        """The same as plain data, for ``product_document``'s pages."""
        category = facet.category
        return {
            "id": category.id,
            "name": category.name,
            "parent_id": category.parent_id,
            "count": facet.count,
        }


class Facets(BaseModel):
    categories: list[CategoryCount] = Field(
        description="Categories with matches for the query and every filter but the "
        "category one, in tree order (parents before their children)."
    )


class ProductPage(BaseModel):
    items: list[ProductRead]
    total: int
    next_cursor: str | None = None
    facets: Facets


# -- stock reservations (internal) ----------------------------------------------------------


class ReservationLine(RequestModel):
    product_id: uuid.UUID
    quantity: Annotated[int, Field(strict=True, ge=1, le=MAX_QUANTITY)]


class ReservationCreate(RequestModel):
    reservation_id: uuid.UUID = Field(description="The order's id: repeating it is safe.")
    items: Annotated[list[ReservationLine], Field(min_length=1, max_length=MAX_LINES)]


class ReservedItem(BaseModel):
    product_id: uuid.UUID
    quantity: int
    unit_price: int = Field(description="Minor units, as the price was when reserved.")
    currency: str
    title: str
    kind: Kind


class ReservationRead(BaseModel):
    reservation_id: uuid.UUID
    status: str
    currency: str | None  # None: released before it arrived, nothing was reserved
    total: int = Field(description="Minor units of ``currency``: the reserved items' sum.")
    items: list[ReservedItem]

    @classmethod
    def of(cls, reservation: Reservation) -> ReservationRead:
        items = [
            ReservedItem(
                product_id=item.product_id,
                quantity=item.quantity,
                unit_price=item.unit_price,
                currency=str(reservation.currency),  # a reservation with items has one
                title=item.title,
                kind=Kind(item.kind),
            )
            for item in reservation.items
        ]
        return cls(
            reservation_id=reservation.id,
            status=reservation.status,
            currency=reservation.currency,
            total=sum(item.unit_price * item.quantity for item in items),
            items=items,
        )
