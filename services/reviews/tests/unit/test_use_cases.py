"""The use cases on a fake unit of work: what they commit and publish, and that a refusal
commits nothing."""

import uuid

import pytest

from marketplace_contracts import (
    CommentDeleted,
    CommentUnhidden,
    ProductRatingChanged,
    ReviewCreated,
    ReviewHidden,
    ReviewLiked,
    ReviewUnhidden,
    ReviewUnliked,
    ReviewUpdated,
)
from marketplace_platform.tracing import traceparent_var
from reviews_service.domain.actors import Actor
from reviews_service.domain.errors import (
    AlreadyReviewed,
    NotHidden,
    NotTheAuthor,
    OwnContent,
    ReviewNotFound,
    UnknownProduct,
)
from reviews_service.domain.products import ProductStatus
from reviews_service.service import comments, likes, projections, reviews

pytestmark = pytest.mark.unit


async def write(unit_of_work, catalog, author: Actor, product: uuid.UUID, rating: int = 4):
    return await reviews.create(
        unit_of_work=unit_of_work,
        catalog=catalog,
        actor=author,
        product_id=product,
        rating=rating,
        text="Fine",
    )


@pytest.fixture
def product(catalog) -> uuid.UUID:
    product_id = uuid.uuid4()
    catalog.products[product_id] = ProductStatus.ACTIVE
    return product_id


async def test_a_review_commits_with_the_figures_after_it(
    uow, unit_of_work, catalog, product
) -> None:
    author = Actor.user(uuid.uuid4())
    review = await write(unit_of_work, catalog, author, product, rating=4)

    assert uow.event_types == [ReviewCreated.TYPE, ProductRatingChanged.TYPE]
    [figures] = uow.events(ProductRatingChanged)
    assert (figures.review_count, figures.average_rating) == (1, 4.0)
    assert uow.ratings.rows[product].distribution == [0, 0, 0, 1, 0]
    assert uow.reviews.rows[review.id] is review


async def test_the_catalog_is_asked_once_per_product(uow, unit_of_work, catalog, product) -> None:
    await write(unit_of_work, catalog, Actor.user(uuid.uuid4()), product)
    await write(unit_of_work, catalog, Actor.user(uuid.uuid4()), product)
    assert catalog.asked == [product]


async def test_an_unknown_product_commits_nothing(uow, unit_of_work, catalog) -> None:
    with pytest.raises(UnknownProduct):
        await write(unit_of_work, catalog, Actor.user(uuid.uuid4()), uuid.uuid4())
    assert (uow.commits, uow.committed) == (0, [])


async def test_a_second_review_commits_nothing(uow, unit_of_work, catalog, product) -> None:
    author = Actor.user(uuid.uuid4())
    await write(unit_of_work, catalog, author, product)
    committed = list(uow.committed)
    with pytest.raises(AlreadyReviewed):
        await write(unit_of_work, catalog, author, product, rating=1)
    assert uow.committed == committed
    assert uow.ratings.rows[product].count == 1


async def test_an_edit_by_someone_else_commits_nothing(uow, unit_of_work, catalog, product) -> None:
    review = await write(unit_of_work, catalog, Actor.user(uuid.uuid4()), product)
    with pytest.raises(NotTheAuthor):
        await reviews.edit(
            unit_of_work=unit_of_work, actor=Actor.user(uuid.uuid4()), review_id=review.id, rating=1
        )
    assert ReviewUpdated.TYPE not in uow.event_types
    assert uow.ratings.rows[product].distribution == [0, 0, 0, 1, 0]


async def test_deleting_by_the_author_erases_and_gives_the_share_back(
    uow, unit_of_work, catalog, product
) -> None:
    author = Actor.user(uuid.uuid4())
    review = await write(unit_of_work, catalog, author, product, rating=2)
    await reviews.delete(unit_of_work=unit_of_work, actor=author, review_id=review.id)
    assert review.id not in uow.reviews.rows
    assert uow.events(ProductRatingChanged)[-1].review_count == 0


