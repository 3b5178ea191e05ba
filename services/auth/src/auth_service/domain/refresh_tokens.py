"""Refresh-token families: rotation and reuse detection.

A login starts a *family*. Every refresh spends the token it presents (marks it used) and
answers with a new token of the same family, so a client always holds exactly one live
token. A token can be spent once. If a spent token comes back, two parties hold tokens of
this family, the real client and someone who copied one, and there is no telling which is
which: the whole family is revoked, the copy dies with the original, and the user logs in
again. Logging out revokes the family too.

The service stores only a SHA-256 of each token: a leaked table gives no usable tokens
(they are 256 random bits, so an unsalted fast hash is enough; nothing to brute-force).

``RefreshTokenFamily`` is the aggregate that keeps these rules: ``spend`` a presented token
(reuse revokes the family), ``issue`` the next one, ``revoke``. Its tokens are loaded one at a
time (the one presented), never the whole chain: a family refreshed every few minutes for a
month holds thousands. It records no events: no other service needs to hear of sessions.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from marketplace_platform.aggregates import Aggregate
from marketplace_platform.ids import new_id


class Verdict(enum.Enum):
    ROTATE = "rotate"  # good: spend it and issue the next one
    REUSED = "reused"  # spent before: revoke the family
    EXPIRED = "expired"
    REVOKED = "revoked"  # the family was revoked (logout or an earlier reuse)


@dataclass(frozen=True, slots=True)
class PresentedToken:
    """What the service knows about a refresh token someone presented."""

    expires_at: datetime
    used_at: datetime | None
    family_revoked_at: datetime | None


def assess(token: PresentedToken, *, now: datetime) -> Verdict:
    # Order matters: a revoked family is final; a spent token is reuse even once expired
    # (whoever presents it still holds a stolen copy, and newer tokens may be alive).
    if token.family_revoked_at is not None:
        return Verdict.REVOKED
    if token.used_at is not None:
        return Verdict.REUSED
    if token.expires_at <= now:
        return Verdict.EXPIRED
    return Verdict.ROTATE


class RefreshToken:
    """One token of a family, as stored: its hash, never the token."""

    def __init__(
        self,
        *,
        id: uuid.UUID,
        family_id: uuid.UUID,
        token_hash: str,
        issued_at: datetime,
        expires_at: datetime,
    ) -> None:
        self.id = id
        self.family_id = family_id
        self.token_hash = token_hash  # SHA-256, hex
        self.issued_at = issued_at
        self.expires_at = expires_at
        self.used_at: datetime | None = None


class RefreshTokenFamily(Aggregate):
    """One login: the chain of refresh tokens rotated from it."""

    def __init__(
        self,
        *,
        user_id: uuid.UUID,
        client: str,
        created_at: datetime,
        id: uuid.UUID | None = None,
    ) -> None:
        self.id = id if id is not None else new_id()
        self.user_id = user_id
        self.client = client  # the address (IPv6: its /64) it logged in from
        self.created_at = created_at
        self.revoked_at: datetime | None = None
        self.revoked_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def issue(self, token_hash: str, *, now: datetime, ttl: timedelta) -> RefreshToken:
        """The family's next token (the caller hands its hash, keeps the token)."""
        return RefreshToken(
            id=new_id(),
            family_id=self.id,
            token_hash=token_hash,
            issued_at=now,
            expires_at=now + ttl,
        )

    def spend(self, token: RefreshToken, *, now: datetime) -> Verdict:
        """Judge a presented token of this family and act on it: a good one is spent (the
        caller then issues the next), a reused one revokes the whole family."""
        if token.family_id != self.id:
            raise ValueError("the token belongs to another family")
        verdict = assess(
            PresentedToken(
                expires_at=token.expires_at,
                used_at=token.used_at,
                family_revoked_at=self.revoked_at,
            ),
            now=now,
        )
        if verdict is Verdict.ROTATE:
            token.used_at = now
        elif verdict is Verdict.REUSED:
            self.revoke(now=now, reason="reuse")
        return verdict

    def revoke(self, *, now: datetime, reason: str) -> None:
        """End the session: no token of the family refreshes any more. A family revoked
        already keeps the time and the reason of its first revocation."""
        if not self.revoked:
            self.revoked_at, self.revoked_reason = now, reason
