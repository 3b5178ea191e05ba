"""The use cases on a fake unit of work: what they commit and publish, and that a refusal
commits nothing."""

import uuid

import pytest

from marketplace_contracts import (
    ProductRatingChanged,
    ReviewCreated,
    ReviewLiked,
    ReviewUnliked,
    ReviewUpdated,
)
from reviews_service.domain.actors import Actor
from reviews_service.domain.errors import (
    AlreadyReviewed,
    NotTheAuthor,
    OwnContent,
    ReviewNotFound,
    UnknownProduct,
)
from reviews_service.domain.products import ProductStatus
from reviews_service.service import comments, likes, projections, reviews

pytestmark = pytest.mark.unit


async def write(uow, catalog, author: Actor, product: uuid.UUID, rating: int = 4):
    return await reviews.create(
        uow=uow, catalog=catalog, actor=author, product_id=product, rating=rating, text="Fine"
    )


@pytest.fixture
def product(catalog) -> uuid.UUID:
    product_id = uuid.uuid4()
    catalog.products[product_id] = ProductStatus.ACTIVE
    return product_id


async def test_a_review_commits_with_the_figures_after_it(uow, catalog, product) -> None:
    author = Actor.user(uuid.uuid4())
    review = await write(uow, catalog, author, product, rating=4)

    assert uow.event_types == [ReviewCreated.TYPE, ProductRatingChanged.TYPE]
    [figures] = uow.events(ProductRatingChanged)
    assert (figures.review_count, figures.average_rating) == (1, 4.0)
    assert uow.ratings.rows[product].distribution == [0, 0, 0, 1, 0]
    assert uow.reviews.rows[review.id] is review


async def test_the_catalog_is_asked_once_per_product(uow, catalog, product) -> None:
    await write(uow, catalog, Actor.user(uuid.uuid4()), product)
    await write(uow, catalog, Actor.user(uuid.uuid4()), product)
    assert catalog.asked == [product]


async def test_an_unknown_product_commits_nothing(uow, catalog) -> None:
    with pytest.raises(UnknownProduct):
        await write(uow, catalog, Actor.user(uuid.uuid4()), uuid.uuid4())
    assert (uow.commits, uow.committed) == (0, [])


async def test_a_second_review_commits_nothing(uow, catalog, product) -> None:
    author = Actor.user(uuid.uuid4())
    await write(uow, catalog, author, product)
    committed = list(uow.committed)
    with pytest.raises(AlreadyReviewed):
        await write(uow, catalog, author, product, rating=1)
    assert uow.committed == committed
    assert uow.ratings.rows[product].count == 1


async def test_an_edit_by_someone_else_commits_nothing(uow, catalog, product) -> None:
    review = await write(uow, catalog, Actor.user(uuid.uuid4()), product)
    with pytest.raises(NotTheAuthor):
        await reviews.edit(uow=uow, actor=Actor.user(uuid.uuid4()), review_id=review.id, rating=1)
    assert ReviewUpdated.TYPE not in uow.event_types
    assert uow.ratings.rows[product].distribution == [0, 0, 0, 1, 0]


async def test_deleting_by_the_author_erases_and_gives_the_share_back(
    uow, catalog, product
) -> None:
    author = Actor.user(uuid.uuid4())
    review = await write(uow, catalog, author, product, rating=2)
    await reviews.delete(uow=uow, actor=author, review_id=review.id)
    assert review.id not in uow.reviews.rows
    assert uow.events(ProductRatingChanged)[-1].review_count == 0


async def test_likes_are_counted_once_and_never_for_oneself(uow, catalog, product) -> None:
    author, fan = Actor.user(uuid.uuid4()), Actor.user(uuid.uuid4())
    review = await write(uow, catalog, author, product)
    for _ in range(3):
        state = await likes.like(uow=uow, actor=fan, target="review", target_id=review.id)
    assert (state.likes, len(uow.events(ReviewLiked))) == (1, 1)
    with pytest.raises(OwnContent):
        await likes.like(uow=uow, actor=author, target="review", target_id=review.id)
    await likes.unlike(uow=uow, actor=fan, target="review", target_id=review.id)
    await likes.unlike(uow=uow, actor=fan, target="review", target_id=review.id)
    assert (review.likes, len(uow.events(ReviewUnliked))) == (0, 1)
    with pytest.raises(ReviewNotFound):
        await likes.like(uow=uow, actor=fan, target="review", target_id=uuid.uuid4())


async def test_comments_move_the_review_count(uow, catalog, product) -> None:
    review = await write(uow, catalog, Actor.user(uuid.uuid4()), product)
    commenter = Actor.user(uuid.uuid4())
    comment = await comments.create(uow=uow, actor=commenter, review_id=review.id, text="Yes")
    assert review.comments == 1
    await comments.hide(
        uow=uow, actor=Actor.user(uuid.uuid4(), admin=True), comment_id=comment.id, reason="Rude"
    )
    assert review.comments == 0
    await comments.delete(uow=uow, actor=commenter, comment_id=comment.id)
    assert review.comments == 0  # a hidden comment no longer counted


async def test_a_purchase_verifies_the_buyers_review(uow, catalog, product) -> None:
    buyer = Actor.user(uuid.uuid4())
    review = await write(uow, catalog, buyer, product)
    order = uuid.uuid4()
    async with uow:
        await projections.learn_order(
            uow,
            order_id=order,
            user_id=buyer.id,
            status="paid",
            as_of=review.created_at,
            product_ids=[product],
        )
        await uow.commit()
    assert review.verified_purchase is True
    assert uow.events(ReviewUpdated)[-1].changed == ["verified_purchase"]