async def test_an_erased_review_takes_back_its_comments_with_their_events(
    uow, unit_of_work, catalog, product
) -> None:
    author = Actor.user(uuid.uuid4())
    review = await write(unit_of_work, catalog, author, product)
    said = [
        await comments.create(
            unit_of_work=unit_of_work, actor=Actor.user(uuid.uuid4()), review_id=review.id, text=t
        )
        for t in ("Yes", "No")
    ]
    await comments.hide(
        unit_of_work=unit_of_work,
        actor=Actor.user(uuid.uuid4(), admin=True),
        comment_id=said[1].id,
        reason="Rude",
    )
    await reviews.delete(unit_of_work=unit_of_work, actor=author, review_id=review.id)
    deleted = uow.events(CommentDeleted)
    assert {event.comment_id for event in deleted} == {comment.id for comment in said}
    assert {(e.actor_id, e.review_author_id) for e in deleted} == {(author.id, author.id)}


async def test_an_admin_deletion_keeps_the_comments_and_publishes_none(
    uow, unit_of_work, catalog, product
) -> None:
    review = await write(unit_of_work, catalog, Actor.user(uuid.uuid4()), product)
    await comments.create(
        unit_of_work=unit_of_work, actor=Actor.user(uuid.uuid4()), review_id=review.id, text="Hm"
    )
    admin = Actor.user(uuid.uuid4(), admin=True)
    await reviews.delete(unit_of_work=unit_of_work, actor=admin, review_id=review.id, reason="Spam")
    assert uow.events(CommentDeleted) == []
    assert len(uow.comments.rows) == 1


async def test_unhiding_publishes_the_review_again_and_counts_it_again(
    uow, unit_of_work, catalog, product
) -> None:
    review = await write(unit_of_work, catalog, Actor.user(uuid.uuid4()), product, rating=3)
    admin = Actor.user(uuid.uuid4(), admin=True)
    await reviews.hide(unit_of_work=unit_of_work, actor=admin, review_id=review.id, reason="Odd")
    assert uow.ratings.rows[product].count == 0
    for _ in range(2):  # the second changes nothing
        await reviews.unhide(unit_of_work=unit_of_work, actor=admin, review_id=review.id)
    assert (review.status, review.moderation_reason, review.moderated_by) == (
        "published",
        None,
        None,
    )
    [unhidden] = uow.events(ReviewUnhidden)
    assert (unhidden.actor_id, unhidden.actor_role) == (admin.id, "admin")
    assert uow.ratings.rows[product].distribution == [0, 0, 1, 0, 0]
    assert uow.events(ReviewHidden)[0].reason == "Odd"  # the history keeps why


async def test_only_an_admin_unhides_and_a_deletion_stays(
    uow, unit_of_work, catalog, product
) -> None:
    author = Actor.user(uuid.uuid4())
    review = await write(unit_of_work, catalog, author, product)
    admin = Actor.user(uuid.uuid4(), admin=True)
    await reviews.hide(unit_of_work=unit_of_work, actor=admin, review_id=review.id, reason="Odd")
    committed = list(uow.committed)
    with pytest.raises(NotTheAuthor):
        await reviews.unhide(unit_of_work=unit_of_work, actor=author, review_id=review.id)
    assert uow.committed == committed
    await reviews.delete(unit_of_work=unit_of_work, actor=admin, review_id=review.id, reason="Bad")
    with pytest.raises(NotHidden):
        await reviews.unhide(unit_of_work=unit_of_work, actor=admin, review_id=review.id)
    assert review.status == "deleted"


async def test_likes_are_counted_once_and_never_for_oneself(
    uow, unit_of_work, catalog, product
) -> None:
    author, fan = Actor.user(uuid.uuid4()), Actor.user(uuid.uuid4())
    review = await write(unit_of_work, catalog, author, product)
    for _ in range(3):
        state = await likes.like(
            unit_of_work=unit_of_work, actor=fan, target="review", target_id=review.id
        )
    assert (state.likes, len(uow.events(ReviewLiked))) == (1, 1)
    with pytest.raises(OwnContent):
        await likes.like(
            unit_of_work=unit_of_work, actor=author, target="review", target_id=review.id
        )
    await likes.unlike(unit_of_work=unit_of_work, actor=fan, target="review", target_id=review.id)
    await likes.unlike(unit_of_work=unit_of_work, actor=fan, target="review", target_id=review.id)
    assert (review.likes, len(uow.events(ReviewUnliked))) == (0, 1)
    assert uow.review_likes.rows == set()  # the refused like was rolled back
    with pytest.raises(ReviewNotFound):
        await likes.like(
            unit_of_work=unit_of_work, actor=fan, target="review", target_id=uuid.uuid4()
        )


