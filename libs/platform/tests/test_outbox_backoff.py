import pytest

from marketplace_platform.events.relay import backoff_delay

pytestmark = pytest.mark.unit


def test_backoff_doubles_up_to_its_limit() -> None:
    delays = [backoff_delay(n, initial=0.5, limit=30.0) for n in (1, 2, 3, 6, 7, 8)]

    assert delays == [0.5, 1.0, 2.0, 16.0, 30.0, 30.0]


def test_backoff_survives_an_outage_of_any_length() -> None:
    assert backoff_delay(100_000, initial=0.5, limit=30.0) == 30.0
