"""Comments under reviews, and their likes. Reading a review's comments is public."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from reviews_service.api.deps import (
    AdminActor,
    CurrentActor,
    OptionalActor,
    QueriesDep,
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
from reviews_service.service import comments, likes, listings

router = APIRouter(prefix="/api/reviews", tags=["comments"])


async def _comment(queries: QueriesDep, actor: Actor | None, comment_id: uuid.UUID) -> JSONResponse:
    row = await listings.comment(queries=queries, actor=actor, comment_id=comment_id)
    return JSONResponse(CommentRead.document(row))


@router.get("/{review_id}/comments", response_model=CommentPage)
async def list_comments(
    review_id: uuid.UUID,
    queries: QueriesDep,
    actor: OptionalActor,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> JSONResponse:
    """A review's comments, oldest first, with like counts."""
    page = await listings.comments(
        queries=queries, actor=actor, review_id=review_id, cursor=cursor, limit=limit
    )
    return JSONResponse(CommentPage.document(page))


@router.post(
    "/{review_id}/comments", status_code=status.HTTP_201_CREATED, response_model=CommentRead
)
async def create_comment(
    review_id: uuid.UUID,
    body: CommentCreate,
    actor: CurrentActor,
    uow: UnitOfWorkDep,
    queries: QueriesDep,
) -> JSONResponse:
    """Comment on a review."""
    comment = await comments.create(uow=uow, actor=actor, review_id=review_id, text=body.text)
    row = await listings.comment(queries=queries, actor=actor, comment_id=comment.id)
    return JSONResponse(CommentRead.document(row), status_code=status.HTTP_201_CREATED)


@router.get("/comments/{comment_id}", response_model=CommentRead)
async def get_comment(
    comment_id: uuid.UUID, queries: QueriesDep, actor: OptionalActor
) -> JSONResponse:
    """One comment."""
    return await _comment(queries, actor, comment_id)


@router.patch("/comments/{comment_id}", response_model=CommentRead)
async def update_comment(
    comment_id: uuid.UUID,
    body: CommentUpdate,
    actor: CurrentActor,
    uow: UnitOfWorkDep,
    queries: QueriesDep,
) -> JSONResponse:
    """Change your comment's text."""
    await comments.edit(uow=uow, actor=actor, comment_id=comment_id, text=body.text)
    return await _comment(queries, actor, comment_id)


@router.delete("/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_comment(
    comment_id: uuid.UUID, actor: CurrentActor, uow: UnitOfWorkDep
) -> Response:
    """Delete your comment."""
    await comments.delete(uow=uow, actor=actor, comment_id=comment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/comments/{comment_id}/hide", response_model=CommentRead)
async def hide_comment(
    comment_id: uuid.UUID,
    body: Moderation,
    admin: AdminActor,
    uow: UnitOfWorkDep,
    queries: QueriesDep,
) -> JSONResponse:
    """Hide a comment, with a reason (admins)."""
    await comments.hide(uow=uow, actor=admin, comment_id=comment_id, reason=body.reason)
    return await _comment(queries, admin, comment_id)


@router.put("/comments/{comment_id}/like")
async def like_comment(comment_id: uuid.UUID, actor: CurrentActor, uow: UnitOfWorkDep) -> LikeRead:
    """Like someone else's comment; liking it again changes nothing."""
    state = await likes.like(uow=uow, actor=actor, target="comment", target_id=comment_id)
    return LikeRead.of(state)


@router.delete("/comments/{comment_id}/like")
async def unlike_comment(
    comment_id: uuid.UUID, actor: CurrentActor, uow: UnitOfWorkDep
) -> LikeRead:
    """Take your like back; without one, nothing changes."""
    state = await likes.unlike(uow=uow, actor=actor, target="comment", target_id=comment_id)
    return LikeRead.of(state)
