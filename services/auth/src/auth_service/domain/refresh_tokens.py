"""Refresh-token families: rotation and reuse detection.

A login starts a *family*. Every refresh spends the token it presents (marks it used) and
answers with a new token of the same family, so a client always holds exactly one live
token. A token can be spent once. If a spent token comes back, two parties hold tokens of
this family, the real client and someone who copied one, and there is no telling which is
which: the whole family is revoked, the copy dies with the original, and the user logs in
again. Logging out revokes the family too.

The service stores only a SHA-256 of each token: a leaked table gives no usable tokens
(they are 256 random bits, so an unsalted fast hash is enough; nothing to brute-force).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


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
