"""A large, reproducible data set for the benchmarks: ``python -m reviews_service seed``.

By default 100 000 reviews over 1 000 products, one of which holds 10 000 of them, and
300 000 likes, skewed as real likes are (a few reviews take most of them). Written straight
into the tables in bulk, with the figures and counters they imply (each product's rating
figures, each review's like count), and without events: like the catalog's demo seed, this
is an operator loading a fixture, not something that happened in the shop, and 400 000
events would keep the relay busy for minutes and tell other services of likes nobody gave.

Only an empty reviews table is seeded; a second run changes nothing and says so. The
products are made up (ids only, known as on sale), so the reviews service takes reviews
and likes of them without a catalog that has them.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from marketplace_platform.db import Database
from reviews_service.adapters.orm import (
    authors,
    product_ratings,
    products,
    review_likes,
    reviews,
)
from reviews_service.domain.products import ProductStatus
from reviews_service.domain.reviews import Visibility

DEFAULT_SEED = 20260101
BATCH = 5_000
RATING_WEIGHTS = (5, 7, 15, 33, 40)  # how often each of 1..5 is given, in percent
WORDS = [
    "отличный",
    "товар",
    "быстрая",
    "доставка",
    "качество",
    "соответствует",
    "описанию",
    "рекомендую",
    "всем",
    "цена",
    "немного",
    "высокая",
    "упаковка",
    "целая",
    "работает",
    "уже",
    "месяц",
    "без",
    "нареканий",
    "good",
    "value",
    "would",
    "buy",
    "again",
    "battery",
    "lasts",
    "long",
    "screen",
    "bright",
    "sound",
    "clear",
]


@dataclass(frozen=True, slots=True)
class SeedPlan:
    reviews: int = 100_000
    products: int = 1_000
    big_product_reviews: int = 10_000
    likes: int = 300_000
    users: int = 30_000
    seed: int = DEFAULT_SEED

    def check(self) -> None:
        if self.products < 1 or self.reviews < self.products:
            raise ValueError("at least one product, and a review for each")
        others = self.reviews - self.big_product_reviews
        if self.products > 1 and others < self.products - 1:
            raise ValueError("the other products need a review each")
        per_product = max(self.big_product_reviews, -(-others // max(self.products - 1, 1)))
        if per_product > self.users:
            raise ValueError("one review per user and product: more users are needed")
        if self.likes > self.reviews * (self.users - 1):
            raise ValueError("more likes than users can give")


@dataclass(frozen=True, slots=True)
class SeedResult:
    seeded: bool
    reviews: int
    likes: int
    big_product: uuid.UUID | None


def _id_at(moment: datetime, rng: random.Random) -> uuid.UUID:
    """A UUIDv7 of ``moment``, so the seeded ids sort by their reviews' creation times."""
    ms = int(moment.timestamp() * 1000)
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64)
    value |= (0b10 << 62) | rng.getrandbits(62)
    return uuid.UUID(int=value)


def generate(plan: SeedPlan) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[uuid.UUID]]:
    """The reviews (likes counted in) and the likes; products' ids, the big one first."""
    plan.check()
    rng = random.Random(plan.seed)  # noqa: S311 - a reproducible fixture, not a secret
    users = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(plan.users)]
    product_ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(plan.products)]
    sizes = [plan.big_product_reviews] if plan.products > 1 else [plan.reviews]
    others = plan.reviews - sizes[0]
    for n in range(plan.products - 1):
        share = others // (plan.products - 1) + (1 if n < others % (plan.products - 1) else 0)
        sizes.append(share)
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for product_id, size in zip(product_ids, sizes, strict=True):
        for author in rng.sample(users, size):
            at = now - timedelta(seconds=rng.uniform(60, 2 * 365 * 86400))
            text = " ".join(rng.choices(WORDS, k=rng.randint(5, 60))).capitalize() + "."
            rows.append(
                {
                    "id": _id_at(at, rng),
                    "product_id": product_id,
                    "author_id": author,
                    "rating": rng.choices(range(1, 6), weights=RATING_WEIGHTS)[0],
                    "text": text,
                    "status": Visibility.PUBLISHED.value,
                    "verified_purchase": rng.random() < 0.3,
                    "likes": 0,
                    "comments": 0,
                    "created_at": at,
                    "updated_at": at,
                }
            )
    order = list(range(len(rows)))
    rng.shuffle(order)  # which reviews are popular has nothing to do with their product
    liked: set[tuple[int, uuid.UUID]] = set()
    while len(liked) < plan.likes:
        index = order[int(len(order) * rng.random() ** 3)]  # a few take most
        user = users[rng.randrange(plan.users)]
        if user != rows[index]["author_id"]:
            liked.add((index, user))
    counts = Counter(index for index, _ in liked)
    for index, count in counts.items():
        rows[index]["likes"] = count
    likes = [
        {"review_id": rows[index]["id"], "user_id": user, "created_at": now}
        for index, user in liked
    ]
    return rows, likes, product_ids


async def seed(db: Database, plan: SeedPlan) -> SeedResult:
    """Fill an empty reviews table; on one with reviews in it, change nothing."""
    async with db.session() as session, session.begin():
        if await session.scalar(select(func.count()).select_from(reviews)):
            return SeedResult(seeded=False, reviews=0, likes=0, big_product=None)
    rows, likes, product_ids = generate(plan)
    now = datetime.now(UTC)
    figures: dict[uuid.UUID, list[int]] = {p: [0] * 5 for p in product_ids}
    for row in rows:
        figures[row["product_id"]][row["rating"] - 1] += 1
    names = {row["author_id"] for row in rows} | {like["user_id"] for like in likes}
    async with db.session() as session, session.begin():
        if await session.scalar(select(func.count()).select_from(reviews)):
            return SeedResult(seeded=False, reviews=0, likes=0, big_product=None)
        tables = (
            (
                products,
                [
                    {"product_id": p, "status": ProductStatus.ACTIVE.value, "as_of": now}
                    for p in product_ids
                ],
            ),
            (
                product_ratings,
                [
                    {"product_id": p, **{f"stars_{n + 1}": c for n, c in enumerate(f)}}
                    for p, f in figures.items()
                ],
            ),
            (
                authors,
                [{"user_id": u, "name": f"Покупатель {u.hex[:6]}", "as_of": now} for u in names],
            ),
            (reviews, rows),
            (review_likes, likes),
        )
        for table, values in tables:
            for start in range(0, len(values), BATCH):
                await session.execute(insert(table), values[start : start + BATCH])
    return SeedResult(seeded=True, reviews=len(rows), likes=len(likes), big_product=product_ids[0])
