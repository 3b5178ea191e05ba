"""The reviews API's request and response bodies, kept apart from the domain classes.

Texts are plain text: the API takes and answers them as JSON strings, exactly as written.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from marketplace_platform.pagination import Page
from reviews_service.adapters.queries import Row
from reviews_service.domain.ratings import MAX_RATING, MIN_RATING, ProductRating
from reviews_service.domain.texts import MAX_COMMENT_TEXT, MAX_REASON, MAX_REVIEW_TEXT
from reviews_service.service.likes import LikeState

Rating = Annotated[
    int,
    Field(
        strict=True,
        ge=MIN_RATING,
        le=MAX_RATING,
        examples=[5],
        description=f"A whole number from {MIN_RATING} to {MAX_RATING}.",
    ),
]
ReviewText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_REVIEW_TEXT,
        description=f"Plain text, up to {MAX_REVIEW_TEXT} characters, returned as written.",
    ),
]
CommentText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_COMMENT_TEXT,
        description=f"Plain text, up to {MAX_COMMENT_TEXT} characters, returned as written.",
    ),
]
Reason = Annotated[str, Field(min_length=1, max_length=MAX_REASON)]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewCreate(RequestModel):
    product_id: uuid.UUID
    rating: Rating
    text: ReviewText


class ReviewUpdate(RequestModel):
    rating: Rating | None = None
    text: ReviewText | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.rating is None and self.text is None:
            raise ValueError("give a new rating, a new text, or both")
        return self


class CommentCreate(RequestModel):
    text: CommentText


class CommentUpdate(RequestModel):
    text: CommentText


class Moderation(RequestModel):
    reason: Reason


class AuthorRead(BaseModel):
    id: uuid.UUID
    name: str | None = Field(description="Their display name; null until auth has told of it.")


class ReviewRead(BaseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    author: AuthorRead
    rating: int
    text: str
    status: Literal["published", "hidden", "deleted"] = Field(
        description="Hidden and deleted reviews are shown to their author (and admins) only."
    )
    moderation_reason: str | None = Field(description="Why an admin hid or deleted it.")
    verified_purchase: bool
    likes: int
    liked_by_me: bool = Field(description="Always false without a token.")
    comments: int = Field(description="Published comments.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def document(cls, row: Row) -> dict[str, Any]:
        """The JSON of a row of ``ReviewQueries``, as this model describes it."""
        return {
            "id": str(row["id"]),
            "product_id": str(row["product_id"]),
            "author": {"id": str(row["author_id"]), "name": row["author_name"]},
            "rating": row["rating"],
            "text": row["text"],
            "status": row["status"],
            "moderation_reason": row["moderation_reason"],
            "verified_purchase": bool(row["verified_purchase"]),
            "likes": row["likes"],
            "liked_by_me": bool(row["liked_by_me"]),
            "comments": row["comments"],
            "created_at": row["created_at"].isoformat(),
            "updated_at": row["updated_at"].isoformat(),
        }


class ReviewPage(BaseModel):
    items: list[ReviewRead]
    next_cursor: str | None = None

    @classmethod
    def document(cls, page: Page[Row]) -> dict[str, Any]:
        return {
            "items": [ReviewRead.document(row) for row in page.items],
            "next_cursor": page.next_cursor,
        }


class CommentRead(BaseModel):
    id: uuid.UUID
    review_id: uuid.UUID
    author: AuthorRead
    text: str
    status: Literal["published", "hidden"]
    moderation_reason: str | None
    likes: int
    liked_by_me: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def document(cls, row: Row) -> dict[str, Any]:
        return {
            "id": str(row["id"]),
            "review_id": str(row["review_id"]),
            "author": {"id": str(row["author_id"]), "name": row["author_name"]},
            "text": row["text"],
            "status": row["status"],
            "moderation_reason": row["moderation_reason"],
            "likes": row["likes"],
            "liked_by_me": bool(row["liked_by_me"]),
            "created_at": row["created_at"].isoformat(),
            "updated_at": row["updated_at"].isoformat(),
        }


class CommentPage(BaseModel):
    items: list[CommentRead]
    next_cursor: str | None = None

    @classmethod
    def document(cls, page: Page[Row]) -> dict[str, Any]:
        return {
            "items": [CommentRead.document(row) for row in page.items],
            "next_cursor": page.next_cursor,
        }


class LikeRead(BaseModel):
    likes: int
    liked_by_me: bool

    @classmethod
    def document(cls, state: LikeState) -> dict[str, Any]:
        """The JSON this model describes, built without validating what is known good: the
        like routes answer it as a ``JSONResponse`` (``response_model`` documents it)."""
        return {"likes": state.likes, "liked_by_me": state.liked_by_me}


class RatingRead(BaseModel):
    product_id: uuid.UUID
    average: float = Field(description="0 to 5, to 4 decimals; 0 with no reviews.")
    count: int
    distribution: dict[str, int] = Field(
        description='Reviews of each rating: {"1": n, ..., "5": n}.'
    )

    @classmethod
    def of(cls, rating: ProductRating) -> RatingRead:
        return cls(
            product_id=rating.product_id,
            average=rating.average,
            count=rating.count,
            distribution={str(n): count for n, count in enumerate(rating.distribution, 1)},
        )
