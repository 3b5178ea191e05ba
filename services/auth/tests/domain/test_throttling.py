from datetime import UTC, datetime, timedelta

import pytest

from auth_service.domain.throttling import (
    FailureHistory,
    ThrottlePolicy,
    client_key,
    decide,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
POLICY = ThrottlePolicy(
    window=timedelta(minutes=15), pair_limit=5, client_limit=30, account_limit=100
)


def ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


def history(
    pair: list[datetime] | None = None,
    client: list[datetime] | None = None,
    account: list[datetime] | None = None,
    known_client: bool = False,
) -> FailureHistory:
    return FailureHistory(
        pair=pair or [], client=client or [], account=account or [], known_client=known_client
    )


def test_a_few_failures_do_not_throttle() -> None:
    failures = ago(1, 2, 3, 4)
    assert decide(POLICY, history(failures, failures, failures), now=NOW).allowed


def test_the_fifth_failure_of_a_pair_throttles_until_the_oldest_leaves_the_window() -> None:
    failures = ago(10, 4, 3, 2, 1)
    decision = decide(POLICY, history(failures, failures, failures), now=NOW)
    assert not decision.allowed
    assert decision.scope == "pair"
    assert decision.retry_after == 5 * 60  # the one from 10 minutes ago leaves in 5


def test_failures_older_than_the_window_do_not_count() -> None:
    failures = ago(16, 17, 18, 19, 1)
    assert decide(POLICY, history(failures, failures, failures), now=NOW).allowed


def test_retry_after_waits_for_enough_failures_to_leave_not_just_the_oldest() -> None:
    # 7 failures over a limit of 5: three must leave for the count to fall below 5.
    failures = ago(14, 13, 12, 3, 2, 1, 0.5)
    decision = decide(POLICY, history(failures, failures, failures), now=NOW)
    assert decision.retry_after == 3 * 60


def test_one_client_spraying_many_accounts_is_throttled() -> None:
    decision = decide(POLICY, history(client=ago(*[i / 3 for i in range(30)])), now=NOW)
    assert not decision.allowed
    assert decision.scope == "client"


def test_many_clients_on_one_account_throttle_a_new_client() -> None:
    botnet = ago(*[i / 10 for i in range(100)])
    decision = decide(POLICY, history(account=botnet), now=NOW)
    assert not decision.allowed
    assert decision.scope == "account"


def test_the_account_ceiling_never_holds_back_a_client_the_user_logged_in_from() -> None:
    botnet = ago(*[i / 10 for i in range(100)])
    assert decide(POLICY, history(account=botnet, known_client=True), now=NOW).allowed


def test_a_known_client_is_still_held_to_its_own_pair_limit() -> None:
    failures = ago(1, 2, 3, 4, 5)
    decision = decide(POLICY, history(failures, failures, failures, known_client=True), now=NOW)
    assert decision.scope == "pair"


def test_the_longest_wait_wins_when_several_limits_are_hit() -> None:
    pair = ago(14, 1, 1, 1, 1)  # frees up in 1 minute
    client = ago(*[2 + i / 100 for i in range(30)])  # frees up in about 13 minutes
    decision = decide(POLICY, history(pair, client, pair), now=NOW)
    assert decision.scope == "client"
    assert decision.retry_after > 12 * 60


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        (None, "unknown"),
        ("testclient", "testclient"),
    ],
)
def test_clients_are_counted_per_ipv4_address_or_ipv6_64(host: str | None, key: str) -> None:
    assert client_key(host) == key
