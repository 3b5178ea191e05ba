"""Fixtures for the analytics service's tests.

``analytics`` is the service as a client sees it: the app from the real composition root, on
a database migrated with the real Alembic history (SQLite, and PostgreSQL too when
``MARKETPLACE_TEST_POSTGRES_URL`` is set), driven by ``httpx`` inside the app's lifespan.
Events reach it as the inbox would apply them (``AnalyticsService.deliver``), or through a
real NATS in the tests that say so.

``Scenario`` scripts a few weeks of a small shop: users register and log in, view, order,
pay, fail, cancel, refund, review, comment and like. It records the events the services
would publish and, beside them, what happened in plain terms; ``Truth`` computes every
figure from those plain records, never from the service's code.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from analytics_service.adapters.orm import FIGURE_TABLES
from analytics_service.components import Components
from analytics_service.consumers import events
from analytics_service.main import create_app
from analytics_service.migrations import MIGRATIONS_DIR
from analytics_service.settings import AnalyticsSettings
from marketplace_contracts import (
    CommentCreated,
    CommentLiked,
    CommentUnliked,
    Envelope,
    Event,
    OrderCancelled,
    OrderCreated,
    OrderLine,
    OrderPaid,
    OrderStatusChanged,
    PaymentFailed,
    PaymentRefunded,
    PaymentStarted,
    PaymentSucceeded,
    ProductCreated,
    ProductUpdated,
    ProductViews,
    ProductViewsCounted,
    ReviewCreated,
    ReviewDeleted,
    ReviewLiked,
    ReviewUpdated,
    UserLoggedIn,
    UserRegistered,
)
from marketplace_platform.db import Database
from marketplace_platform.events.inbox import handle_once
from marketplace_platform.ids import new_id
from marketplace_platform.testing.database import migrated_database_fixtures
from marketplace_platform.testing.service import (
    ServiceUnderTest,
    app_client,
    runtime_for_tests,
    settings_for_tests,
)
from marketplace_platform.testing.tokens import TokenSigner

BASE_URL = "http://analytics.test"

sqlite_template, database_url = migrated_database_fixtures("analytics", MIGRATIONS_DIR)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, nats_url: str) -> AnalyticsSettings:
    return AnalyticsSettings(**settings_for_tests(database_url, tmp_path, nats_url))


@dataclass
class AnalyticsService(ServiceUnderTest[Components]):
    """The running analytics service and the steps its tests share."""

    async def deliver(self, envelope: Envelope) -> bool:
        """Apply ``envelope`` as the ``analytics`` consumer would; False if it did nothing
        (an event it does not act on, or one it had applied already)."""
        effect = events.effect_of(envelope)
        if effect is None:
            return False
        return await handle_once(
            self.components.unit_of_work(),
            consumer=events.CONSUMER,
            envelope=envelope,
            effect=effect,
        )

    async def deliver_all(self, envelopes: list[Envelope]) -> None:
        for envelope in envelopes:
            await self.deliver(envelope)

    async def forget_everything(self) -> None:
        """An empty store again: no figure, no inbox claim."""
        for table in (*FIGURE_TABLES, "inbox"):
            name = table if isinstance(table, str) else table.name
            await self.execute(f"DELETE FROM {name}")

    async def get(self, path: str, caller: Any = None, **params: Any) -> Any:
        headers = (caller or self.admin()).headers
        response = await self.http.get(f"/api/analytics{path}", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def tables(self, db: Database | None = None) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every figure table (of this store, or of ``db``), sorted: two stores
        with the same are the same. A rollup row whose figures are all zero counts as no row
        (a category a product left)."""
        db = db or self.db
        found = {}
        for table in FIGURE_TABLES:
            keys = len(table.primary_key.columns)
            async with db.read_session() as session:
                rows = (await session.execute(table.select())).all()
            found[table.name] = sorted(
                tuple(str(value) for value in row)
                for row in rows
                if len(row) == keys or any(value != 0 for value in row[keys:])
            )
        return found


