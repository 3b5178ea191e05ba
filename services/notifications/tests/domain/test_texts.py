
"""Every kind of notification has a Russian and an English text; amounts, counts and
reasons read the way each language writes them."""

import uuid

import pytest

from notifications_service.domain.kinds import Channel, Kind, Language, default_on
from notifications_service.domain.texts import excerpt, money, order_number, render

pytestmark = pytest.mark.unit

PARAMS = {
    "order_id": uuid.uuid4(), "status": "paid", "reason": "card_declined", "amount": 150000,
    "currency": "RUB", "text": "Отличный отзыв", "count": 2, "name": "Иван",
}


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("language", list(Language))
def test_every_kind_has_a_title_and_a_body_in_every_language(kind, language) -> None:
    text = render(kind, language, PARAMS)
    assert text.title.strip()
    assert text.body.strip()


@pytest.mark.parametrize(
    ("amount", "currency", "language", "shown"),
    [
        (150000, "RUB", Language.RU, "1\u00a0500,00\u00a0₽"),
        (123456789, "RUB", Language.RU, "1\u00a0234\u00a0567,89\u00a0₽"),
        (5, "USD", Language.RU, "0,05\u00a0$"),
        (150000, "RUB", Language.EN, "1,500.00 RUB"),
        (99, "EUR", Language.EN, "0.99 EUR"),
    ],
)
def test_money(amount, currency, language, shown) -> None:
    assert money(amount, currency, language) == shown


@pytest.mark.parametrize(
    ("count", "body"),
    [
        (1, "Ваш отзыв понравился 1 пользователю."),
        (2, "Ваш отзыв понравился 2 пользователям."),
        (11, "Ваш отзыв понравился 11 пользователям."),
        (21, "Ваш отзыв понравился 21 пользователю."),
    ],
)
def test_russian_counts_of_likes(count, body) -> None:
    assert render(Kind.REVIEW_LIKED, Language.RU, {"count": count}).body == body


def test_english_counts_of_likes() -> None:
    assert render(Kind.COMMENT_LIKED, Language.EN, {"count": 1}).body == (
        "1 person liked your comment."
    )
    assert render(Kind.COMMENT_LIKED, Language.EN, {"count": 3}).body == (
        "3 people liked your comment."
    )


def test_a_failed_payment_names_its_reason_and_an_unknown_one_as_it_came() -> None:
    params = {**PARAMS, "reason": "insufficient_funds"}
    assert "insufficient funds" in render(Kind.PAYMENT_FAILED, Language.EN, params).body
    params = {**PARAMS, "reason": "issuer_offline"}
    assert "issuer_offline" in render(Kind.PAYMENT_FAILED, Language.RU, params).body


def test_order_numbers_are_the_random_end_of_the_id() -> None:
    order_id = uuid.UUID("01a21e9f-0000-7000-8000-00000abc1234")
    assert order_number(order_id) == "0abc1234"
    assert render(Kind.ORDER_STATUS, Language.RU, {"order_id": order_id, "status": "cancelled",
                                                   "reason": None}).title == (
        "Заказ № 0abc1234 отменён"
    )


def test_long_comments_are_shortened_on_one_line() -> None:
    assert excerpt("a\n b", 10) == "a b"
    shortened = excerpt("word " * 100, 20)
    assert len(shortened) <= 20
    assert shortened.endswith("…")


def test_likes_are_not_mailed_by_default_everything_else_is() -> None:
    off = {(k, c) for k in Kind for c in Channel if not default_on(k, c)}
    assert off == {(Kind.REVIEW_LIKED, Channel.EMAIL), (Kind.COMMENT_LIKED, Channel.EMAIL)}
