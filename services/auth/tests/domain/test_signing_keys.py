from datetime import UTC, datetime, timedelta

import pytest

from auth_service.domain.signing_keys import (
    CLOCK_LEEWAY,
    KeyState,
    publication_grace,
    published_keys,
    signing_key,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
GRACE = publication_grace(
    access_token_ttl=timedelta(minutes=15), refresh_interval=timedelta(minutes=1)
)


def key(kid: str, *, age_minutes: int, retired_minutes_ago: int | None = None) -> KeyState:
    retired = None if retired_minutes_ago is None else NOW - timedelta(minutes=retired_minutes_ago)
    return KeyState(kid, NOW - timedelta(minutes=age_minutes), retired)


def test_grace_covers_token_lifetime_refresh_lag_and_leeway() -> None:
    assert timedelta(minutes=16) + CLOCK_LEEWAY == GRACE


def test_the_newest_active_key_signs() -> None:
    keys = [
        key("old", age_minutes=60),
        key("new", age_minutes=5),
        key("gone", age_minutes=1, retired_minutes_ago=0),
    ]
    chosen = signing_key(keys)
    assert chosen is not None
    assert chosen.kid == "new"


def test_no_active_key_means_nothing_signs() -> None:
    assert signing_key([key("gone", age_minutes=9, retired_minutes_ago=1)]) is None


def test_retired_keys_are_published_within_their_grace_only() -> None:
    keys = [
        key("current", age_minutes=10),
        key("recent", age_minutes=60, retired_minutes_ago=10),
        key("expired", age_minutes=120, retired_minutes_ago=17),
    ]
    assert [k.kid for k in published_keys(keys, now=NOW, grace=GRACE)] == ["current", "recent"]