@pytest.fixture
async def analytics(
    settings: AnalyticsSettings, signer: TokenSigner
) -> AsyncIterator[AnalyticsService]:
    app = create_app(settings, runtime=runtime_for_tests(settings, signer))
    async with app_client(app, BASE_URL) as http:
        yield AnalyticsService(app=app, http=http, signer=signer)


def day_of(at: datetime) -> date:
    return at.astimezone(UTC).date()


def period_of(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


@dataclass
class Order:
    user: uuid.UUID
    at: datetime
    lines: list[tuple[uuid.UUID, int, int]]
    paid: bool = False
    cancelled: bool = False
    refunded: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return sum(quantity * price for _, quantity, price in self.lines)


@dataclass
class Scenario:
    """A script of a small shop's weeks: the events it causes, and what happened."""

    envelopes: list[Envelope] = field(default_factory=list)
    categories: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # product -> category
    titles: dict[uuid.UUID, str] = field(default_factory=dict)
    orders: dict[uuid.UUID, Order] = field(default_factory=dict)
    views: list[tuple[uuid.UUID, date, int]] = field(default_factory=list)
    # review -> (product, created day, rating, alive)
    reviews: dict[uuid.UUID, list[Any]] = field(default_factory=dict)
    review_authors: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    written: dict[uuid.UUID, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: {"reviews": 0, "comments": 0, "likes": 0})
    )
    active: list[tuple[uuid.UUID, datetime]] = field(default_factory=list)
    users: list[uuid.UUID] = field(default_factory=list)

    def emit(self, event: Event, at: datetime, source: str) -> None:
        envelope = Envelope.wrap(event, id=new_id(), source=source)
        self.envelopes.append(envelope.model_copy(update={"time": at}))

    # -- the catalog -----------------------------------------------------------------------

    def product(self, category: uuid.UUID, price: int, at: datetime, title: str) -> uuid.UUID:
        product = uuid.uuid4()
        self.categories[product], self.titles[product] = category, title
        created = ProductCreated(
            product_id=product,
            title=title,
            kind="product",
            category_id=category,
            price=price,
            currency="RUB",
            stock=100,
        )
        self.emit(created, at, "catalog")
        return product

    def move(self, product: uuid.UUID, category: uuid.UUID, at: datetime) -> None:
        self.categories[product] = category
        updated = ProductUpdated(
            product_id=product,
            title=self.titles[product],
            category_id=category,
            status="active",
            changed=["category_id"],
        )
        self.emit(updated, at, "catalog")

    def view(self, counts: dict[uuid.UUID, int], at: datetime) -> None:
        for product, count in counts.items():
            self.views.append((product, day_of(at), count))
        batch = ProductViewsCounted(
            since=at - timedelta(seconds=10),
            until=at,
            counts=[ProductViews(product_id=p, views=n) for p, n in counts.items()],
        )
        self.emit(batch, at, "catalog")

    # -- users -----------------------------------------------------------------------------

    def register(self, at: datetime) -> uuid.UUID:
        user = uuid.uuid4()
        self.users.append(user)
        self.active.append((user, at))
        self.emit(
            UserRegistered(user_id=user, email=f"{user}@x.test", name="U", role="user"), at, "auth"
        )
        return user

    def login(self, user: uuid.UUID, at: datetime) -> None:
        self.active.append((user, at))
        self.emit(UserLoggedIn(user_id=user, logged_in_at=at), at, "auth")

    # -- orders and payments ---------------------------------------------------------------

    def order(
        self, user: uuid.UUID, items: dict[uuid.UUID, int], at: datetime, prices: dict
    ) -> uuid.UUID:
        order_id = uuid.uuid4()
        lines = [(product, quantity, prices[product]) for product, quantity in items.items()]
        order = self.orders[order_id] = Order(user, at, lines)
        self.active.append((user, at))
        created = OrderCreated(
            order_id=order_id,
            user_id=user,
            items=[OrderLine(product_id=p, quantity=q, unit_price=u) for p, q, u in lines],
            total=order.total,
            currency="RUB",
            created_at=at,
        )
        self.emit(created, at, "orders")
        return order_id

    def _status(self, order_id: uuid.UUID, old: str, new: str, actor: str, at: datetime) -> None:
        order = self.orders[order_id]
        changed = OrderStatusChanged(
            order_id=order_id,
            user_id=order.user,
            from_status=old,
            to_status=new,
            actor=actor,
            total=order.total,
            currency="RUB",
            changed_at=at,
        )
        self.emit(changed, at, "orders")

    def pay(self, order_id: uuid.UUID, at: datetime, *, ok: bool = True) -> None:
        order = self.orders[order_id]
        payment = uuid.uuid4()
        money = {
            "payment_id": payment,
            "order_id": order_id,
            "user_id": order.user,
            "amount": order.total,
            "currency": "RUB",
        }
        self.active.append((order.user, at))
        self.emit(PaymentStarted(**money), at, "payments")
        self._status(order_id, "created", "processing", "system", at)
        later = at + timedelta(seconds=2)
        if not ok:
            order.failed += 1
            self.emit(PaymentFailed(**money, reason="card_declined"), later, "payments")
            self._status(order_id, "processing", "created", "system", later)
            return
        order.paid = True
        self.emit(
            PaymentSucceeded(**money, card_brand="visa", card_last4="4242"), later, "payments"
        )
        self._status(order_id, "processing", "paid", "system", later)
        paid = OrderPaid(
            order_id=order_id,
            user_id=order.user,
            items=[OrderLine(product_id=p, quantity=q, unit_price=u) for p, q, u in order.lines],
            total=order.total,
            currency="RUB",
        )
        self.emit(paid, later, "orders")

    def cancel(self, order_id: uuid.UUID, at: datetime) -> None:
        order = self.orders[order_id]
        order.cancelled = True
        self.active.append((order.user, at))
        old = "paid" if order.paid else "created"
        self._status(order_id, old, "cancelled", "user", at)
        cancelled = OrderCancelled(
            order_id=order_id,
            user_id=order.user,
            from_status=old,
            actor="user",
            refund=order.paid,
            total=order.total,
            currency="RUB",
        )
        self.emit(cancelled, at, "orders")
        if order.paid:
            order.refunded = order.total
            refunded = PaymentRefunded(
                payment_id=uuid.uuid4(),
                order_id=order_id,
                user_id=order.user,
                amount=order.total,
                currency="RUB",
            )
            self.emit(refunded, at + timedelta(minutes=1), "payments")

    # -- reviews ---------------------------------------------------------------------------

    def _review_fields(self, review: uuid.UUID, actor: uuid.UUID) -> dict[str, Any]:
        return {
            "review_id": review,
            "product_id": self.reviews[review][0],
            "author_id": self.review_authors[review],
            "actor_id": actor,
            "actor_role": "user",
        }

    def review(self, user: uuid.UUID, product: uuid.UUID, rating: int, at: datetime) -> uuid.UUID:
        review = uuid.uuid4()
        self.reviews[review] = [product, day_of(at), rating, True]
        self.review_authors[review] = user
        self.written[user]["reviews"] += 1
        self.active.append((user, at))
        created = ReviewCreated(
            **self._review_fields(review, user),
            rating=rating,
            text="t",
            verified_purchase=False,
            created_at=at,
        )
        self.emit(created, at, "reviews")
        return review

    def rerate(self, review: uuid.UUID, rating: int, at: datetime) -> None:
        self.reviews[review][2] = rating
        author = self.review_authors[review]
        self.active.append((author, at))
        updated = ReviewUpdated(
            **self._review_fields(review, author),
            rating=rating,
            text="t",
            verified_purchase=False,
            changed=["rating"],
        )
        self.emit(updated, at, "reviews")

    def delete_review(self, review: uuid.UUID, at: datetime) -> None:
        self.reviews[review][3] = False
        author = self.review_authors[review]
        self.emit(ReviewDeleted(**self._review_fields(review, author)), at, "reviews")

    def like_review(self, user: uuid.UUID, review: uuid.UUID, at: datetime) -> None:
        self.written[user]["likes"] += 1
        self.active.append((user, at))
        self.emit(ReviewLiked(**self._review_fields(review, user), likes=1), at, "reviews")

    def comment(
        self,
        user: uuid.UUID,
        review: uuid.UUID,
        at: datetime,
        *,
        like_by=None,
        unlike: bool = False,
    ) -> None:
        comment = uuid.uuid4()
        self.written[user]["comments"] += 1
        self.active.append((user, at))
        fields = {
            "comment_id": comment,
            "review_id": review,
            "product_id": self.reviews[review][0],
            "author_id": user,
            "review_author_id": self.review_authors[review],
            "actor_role": "user",
        }
        self.emit(CommentCreated(**fields, actor_id=user, text="c", created_at=at), at, "reviews")
        if like_by is not None:
            self.written[like_by]["likes"] += 1
            self.active.append((like_by, at))
            self.emit(CommentLiked(**fields, actor_id=like_by, likes=1), at, "reviews")
            if unlike:
                self.written[like_by]["likes"] -= 1
                self.emit(CommentUnliked(**fields, actor_id=like_by, likes=0), at, "reviews")

    def shuffled_twice(self, seed: int) -> list[Envelope]:
        twice = self.envelopes * 2
        random.Random(seed).shuffle(twice)
        return twice