async def test_a_like_of_a_hidden_review_is_refused_and_rolled_back(
    uow, unit_of_work, catalog, product
) -> None:
    review = await write(unit_of_work, catalog, Actor.user(uuid.uuid4()), product)
    admin = Actor.user(uuid.uuid4(), admin=True)
    await reviews.hide(unit_of_work=unit_of_work, actor=admin, review_id=review.id, reason="Odd")
    with pytest.raises(ReviewNotFound):
        await likes.like(
            unit_of_work=unit_of_work,
            actor=Actor.user(uuid.uuid4()),
            target="review",
            target_id=review.id,
        )
    assert (review.likes, uow.review_likes.rows, uow.events(ReviewLiked)) == (0, set(), [])


async def test_a_batch_of_likes_commits_once_and_keeps_each_outcome(
    uow, unit_of_work, catalog, product
) -> None:
    author = Actor.user(uuid.uuid4())
    review = await write(unit_of_work, catalog, author, product)
    fans = [Actor.user(uuid.uuid4()) for _ in range(3)]
    commits = uow.commits

    outcomes = await likes.change_all(
        unit_of_work=unit_of_work,
        changes=[
            likes.LikeChange(fans[0], "review", review.id),
            likes.LikeChange(author, "review", review.id),  # refused: their own
            likes.LikeChange(fans[1], "review", review.id),
            likes.LikeChange(fans[1], "review", review.id),  # again: changes nothing
            likes.LikeChange(fans[2], "review", uuid.uuid4()),  # no such review
            likes.LikeChange(fans[0], "review", review.id, like=False),
        ],
    )

    assert uow.commits == commits + 1
    assert isinstance(outcomes[1], OwnContent)
    assert isinstance(outcomes[4], ReviewNotFound)
    assert [outcomes[i] for i in (0, 2, 3, 5)] == [
        likes.LikeState(1, liked_by_me=True),
        likes.LikeState(2, liked_by_me=True),
        likes.LikeState(2, liked_by_me=True),
        likes.LikeState(1, liked_by_me=False),
    ]
    assert [event.likes for event in uow.events(ReviewLiked)] == [1, 2]
    assert [event.likes for event in uow.events(ReviewUnliked)] == [1]
    assert (review.likes, uow.review_likes.rows) == (1, {(review.id, fans[1].id)})


async def test_likes_stored_together_count_as_if_one_after_another(
    uow, unit_of_work, catalog, product
) -> None:
    # Every review exists, so the likes go in one statement and the counts in another.
    author = Actor.user(uuid.uuid4())
    first = await write(unit_of_work, catalog, author, product)
    hidden = await write(unit_of_work, catalog, Actor.user(uuid.uuid4()), product)
    admin = Actor.user(uuid.uuid4(), admin=True)
    await reviews.hide(unit_of_work=unit_of_work, actor=admin, review_id=hidden.id, reason="x")
    fan, other = Actor.user(uuid.uuid4()), Actor.user(uuid.uuid4())
    commits = uow.commits

    outcomes = await likes.change_all(
        unit_of_work=unit_of_work,
        changes=[
            likes.LikeChange(fan, "review", first.id),
            likes.LikeChange(author, "review", first.id),  # their own
            likes.LikeChange(other, "review", hidden.id),  # not published
            likes.LikeChange(other, "review", first.id),
            likes.LikeChange(fan, "review", first.id),  # a twin: liked already
        ],
    )

    assert uow.commits == commits + 1
    assert isinstance(outcomes[1], OwnContent)
    assert isinstance(outcomes[2], ReviewNotFound)
    assert [outcomes[i] for i in (0, 3, 4)] == [
        likes.LikeState(1, liked_by_me=True),
        likes.LikeState(2, liked_by_me=True),
        likes.LikeState(2, liked_by_me=True),
    ]
    assert [event.likes for event in uow.events(ReviewLiked)] == [1, 2]
    assert [event.actor_id for event in uow.events(ReviewLiked)] == [fan.id, other.id]
    assert (first.likes, hidden.likes) == (2, 0)
    assert uow.review_likes.rows == {(first.id, fan.id), (first.id, other.id)}


