"""Product image files, public: their names are random and never reused."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from catalog_service.api.deps import ImageStoreDep
from catalog_service.service import images

router = APIRouter(prefix="/api/catalog/images", tags=["images"])

# An uploaded file must never be read as anything but the image it is: no sniffing, no
# scripts or styles even if a browser opened it as a page. A name is never reused, so the
# file can be cached for a year.
IMAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "public, max-age=31536000, immutable",
}


@router.get(
    "/{name}",
    response_class=Response,
    responses={200: {"content": {"image/webp": {}}}, 404: {"description": "No such image"}},
)
async def get_image(store: ImageStoreDep, name: str = Path(max_length=64)) -> Response:
    """A product image file."""
    stored = await images.get_file(store=store, name=name)
    return Response(stored.data, media_type=stored.content_type, headers=IMAGE_HEADERS)
