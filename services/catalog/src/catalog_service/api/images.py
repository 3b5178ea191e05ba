"""Product image files, public: their names are random and never reused."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from catalog_service.api.deps import ImageStoreDep
from catalog_service.service import images
from marketplace_platform.files import file_response

router = APIRouter(prefix="/api/catalog/images", tags=["images"])


@router.get(
    "/{name}",
    response_class=Response,
    responses={200: {"content": {"image/webp": {}}}, 404: {"description": "No such image"}},
)
async def get_image(store: ImageStoreDep, name: str = Path(max_length=64)) -> Response:
    """A product image file."""
    stored = await images.get_file(store=store, name=name)
    return file_response(stored)
