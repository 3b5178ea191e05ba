"""Avatar images, public: their names are random and change with every upload."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from auth_service.api.deps import AvatarStoreDep
from auth_service.service import profiles

router = APIRouter(prefix="/api/auth/avatars", tags=["avatars"])

# An uploaded file must never be read as anything but the image it is: no sniffing, no
# scripts or styles even if a browser opened it as a page. A name is never reused, so the
# file can be cached for a year.
AVATAR_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "public, max-age=31536000, immutable",
}


@router.get(
    "/{name}",
    response_class=Response,
    responses={200: {"content": {"image/webp": {}}}, 404: {"description": "No such avatar"}},
)
async def get_avatar(store: AvatarStoreDep, name: str = Path(max_length=64)) -> Response:
    """An avatar image file."""
    stored = await profiles.get_avatar(store=store, name=name)
    return Response(stored.data, media_type=stored.content_type, headers=AVATAR_HEADERS)
