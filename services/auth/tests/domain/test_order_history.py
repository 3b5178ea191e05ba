import itertools
from datetime import UTC, datetime, timedelta

import pytest

from auth_service.domain.order_history import supersedes

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FORWARD = ["created", "processing", "paid", "delivered"]


def test_a_newer_change_wins_whatever_the_status() -> None:
    later = T0 + timedelta(seconds=1)
    assert supersedes("created", later, shown_status="paid", shown_at=T0)
    assert not supersedes("paid", T0, shown_status="created", shown_at=later)


@pytest.mark.parametrize(("earlier", "later"), list(itertools.pairwise(FORWARD)))
def test_on_equal_timestamps_the_status_further_along_wins(earlier: str, later: str) -> None:
    assert supersedes(later, T0, shown_status=earlier, shown_at=T0)
    assert not supersedes(earlier, T0, shown_status=later, shown_at=T0)


@pytest.mark.parametrize("status", ["created", "processing", "paid"])
def test_cancelled_is_final_on_a_tie(status: str) -> None:
    assert supersedes("cancelled", T0, shown_status=status, shown_at=T0)
    assert not supersedes(status, T0, shown_status="cancelled", shown_at=T0)


def test_an_unknown_status_loses_a_tie_to_a_known_one() -> None:
    assert not supersedes("refunded", T0, shown_status="created", shown_at=T0)
