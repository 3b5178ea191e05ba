"""Product pictures, uploaded by admins through the platform's safe image pipeline (decoded,
re-encoded as WebP, metadata stripped; see ``marketplace_platform.images``)."""

from __future__ import annotations

import contextlib
import uuid

from sqlalchemy import select

from catalog_service.adapters.orm import Product, ProductImage
from catalog_service.domain.errors import ImageNotFound, ProductNotFound, TooManyImages
from catalog_service.domain.products import MAX_IMAGES
from marketplace_contracts import ProductUpdated
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.files import FileNotFound, FileStore, StoredFile
from marketplace_platform.ids import new_id
from marketplace_platform.images import Variant, process_upload

# The product page shows the large one (proportions kept), lists the square thumbnail.
LARGE = Variant("large", 1200, square=False)
SMALL = Variant("small", 320)


async def add(
    *, uow: UnitOfWork, store: FileStore, db: Database, product_id: uuid.UUID, data: bytes
) -> ProductImage:
    """Add a picture after the product's others; at most ``MAX_IMAGES`` per product."""
    async with db.read_session() as session:
        if await session.get(Product, product_id) is None:  # before paying for the decoding
            raise ProductNotFound("There is no product with this id.")
    variants = await process_upload(data, (LARGE, SMALL))
    large = await store.put(variants[LARGE.name].data, content_type="image/webp")
    small = await store.put(variants[SMALL.name].data, content_type="image/webp")
    try:
        async with uow:
            product = await _lock_or_raise(uow, product_id)
            if len(product.images) >= MAX_IMAGES:
                raise TooManyImages(f"A product has at most {MAX_IMAGES} images.")
            position = max((image.position for image in product.images), default=-1) + 1
            image = ProductImage(
                id=new_id(), position=position, file=large, small_file=small, created_at=utcnow()
            )
            product.images.append(image)
            product.updated_at = utcnow()
            uow.publish(_images_changed(product))
            await uow.commit()
    except BaseException:
        await _remove_files(store, large, small)
        raise
    return image


async def delete(
    *, uow: UnitOfWork, store: FileStore, product_id: uuid.UUID, image_id: uuid.UUID
) -> None:
    async with uow:
        product = await _lock_or_raise(uow, product_id)
        image = next((image for image in product.images if image.id == image_id), None)
        if image is None:
            raise ImageNotFound("The product has no image with this id.")
        product.images.remove(image)
        product.updated_at = utcnow()
        uow.publish(_images_changed(product))
        await uow.commit()
    await _remove_files(store, image.file, image.small_file)


async def get_file(*, store: FileStore, name: str) -> StoredFile:
    try:
        return await store.get(name)
    except FileNotFound:
        raise ImageNotFound("There is no image of that name.") from None


async def _lock_or_raise(uow: UnitOfWork, product_id: uuid.UUID) -> Product:
    query = select(Product).where(Product.id == product_id).with_for_update()
    product = await uow.session.scalar(query)
    if product is None:
        raise ProductNotFound("There is no product with this id.")
    return product


def _images_changed(product: Product) -> ProductUpdated:
    return ProductUpdated(
        product_id=product.id,
        title=product.title,
        category_id=product.category_id,
        status=product.status,  # type: ignore[arg-type]
        changed=["images"],
    )


async def _remove_files(store: FileStore, *names: str) -> None:
    # Best effort: an orphaned file wastes a little disk, and must not fail the request.
    for name in names:
        with contextlib.suppress(OSError):
            await store.delete(name)
