"""What a notification can be about, the channels it may go out on, and the languages its
texts are written in; with the defaults a new user starts from."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """The notification types. A user switches each on or off per channel."""

    ORDER_STATUS = "order.status"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_REFUNDED = "payment.refunded"
    REVIEW_COMMENTED = "review.commented"
    REVIEW_LIKED = "review.liked"
    COMMENT_LIKED = "comment.liked"
    WELCOME = "welcome"


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"


class Language(StrEnum):
    RU = "ru"
    EN = "en"


DEFAULT_LANGUAGE = Language.RU

# Likes come often and matter little: in the app, yes; a mail for each, no.
LIKES = frozenset({Kind.REVIEW_LIKED, Kind.COMMENT_LIKED})


def default_on(kind: Kind, channel: Channel) -> bool:
    """Whether ``kind`` goes out on ``channel`` for a user who changed nothing."""
    return not (channel is Channel.EMAIL and kind in LIKES)
