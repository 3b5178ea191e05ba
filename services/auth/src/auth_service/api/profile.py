"""The caller's own profile and avatar."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from auth_service.adapters.unit_of_work import UnitOfWorkFactory
from auth_service.api.deps import (
    AvatarStoreDep,
    CurrentUser,
    SettingsDep,
    UnitOfWorkDep,
)
from auth_service.domain.users import User
from auth_service.schemas import ProfileRead, ProfileUpdate
from auth_service.service import profiles
from auth_service.settings import AuthSettings
from marketplace_platform.images import read_image_upload

router = APIRouter(prefix="/api/auth/me", tags=["profile"])

AVATAR_UPLOAD_SCHEMA = {
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


async def _profile(
    account: User, unit_of_work: UnitOfWorkFactory, settings: AuthSettings
) -> ProfileRead:
    return ProfileRead.from_user(
        account,
        avatar_base=settings.avatar_base_url,
        order_history=await profiles.get_order_history(
            unit_of_work=unit_of_work, user_id=account.id
        ),
    )


@router.get("")
async def get_me(
    user: CurrentUser, unit_of_work: UnitOfWorkDep, settings: SettingsDep
) -> ProfileRead:
    """The caller's profile, with avatar links and order history."""
    account = await profiles.get(unit_of_work=unit_of_work, user_id=user.user_id)
    return await _profile(account, unit_of_work, settings)


@router.patch("")
async def update_me(
    body: ProfileUpdate,
    user: CurrentUser,
    unit_of_work: UnitOfWorkDep,
    settings: SettingsDep,
) -> ProfileRead:
    """Change name, phone, address or bio; send only the fields to change."""
    account = await profiles.update(
        unit_of_work=unit_of_work, user_id=user.user_id, changes=body.changes()
    )
    return await _profile(account, unit_of_work, settings)


@router.put("/avatar", openapi_extra=AVATAR_UPLOAD_SCHEMA)
async def put_avatar(
    request: Request,
    user: CurrentUser,
    unit_of_work: UnitOfWorkDep,
    store: AvatarStoreDep,
    settings: SettingsDep,
) -> ProfileRead:
    """Upload a new avatar (multipart field ``file``); it is re-encoded, never kept as sent."""
    image = await read_image_upload(request, field="file", max_bytes=settings.avatar_max_bytes)
    account = await profiles.set_avatar(
        unit_of_work=unit_of_work,
        store=store,
        user_id=user.user_id,
        image=image,
        max_pixels=settings.avatar_max_pixels,
    )
    return await _profile(account, unit_of_work, settings)


@router.delete("/avatar", status_code=status.HTTP_204_NO_CONTENT)
async def delete_avatar(
    user: CurrentUser, unit_of_work: UnitOfWorkDep, store: AvatarStoreDep
) -> None:
    """Remove the avatar."""
    await profiles.delete_avatar(unit_of_work=unit_of_work, store=store, user_id=user.user_id)