async def test_each_like_of_a_batch_carries_its_own_requests_trace(
    uow, unit_of_work, catalog, product
) -> None:
    review = await write(unit_of_work, catalog, Actor.user(uuid.uuid4()), product)
    traces = [f"00-{n:032x}-{n:016x}-01" for n in (1, 2)]
    changes = []
    for trace in traces:  # each made in its own request, whose trace is the current one
        token = traceparent_var.set(trace)
        changes.append(likes.LikeChange(Actor.user(uuid.uuid4()), "review", review.id))
        traceparent_var.reset(token)

    await likes.change_all(unit_of_work=unit_of_work, changes=changes)
    await likes.change_all(
        unit_of_work=unit_of_work,
        changes=[likes.LikeChange(changes[0].actor, "review", review.id, like=False)],
    )

    liked = [e.traceparent for e in uow.committed if e.type == ReviewLiked.TYPE]
    unliked = [e.traceparent for e in uow.committed if e.type == ReviewUnliked.TYPE]
    assert (liked, unliked) == (traces, [None])


async def test_a_batch_that_changes_nothing_commits_nothing(
    uow, unit_of_work, catalog, product
) -> None:
    author = Actor.user(uuid.uuid4())
    review = await write(unit_of_work, catalog, author, product)
    commits = uow.commits

    outcomes = await likes.change_all(
        unit_of_work=unit_of_work,
        changes=[
            likes.LikeChange(author, "review", review.id),
            likes.LikeChange(Actor.user(uuid.uuid4()), "review", review.id, like=False),
        ],
    )

    assert isinstance(outcomes[0], OwnContent)
    assert outcomes[1] == likes.LikeState(0, liked_by_me=False)
    assert (uow.commits, review.likes, uow.review_likes.rows) == (commits, 0, set())


async def test_an_unlike_of_a_hidden_review_is_refused_and_the_like_kept(
    uow, unit_of_work, catalog, product
) -> None:
    review = await write(unit_of_work, catalog, Actor.user(uuid.uuid4()), product)
    fan, admin = Actor.user(uuid.uuid4()), Actor.user(uuid.uuid4(), admin=True)
    await likes.like(unit_of_work=unit_of_work, actor=fan, target="review", target_id=review.id)
    given_at = uow.review_likes.times[(review.id, fan.id)]
    await reviews.hide(unit_of_work=unit_of_work, actor=admin, review_id=review.id, reason="Odd")

    outcomes = await likes.change_all(
        unit_of_work=unit_of_work,
        changes=[likes.LikeChange(fan, "review", review.id, like=False)],
    )

    assert isinstance(outcomes[0], ReviewNotFound)
    assert (review.likes, uow.review_likes.rows) == (1, {(review.id, fan.id)})
    assert uow.review_likes.times[(review.id, fan.id)] == given_at
    assert uow.events(ReviewUnliked) == []


async def test_an_unhidden_comment_counts_again(uow, unit_of_work, catalog, product) -> None:
    review = await write(unit_of_work, catalog, Actor.user(uuid.uuid4()), product)
    comment = await comments.create(
        unit_of_work=unit_of_work, actor=Actor.user(uuid.uuid4()), review_id=review.id, text="Hi"
    )
    admin = Actor.user(uuid.uuid4(), admin=True)
    await comments.hide(unit_of_work=unit_of_work, actor=admin, comment_id=comment.id, reason="x")
    await comments.unhide(unit_of_work=unit_of_work, actor=admin, comment_id=comment.id)
    await comments.unhide(unit_of_work=unit_of_work, actor=admin, comment_id=comment.id)
    assert (review.comments, comment.status, comment.moderation_reason) == (1, "published", None)
    assert len(uow.events(CommentUnhidden)) == 1


async def test_comments_move_the_review_count(uow, unit_of_work, catalog, product) -> None:
    review = await write(unit_of_work, catalog, Actor.user(uuid.uuid4()), product)
    commenter = Actor.user(uuid.uuid4())
    comment = await comments.create(
        unit_of_work=unit_of_work, actor=commenter, review_id=review.id, text="Yes"
    )
    assert review.comments == 1
    await comments.hide(
        unit_of_work=unit_of_work,
        actor=Actor.user(uuid.uuid4(), admin=True),
        comment_id=comment.id,
        reason="Rude",
    )
    assert review.comments == 0
    await comments.delete(unit_of_work=unit_of_work, actor=commenter, comment_id=comment.id)
    assert review.comments == 0  # a hidden comment no longer counted


async def test_a_purchase_verifies_the_buyers_review(uow, unit_of_work, catalog, product) -> None:
    buyer = Actor.user(uuid.uuid4())
    review = await write(unit_of_work, catalog, buyer, product)
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
