"""Product pictures, uploaded by admins through the platform's safe image pipeline (decoded,
re-encoded as WebP, metadata stripped; see ``marketplace_platform.images``)."""

from __future__ import annotations

import contextlib
import uuid

from catalog_service.adapters.unit_of_work import CatalogUnitOfWork, UnitOfWorkFactory
from catalog_service.domain.errors import ImageNotFound, ProductNotFound
from catalog_service.domain.products import Product, ProductImage
from marketplace_platform.clock import utcnow
from marketplace_platform.files import FileNotFound, FileStore, StoredFile
from marketplace_platform.ids import new_id
from marketplace_platform.images import Variant, process_upload

# The product page shows the large one (proportions kept), lists the square thumbnail.
LARGE = Variant("large", 1200, square=False)
SMALL = Variant("small", 320)


async def add(
    *, unit_of_work: UnitOfWorkFactory, store: FileStore, product_id: uuid.UUID, data: bytes
) -> ProductImage:
    """Add a picture after the product's others; at most ``MAX_IMAGES`` per product."""
    async with unit_of_work(read_only=True) as uow:  # before paying for the decoding
        if not await uow.products.exists(product_id):
            raise ProductNotFound("There is no product with this id.")
    variants = await process_upload(data, (LARGE, SMALL))
    large = await store.put(variants[LARGE.name].data, content_type="image/webp")
    small = await store.put(variants[SMALL.name].data, content_type="image/webp")
    try:
        async with unit_of_work() as uow:
            product = await _lock_or_raise(uow, product_id)
            now = utcnow()
            image = ProductImage(
                id=new_id(), position=0, file=large, small_file=small, created_at=now
            )
            product.add_image(image, now=now)
            await uow.commit()
    except BaseException:
        await _remove_files(store, large, small)
        raise
    return image


async def delete(
    *, unit_of_work: UnitOfWorkFactory, store: FileStore, product_id: uuid.UUID, image_id: uuid.UUID
) -> None:
    async with unit_of_work() as uow:
        product = await _lock_or_raise(uow, product_id)
        image = product.remove_image(image_id, now=utcnow())
        await uow.commit()
    await _remove_files(store, image.file, image.small_file)


async def get_file(*, store: FileStore, name: str) -> StoredFile:
    try:
        return await store.get(name)
    except FileNotFound:
        raise ImageNotFound("There is no image of that name.") from None


async def _lock_or_raise(uow: CatalogUnitOfWork, product_id: uuid.UUID) -> Product:
    product = await uow.products.lock(product_id)
    if product is None:
        raise ProductNotFound("There is no product with this id.")
    return product


async def _remove_files(store: FileStore, *names: str) -> None:
    # Best effort: an orphaned file wastes a little disk, and must not fail the request.
    for name in names:
        with contextlib.suppress(OSError):
            await store.delete(name)
