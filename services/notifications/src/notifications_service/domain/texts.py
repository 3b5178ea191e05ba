# ruff: noqa: RUF001 - Russian texts are Cyrillic on purpose
"""The texts of notifications, in Russian and English.

Each notification is written once, when it is made, in the language its user chose; the
inbox keeps the words the user saw. Everything a text needs comes from the event (an order's
status, a payment's amount and failure reason, a comment's words), so no other service is
asked. Amounts are integer minor units, shown with two decimals the way each language writes
them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from notifications_service.domain.kinds import Kind, Language

EXCERPT = 140  # characters of a comment quoted in its notification


@dataclass(frozen=True, slots=True)
class Text:
    title: str
    body: str


STATUS_LABELS = {
    Language.RU: {
        "created": "создан",
        "processing": "в обработке",
        "paid": "оплачен",
        "cancelled": "отменён",
        "delivered": "доставлен",
    },
    Language.EN: {
        "created": "created",
        "processing": "processing",
        "paid": "paid",
        "cancelled": "cancelled",
        "delivered": "delivered",
    },
}

FAILURE_REASONS = {
    Language.RU: {
        "card_declined": "карта отклонена",
        "insufficient_funds": "недостаточно средств",
        "processing_error": "ошибка при обработке платежа",
        "expired_card": "срок действия карты истёк",
    },
    Language.EN: {
        "card_declined": "the card was declined",
        "insufficient_funds": "insufficient funds",
        "processing_error": "a processing error",
        "expired_card": "the card has expired",
    },
}

CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€"}


def order_number(order_id: uuid.UUID | str) -> str:
    """A short order number people can read out: the id's last 8 hex digits (a UUIDv7's
    first ones are its timestamp, shared by orders made in the same minute)."""
    return str(order_id).replace("-", "")[-8:]


def money(amount: int, currency: str, language: Language) -> str:
    """``123450, RUB`` is ``1 234,50 ₽`` in Russian and ``1,234.50 RUB`` in English."""
    whole, cents = divmod(abs(amount), 100)
    sign = "-" if amount < 0 else ""
    if language is Language.RU:
        grouped = f"{whole:,}".replace(",", "\u00a0")
        return f"{sign}{grouped},{cents:02d}\u00a0{CURRENCY_SIGNS.get(currency, currency)}"
    return f"{sign}{whole:,}.{cents:02d} {currency}"


def excerpt(text: str, limit: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _people_ru(count: int) -> str:
    # Dative: 1, 21, 31 ... пользователю; every other count пользователям.
    word = "пользователю" if count % 10 == 1 and count % 100 != 11 else "пользователям"
    return f"{count} {word}"


def _order_status(language: Language, p: dict[str, Any]) -> Text:
    number, status = order_number(p["order_id"]), p["status"]
    label = STATUS_LABELS[language].get(status, status)
    reason = p.get("reason")
    if language is Language.RU:
        body = f"Статус заказа № {number}: {label}."
        if reason:
            body += f" Причина: {reason}."
        return Text(f"Заказ № {number} {label}", body)
    body = f"Order {number} is now {label}."
    if reason:
        body += f" Reason: {reason}."
    return Text(f"Order {number} {label}", body)


def _payment_succeeded(language: Language, p: dict[str, Any]) -> Text:
    number, amount = order_number(p["order_id"]), money(p["amount"], p["currency"], language)
    if language is Language.RU:
        return Text("Оплата прошла", f"Заказ № {number} оплачен: {amount}.")
    return Text("Payment received", f"Order {number} is paid: {amount}.")


def _payment_failed(language: Language, p: dict[str, Any]) -> Text:
    number, amount = order_number(p["order_id"]), money(p["amount"], p["currency"], language)
    reason = FAILURE_REASONS[language].get(p["reason"], p["reason"])
    if language is Language.RU:
        return Text(
            "Оплата не прошла",
            f"Не удалось оплатить заказ № {number} ({amount}): {reason}. "
            "Можно попробовать ещё раз.",
        )
    return Text(
        "Payment failed",
        f"Order {number} ({amount}) could not be paid: {reason}. You can try again.",
    )


def _payment_refunded(language: Language, p: dict[str, Any]) -> Text:
    number, amount = order_number(p["order_id"]), money(p["amount"], p["currency"], language)
    if language is Language.RU:
        return Text("Деньги возвращены", f"За заказ № {number} возвращено {amount}.")
    return Text("Payment refunded", f"{amount} was refunded for order {number}.")


def _review_commented(language: Language, p: dict[str, Any]) -> Text:
    quoted = excerpt(p["text"])
    if language is Language.RU:
        return Text("Новый комментарий к отзыву", f"К вашему отзыву написали: «{quoted}»")
    return Text("New comment on your review", f"Someone commented on your review: “{quoted}”")


def _liked(what_ru: str, what_en: str) -> Callable[[Language, dict[str, Any]], Text]:
    def text(language: Language, p: dict[str, Any]) -> Text:
        count = int(p["count"])
        if language is Language.RU:
            body = f"Ваш {what_ru} понравился {_people_ru(count)}."
            return Text(f"Ваш {what_ru} понравился", body)
        people = "1 person" if count == 1 else f"{count} people"
        return Text(f"Your {what_en} was liked", f"{people} liked your {what_en}.")

    return text


def _welcome(language: Language, p: dict[str, Any]) -> Text:
    name = p.get("name") or ""
    if language is Language.RU:
        greeting = f"Здравствуйте, {name}!" if name else "Здравствуйте!"
        return Text(
            "Добро пожаловать в Marketplace",
            f"{greeting} Вы зарегистрированы. Здесь будут уведомления о заказах, "
            "оплатах и отзывах.",
        )
    greeting = f"Hello, {name}!" if name else "Hello!"
    return Text(
        "Welcome to Marketplace",
        f"{greeting} You are registered. Your orders, payments and reviews will be "
        "reported here.",
    )


_TEXTS: dict[Kind, Callable[[Language, dict[str, Any]], Text]] = {
    Kind.ORDER_STATUS: _order_status,
    Kind.PAYMENT_SUCCEEDED: _payment_succeeded,
    Kind.PAYMENT_FAILED: _payment_failed,
    Kind.PAYMENT_REFUNDED: _payment_refunded,
    Kind.REVIEW_COMMENTED: _review_commented,
    Kind.REVIEW_LIKED: _liked("отзыв", "review"),
    Kind.COMMENT_LIKED: _liked("комментарий", "comment"),
    Kind.WELCOME: _welcome,
}


def render(kind: Kind, language: Language, params: dict[str, Any]) -> Text:
    """The title and body of a ``kind`` notification in ``language``."""
    return _TEXTS[kind](language, params)
