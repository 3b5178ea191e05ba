"""Comments under reviews, and their likes. Reading a review's comments is public."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from reviews_service.api.deps import (
    AdminActor,
    CurrentActor,
    LikesDep,
    OptionalActor,
    UnitOfWorkDep,
)
from reviews_service.domain.actors import Actor
from reviews_service.domain.listings import DEFAULT_PAGE, MAX_PAGE
from reviews_service.schemas import (
    CommentCreate,
    CommentPage,
    CommentRead,
    CommentUpdate,
    LikeRead,
    Moderation,
)
from reviews_service.service import comments, listings
from reviews_service.service.likes import LikeChange

router = APIRouter(prefix="/api/reviews", tags=["comments"])


async def _comment(
    unit_of_work: UnitOfWorkDep, actor: Actor | None, comment_id: uuid.UUID
) -> JSONResponse:
    row = await listings.comment(unit_of_work=unit_of_work, actor=actor, comment_id=comment_id)
    return JSONResponse(CommentRead.document(row))


@router.get("/{review_id}/comments", response_model=CommentPage)
async def list_comments(
    review_id: uuid.UUID,
    unit_of_work: UnitOfWorkDep,
    actor: OptionalActor,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> JSONResponse:
    """A review's comments, oldest first, with like counts."""
    page = await listings.comments(
        unit_of_work=unit_of_work, actor=actor, review_id=review_id, cursor=cursor, limit=limit
    )
    return JSONResponse(CommentPage.document(page))


@router.post(
    "/{review_id}/comments", status_code=status.HTTP_201_CREATED, response_model=CommentRead
)
async def create_comment(
    review_id: uuid.UUID,
    body: CommentCreate,
    actor: CurrentActor,
    unit_of_work: UnitOfWorkDep,
) -> JSONResponse:
    """Comment on a review."""
    comment = await comments.create(
        unit_of_work=unit_of_work, actor=actor, review_id=review_id, text=body.text
    )
    row = await listings.comment(unit_of_work=unit_of_work, actor=actor, comment_id=comment.id)
    return JSONResponse(CommentRead.document(row), status_code=status.HTTP_201_CREATED)


@router.get("/comments/{comment_id}", response_model=CommentRead)
async def get_comment(
    comment_id: uuid.UUID, unit_of_work: UnitOfWorkDep, actor: OptionalActor
) -> JSONResponse:
    """One comment."""
    return await _comment(unit_of_work, actor, comment_id)


@router.patch("/comments/{comment_id}", response_model=CommentRead)
async def update_comment(
    comment_id: uuid.UUID,
    body: CommentUpdate,
    actor: CurrentActor,
    unit_of_work: UnitOfWorkDep,
) -> JSONResponse:
    """Change your comment's text."""
    await comments.edit(
        unit_of_work=unit_of_work, actor=actor, comment_id=comment_id, text=body.text
    )
    return await _comment(unit_of_work, actor, comment_id)


@router.delete("/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_comment(
    comment_id: uuid.UUID, actor: CurrentActor, unit_of_work: UnitOfWorkDep
) -> Response:
    """Delete your comment."""
    await comments.delete(unit_of_work=unit_of_work, actor=actor, comment_id=comment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/comments/{comment_id}/hide", response_model=CommentRead)
async def hide_comment(
    comment_id: uuid.UUID,
    body: Moderation,
    admin: AdminActor,
    unit_of_work: UnitOfWorkDep,
) -> JSONResponse:
    """Hide a comment, with a reason (admins)."""
    await comments.hide(
        unit_of_work=unit_of_work, actor=admin, comment_id=comment_id, reason=body.reason
    )
    return await _comment(unit_of_work, admin, comment_id)


@router.post("/comments/{comment_id}/unhide", response_model=CommentRead)
async def unhide_comment(
    comment_id: uuid.UUID, admin: AdminActor, unit_of_work: UnitOfWorkDep
) -> JSONResponse:
    """Publish a hidden comment again (admins)."""
    await comments.unhide(unit_of_work=unit_of_work, actor=admin, comment_id=comment_id)
    return await _comment(unit_of_work, admin, comment_id)


@router.put("/comments/{comment_id}/like", response_model=LikeRead)
async def like_comment(comment_id: uuid.UUID, actor: CurrentActor, likes: LikesDep) -> JSONResponse:
    """Like someone else's comment; liking it again changes nothing."""
    state = await likes.submit(LikeChange(actor, "comment", comment_id, like=True))
    return JSONResponse(LikeRead.document(state))


@router.delete("/comments/{comment_id}/like", response_model=LikeRead)
async def unlike_comment(
    comment_id: uuid.UUID, actor: CurrentActor, likes: LikesDep
) -> JSONResponse:
    """Take your like back; without one, nothing changes."""
    state = await likes.submit(LikeChange(actor, "comment", comment_id, like=False))
    return JSONResponse(LikeRead.document(state))