class Truth:
    """Every figure, computed from what the scenario says happened."""

    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario

    def first_paid(self) -> dict[uuid.UUID, uuid.UUID]:
        firsts: dict[uuid.UUID, tuple[datetime, uuid.UUID]] = {}
        for order_id, order in self.s.orders.items():
            if order.paid and (
                order.user not in firsts or (order.at, order_id) < firsts[order.user]
            ):
                firsts[order.user] = (order.at, order_id)
        return {user: key[1] for user, key in firsts.items()}

    def sales(self, granularity: str, category: uuid.UUID | None = None) -> dict[date, dict]:
        firsts = self.first_paid()
        found: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for order_id, order in self.s.orders.items():
            row = found[period_of(day_of(order.at), granularity)]
            if category is None:
                row["orders"] += 1
                row["paid_orders"] += order.paid
                row["revenue"] += order.total * order.paid
                row["refunds"] += order.refunded
                row["refunded_orders"] += order.refunded > 0
                row["cancelled_orders"] += order.cancelled
                row["failed_payments"] += order.failed
                row["new_buyers"] += order.paid and firsts[order.user] == order_id
                row["returning_orders"] += order.paid and firsts[order.user] != order_id
                continue
            for product, quantity, price in order.lines:
                if self.s.categories[product] != category:
                    continue
                row["orders"] += 1
                row["paid_orders"] += order.paid
                row["units"] += quantity * order.paid
                row["revenue"] += quantity * price * order.paid
                row["refunds"] += quantity * price * (order.refunded > 0)
                row["cancellations"] += order.cancelled
        return {period: dict(row) for period, row in found.items()}

    def product(
        self, product: uuid.UUID, first: date | None = None, last: date | None = None
    ) -> dict:
        def inside(day: date) -> bool:
            return (first is None or day >= first) and (last is None or day <= last)

        row = defaultdict(int)
        for _product, day, count in self.s.views:
            if _product == product and inside(day):
                row["views"] += count
        for order in self.s.orders.values():
            for _product, quantity, price in order.lines:
                if _product != product or not inside(day_of(order.at)):
                    continue
                row["orders"] += 1
                row["paid_orders"] += order.paid
                row["units"] += quantity * order.paid
                row["revenue"] += quantity * price * order.paid
                row["cancellations"] += order.cancelled
                row["refunds"] += quantity * price * (order.refunded > 0)
        ratings = [
            r[2] for r in self.s.reviews.values() if r[0] == product and r[3] and inside(r[1])
        ]
        row["reviews"] = len(ratings)
        row["average_rating"] = round(sum(ratings) / len(ratings), 2) if ratings else None
        return dict(row)

    def user(self, user: uuid.UUID) -> dict:
        mine = [order for order in self.s.orders.values() if order.user == user]
        written = self.s.written[user]
        return {
            "orders": len(mine),
            "paid_orders": sum(order.paid for order in mine),
            "spent": sum(order.total for order in mine if order.paid),
            "refunded": sum(order.refunded for order in mine),
            "reviews": written["reviews"],
            "comments": written["comments"],
            "likes_given": written["likes"],
            "last_active": max(at for who, at in self.s.active if who == user),
            "first_order_at": min((order.at for order in mine), default=None),
        }

    def active(self, granularity: str) -> dict[date, int]:
        periods: dict[date, set[uuid.UUID]] = defaultdict(set)
        for user, at in self.s.active:
            periods[period_of(day_of(at), granularity)].add(user)
        return {period: len(users) for period, users in periods.items()}


