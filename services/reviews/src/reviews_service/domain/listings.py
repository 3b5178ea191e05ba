"""How a product's reviews can be listed: the orders a client may ask for, and what each
sorts by. Ties are broken by the newest review first, so every order is total and a cursor
(the last row's key) says exactly where the next page starts."""

from __future__ import annotations

from enum import StrEnum


class ReviewSort(StrEnum):
    NEWEST = "newest"
    LIKED = "liked"
    RATING_DESC = "rating_desc"
    RATING_ASC = "rating_asc"


DEFAULT_PAGE = 20
MAX_PAGE = 100
