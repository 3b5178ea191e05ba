from datetime import UTC, datetime, timedelta

import pytest

from auth_service.domain.refresh_tokens import PresentedToken, Verdict, assess

pytestmark = pytest.mark.unit

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


def token(
    *,
    expires_at: datetime = LATER,
    used_at: datetime | None = None,
    revoked_at: datetime | None = None,
) -> PresentedToken:
    return PresentedToken(expires_at=expires_at, used_at=used_at, family_revoked_at=revoked_at)


def test_a_fresh_token_rotates() -> None:
    assert assess(token(), now=NOW) is Verdict.ROTATE


def test_a_spent_token_is_reuse() -> None:
    assert assess(token(used_at=NOW - timedelta(minutes=1)), now=NOW) is Verdict.REUSED


def test_a_spent_token_is_reuse_even_once_expired() -> None:
    spent_and_expired = token(expires_at=NOW - timedelta(days=1), used_at=NOW - timedelta(days=2))
    assert assess(spent_and_expired, now=NOW) is Verdict.REUSED


def test_an_expired_token_is_expired_at_its_expiry_instant() -> None:
    assert assess(token(expires_at=NOW), now=NOW) is Verdict.EXPIRED


def test_a_revoked_family_wins_over_everything() -> None:
    revoked = token(used_at=NOW, expires_at=NOW, revoked_at=NOW - timedelta(seconds=1))
    assert assess(revoked, now=NOW) is Verdict.REVOKED