START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def at(day: int, hour: int = 0) -> datetime:
    return START + timedelta(days=day, hours=hour)


def shop() -> tuple[Scenario, dict[str, uuid.UUID]]:
    """The script: four users, three products in two categories, seven orders, reviews."""
    s = Scenario()
    phones, books = uuid.uuid4(), uuid.uuid4()
    phone = s.product(phones, 30_000_00, at(0), "Phone")
    case = s.product(phones, 1_500_00, at(0), "Case")
    book = s.product(books, 800_00, at(0), "Book")
    prices = {phone: 30_000_00, case: 1_500_00, book: 800_00}
    anna, boris, vera, gleb = (s.register(at(0, hour)) for hour in range(4))
    for user, day in ((anna, 1), (boris, 1), (vera, 8), (gleb, 20)):
        s.login(user, at(day))
    s.view({phone: 40, case: 10}, at(1))
    s.view({book: 25, phone: 5}, at(9))
    s.view({case: 3}, at(33))

    first = s.order(anna, {phone: 1, case: 2}, at(1, 2), prices)
    s.pay(first, at(1, 3))
    second = s.order(anna, {book: 3}, at(2), prices)
    s.pay(second, at(2, 1), ok=False)
    s.pay(second, at(2, 2))
    s.cancel(second, at(35))  # paid in March, refunded in April: corrects March
    unpaid = s.order(boris, {case: 1}, at(2, 5), prices)
    s.pay(unpaid, at(2, 6), ok=False)
    s.cancel(unpaid, at(3))
    s.pay(s.order(vera, {book: 1, case: 1}, at(9), prices), at(9, 1))
    late_first = s.order(boris, {phone: 1}, at(10), prices)
    s.pay(late_first, at(10, 1))
    s.pay(s.order(boris, {book: 2}, at(31), prices), at(31, 1))
    s.order(gleb, {phone: 1}, at(31, 2), prices)  # never paid

    review = s.review(anna, phone, 4, at(5))
    s.rerate(review, 5, at(6))
    s.review(vera, book, 3, at(12))
    gone = s.review(boris, phone, 1, at(12))
    s.delete_review(gone, at(13))
    s.like_review(gleb, review, at(20))
    s.comment(gleb, review, at(21), like_by=anna)
    s.comment(vera, review, at(22), like_by=boris, unlike=True)
    s.move(book, phones, at(40))  # the book moves category: its history goes with it
    return s, {"phones": phones, "books": books, "phone": phone, "case": case, "book": book}


@pytest.fixture
def scenario() -> tuple[Scenario, Truth, dict[str, uuid.UUID]]:
    """The scripted shop, the truth about it, and its products' and categories' ids."""
    s, names = shop()
    return s, Truth(s), names
