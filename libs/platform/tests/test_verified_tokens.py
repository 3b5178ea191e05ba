"""The memory of verified tokens: bounded, short, never past a token's ``exp``."""

from __future__ import annotations

import pytest

from marketplace_platform.security.verified_tokens import VerifiedTokenCache

pytestmark = pytest.mark.unit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_is_remembered_for_the_ttl():
    clock = FakeClock()
    cache = VerifiedTokenCache(ttl=30, max_size=10, clock=clock)
    cache.add("t", {"exp": clock.now + 600})

    assert "t" in cache
    clock.now += 30
    assert "t" not in cache


def test_never_past_the_tokens_own_expiry():
    clock = FakeClock()
    cache = VerifiedTokenCache(ttl=30, max_size=10, clock=clock)
    cache.add("t", {"exp": clock.now + 5})

    clock.now += 5
    assert "t" not in cache


def test_the_least_recently_used_token_goes_first_when_full():
    clock = FakeClock()
    cache = VerifiedTokenCache(ttl=30, max_size=2, clock=clock)
    cache.add("a", {"exp": clock.now + 60})
    cache.add("b", {"exp": clock.now + 60})
    assert "a" in cache  # a is now the most recently used

    cache.add("c", {"exp": clock.now + 60})

    assert "b" not in cache
    assert "a" in cache
    assert "c" in cache


def test_a_disabled_cache_remembers_nothing():
    cache = VerifiedTokenCache(ttl=0, max_size=10)
    cache.add("t", {"exp": 10**10})

    assert "t" not in cache
