"""Products and services: public search and reading, admin changes and pictures."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from catalog_service.adapters.unit_of_work import UnitOfWorkFactory
from catalog_service.api.deps import (
    AdminUser,
    CategoryCacheDep,
    ImageStoreDep,
    SettingsDep,
    UnitOfWorkDep,
    ViewCounterDep,
)
from catalog_service.api.json_documents import JSONDocument
from catalog_service.domain.money import MAX_PRICE
from catalog_service.domain.search import QUERY_MAX, Sort, product_search
from catalog_service.schemas import (
    CategoryCount,
    ImageRead,
    ProductCreate,
    ProductPage,
    ProductRead,
    ProductUpdate,
    product_document,
)
from catalog_service.service import images, products, search
from catalog_service.service.category_cache import CategoryCache
from catalog_service.settings import CatalogSettings
from marketplace_platform.images import read_image_upload

router = APIRouter(prefix="/api/catalog/products", tags=["products"])

NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
IMAGE_UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "PNG, JPEG or WebP, at most 5 MB.",
                        }
                    },
                }
            }
        },
    }
}


async def _read(
    unit_of_work: UnitOfWorkFactory,
    categories: CategoryCache,
    settings: CatalogSettings,
    product_id: uuid.UUID,
    *,
    status_code: int = status.HTTP_200_OK,
) -> JSONDocument:
    record = await products.get(
        unit_of_work=unit_of_work, categories=categories, product_id=product_id
    )
    document = product_document(record, image_base_url=settings.image_base_url)
    return JSONDocument(document, status_code=status_code)


# The routes answer ``JSONDocument``s built from plain data (see ``schemas.product_document``);
# ``response_model`` keeps the schema they follow in the OpenAPI document.
@router.get("", response_model=ProductPage)
async def list_products(
    unit_of_work: UnitOfWorkDep,
    categories: CategoryCacheDep,
    settings: SettingsDep,
    q: Annotated[
        str | None,
        Query(max_length=QUERY_MAX, pattern=NO_CONTROL, description="Words to search for."),
    ] = None,
    category: Annotated[
        uuid.UUID | None, Query(description="A category; its sub-categories are included.")
    ] = None,
    min_price: Annotated[int | None, Query(ge=0, le=MAX_PRICE)] = None,
    max_price: Annotated[int | None, Query(ge=0, le=MAX_PRICE)] = None,
    min_rating: Annotated[float | None, Query(ge=0, le=5)] = None,
    in_stock: Annotated[
        bool | None, Query(description="true: only what can be bought now.")
    ] = None,
    sort: Annotated[
        Sort | None, Query(description="Default: relevance with q, else newest.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=search.MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    page: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> JSONDocument:
    """Search and browse active products: filters, sorts, pages and per-category counts."""
    result = await search.search(
        unit_of_work=unit_of_work,
        categories=categories,
        search=product_search(
            q=q,
            category_id=category,
            min_price=min_price,
            max_price=max_price,
            min_rating=min_rating,
            in_stock=in_stock,
            sort=sort,
        ),
        limit=limit,
        cursor=cursor,
        page=page,
        similarity_threshold=settings.search_similarity_threshold,
    )
    base_url = settings.image_base_url
    return JSONDocument(
        {
            "items": [product_document(item, image_base_url=base_url) for item in result.items],
            "total": result.total,
            "next_cursor": result.next_cursor,
            "facets": {"categories": [CategoryCount.document(f) for f in result.facets]},
        }
    )


@router.get("/{product_id}", response_model=ProductRead)
async def get_product(
    product_id: uuid.UUID,
    unit_of_work: UnitOfWorkDep,
    categories: CategoryCacheDep,
    settings: SettingsDep,
    views: ViewCounterDep,
) -> JSONDocument:
    """One product or service, archived ones too (old orders link to them). Counts a view."""
    read = await _read(unit_of_work, categories, settings, product_id)
    views.record(product_id)  # in memory: no database write on this path
    return read


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProductRead)
async def create_product(
    body: ProductCreate,
    admin: AdminUser,
    unit_of_work: UnitOfWorkDep,
    categories: CategoryCacheDep,
    settings: SettingsDep,
) -> JSONDocument:
    """Create a product or a service."""
    product = await products.create(
        unit_of_work=unit_of_work,
        title=body.title,
        description=body.description,
        price=body.price,
        currency=body.currency,
        category_id=body.category_id,
        kind=body.kind,
        stock=body.stock,
        attributes=body.attributes,
    )
    return await _read(
        unit_of_work, categories, settings, product.id, status_code=status.HTTP_201_CREATED
    )


@router.patch("/{product_id}", response_model=ProductRead)
async def update_product(
    product_id: uuid.UUID,
    body: ProductUpdate,
    admin: AdminUser,
    unit_of_work: UnitOfWorkDep,
    categories: CategoryCacheDep,
    settings: SettingsDep,
) -> JSONDocument:
    """Change a product; send only the fields to change."""
    await products.update(unit_of_work=unit_of_work, product_id=product_id, changes=body.changes())
    return await _read(unit_of_work, categories, settings, product_id)


@router.delete("/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
async def archive_product(
    product_id: uuid.UUID, admin: AdminUser, unit_of_work: UnitOfWorkDep
) -> None:
    """Archive a product: it leaves search and lists, and stays readable by id."""
    await products.archive(unit_of_work=unit_of_work, product_id=product_id)


@router.post(
    "/{product_id}/images", status_code=status.HTTP_201_CREATED, openapi_extra=IMAGE_UPLOAD_SCHEMA
)
async def add_product_image(
    product_id: uuid.UUID,
    request: Request,
    admin: AdminUser,
    unit_of_work: UnitOfWorkDep,
    store: ImageStoreDep,
    settings: SettingsDep,
) -> ImageRead:
    """Add a picture (multipart field ``file``); it is re-encoded, never kept as sent."""
    data = await read_image_upload(request, field="file", max_bytes=settings.image_max_bytes)
    image = await images.add(
        unit_of_work=unit_of_work, store=store, product_id=product_id, data=data
    )
    return ImageRead.of(image, base_url=settings.image_base_url)


@router.delete("/{product_id}/images/{image_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_product_image(
    product_id: uuid.UUID,
    image_id: uuid.UUID,
    admin: AdminUser,
    unit_of_work: UnitOfWorkDep,
    store: ImageStoreDep,
) -> None:
    """Remove a picture."""
    await images.delete(
        unit_of_work=unit_of_work, store=store, product_id=product_id, image_id=image_id
    )
