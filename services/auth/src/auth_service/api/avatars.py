"""Avatar images, public: their names are random and change with every upload."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from auth_service.api.deps import AvatarStoreDep
from auth_service.service import profiles
from marketplace_platform.files import file_response

router = APIRouter(prefix="/api/auth/avatars", tags=["avatars"])


@router.get(
    "/{name}",
    response_class=Response,
    responses={200: {"content": {"image/webp": {}}}, 404: {"description": "No such avatar"}},
)
async def get_avatar(store: AvatarStoreDep, name: str = Path(max_length=64)) -> Response:
    """An avatar image file."""
    stored = await profiles.get_avatar(store=store, name=name)
    return file_response(stored)
