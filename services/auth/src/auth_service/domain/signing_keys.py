"""Signing-key rotation: which key signs, and which public keys the JWKS publishes.

The newest key that is not retired signs every new access token. Rotating creates a new key
and retires the others, but a retired key stays in the JWKS for a grace period, so the
tokens it signed just before the rotation keep verifying until they expire. The grace is the
access-token lifetime plus the time a replica may go on signing with a key it has not yet
seen retired (its key refresh interval), plus the verifiers' clock leeway. After that no
valid token can carry its ``kid``, and publishing it would only widen the attack surface.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

CLOCK_LEEWAY = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class KeyState:
    kid: str
    created_at: datetime
    retired_at: datetime | None


K = TypeVar("K", bound=KeyState)


def publication_grace(*, access_token_ttl: timedelta, refresh_interval: timedelta) -> timedelta:
    return access_token_ttl + refresh_interval + CLOCK_LEEWAY


def signing_key(keys: Sequence[K]) -> K | None:
    """The key that signs: the newest one not retired."""
    active = [key for key in keys if key.retired_at is None]
    return max(active, key=lambda key: (key.created_at, key.kid), default=None)


def published_keys(keys: Sequence[K], *, now: datetime, grace: timedelta) -> list[K]:
    """Keys whose public half the JWKS shows: the active ones and those retired less than
    ``grace`` ago, newest first."""
    live = [key for key in keys if key.retired_at is None or key.retired_at + grace > now]
    return sorted(live, key=lambda key: (key.created_at, key.kid), reverse=True)
