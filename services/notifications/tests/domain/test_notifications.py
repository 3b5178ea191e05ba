"""The notification aggregate and the preferences: reading, folding, ownership, and what a
change of preferences may name."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from marketplace_contracts import NotificationCreated
from notifications_service.domain.errors import NotificationNotFound, UnknownPreference
from notifications_service.domain.kinds import Channel, Kind, Language
from notifications_service.domain.mail import LONGEST_RETRY, retry_delay
from notifications_service.domain.notifications import Notification
from notifications_service.domain.preferences import Preferences
from notifications_service.domain.texts import Text

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def liked(user: uuid.UUID, group: str = "review:1") -> Notification:
    return Notification.make(
        id=uuid.uuid4(), user_id=user, kind=Kind.REVIEW_LIKED, text=Text("T", "B"),
        link="/x", at=NOW, group_key=group,
    )


def test_a_new_notification_records_its_creation() -> None:
    user = uuid.uuid4()
    notification = liked(user)
    [event] = notification.pending_events
    assert isinstance(event, NotificationCreated)
    assert (event.user_id, event.kind, event.count, event.replaces) == (
        user, "review.liked", 1, None
    )


def test_reading_twice_keeps_the_first_time() -> None:
    notification = liked(uuid.uuid4())
    assert notification.mark_read(NOW) is True
    assert notification.mark_read(NOW + WINDOW) is False
    assert notification.read_at == NOW


def test_only_the_owner_reaches_it() -> None:
    owner = uuid.uuid4()
    notification = liked(owner)
    notification.ensure_owned_by(owner)
    with pytest.raises(NotificationNotFound):
        notification.ensure_owned_by(uuid.uuid4())


def test_a_like_folds_into_an_unread_one_of_its_item_within_the_window() -> None:
    notification = liked(uuid.uuid4())
    assert notification.folds(group_key="review:1", at=NOW + WINDOW, window=WINDOW)
    assert not notification.folds(group_key="review:2", at=NOW, window=WINDOW)
    assert not notification.folds(group_key="review:1", at=NOW + 2 * WINDOW, window=WINDOW)
    notification.mark_read(NOW)
    assert not notification.folds(group_key="review:1", at=NOW, window=WINDOW)


def test_a_fold_is_a_new_notification_that_replaces_the_old() -> None:
    old = liked(uuid.uuid4())
    new = old.folded(id=uuid.uuid4(), text=Text("T2", "B2"), at=NOW + WINDOW)
    assert (new.count, new.user_id, new.group_key, new.link) == (2, old.user_id, "review:1", "/x")
    assert new.pending_events[-1].replaces == old.id


def test_preferences_start_from_the_defaults_and_keep_what_a_change_does_not_name() -> None:
    preferences = Preferences(user_id=uuid.uuid4())
    assert preferences.lang is Language.RU
    assert not preferences.allows(Kind.REVIEW_LIKED, Channel.EMAIL)
    preferences.change(at=NOW, switches={"review.liked": {"email": True}})
    preferences.change(at=NOW, language=Language.EN, switches={"welcome": {"in_app": False}})
    assert preferences.allows(Kind.REVIEW_LIKED, Channel.EMAIL)
    assert not preferences.allows(Kind.WELCOME, Channel.IN_APP)
    assert preferences.allows(Kind.WELCOME, Channel.EMAIL)
    assert preferences.lang is Language.EN


@pytest.mark.parametrize(
    "switches", [{"order.shipped": {"email": False}}, {"order.status": {"sms": True}}]
)
def test_an_unknown_type_or_channel_changes_nothing(switches) -> None:
    preferences = Preferences(user_id=uuid.uuid4())
    preferences.change(at=NOW, switches={"welcome": {"email": False}})
    with pytest.raises(UnknownPreference):
        preferences.change(at=NOW + WINDOW, switches={"welcome": {"email": True}, **switches})
    assert not preferences.allows(Kind.WELCOME, Channel.EMAIL)
    assert preferences.updated_at == NOW


def test_retries_double_up_to_a_ceiling() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert retry_delay(30) == LONGEST_RETRY
