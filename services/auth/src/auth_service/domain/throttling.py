"""Login throttling: slow password guessing down without letting anyone lock a user out.

Failed logins are counted over a sliding window (15 minutes by default) in three scopes:

======================================  ==============  ==========================================
scope                                   default limit   what it stops
======================================  ==============  ==========================================
one account from one client address     5               guessing one user's password from one host
one client address, any accounts        30              one host spraying passwords over accounts
one account, any client addresses       100             a botnet guessing one account
======================================  ==============  ==========================================

The first two only ever hold back the address the failures came from: an attacker on their
own address cannot lock out the real user on another one. The third scope could, if it held
back everyone, be used to lock a user out on purpose; so it never applies to an address the
account has logged in from successfully before (within the refresh-token lifetime). The real
user at their usual address keeps logging in while a botnet is held to 100 guesses per
window; from a new address they wait until the window drains (``Retry-After`` says how long).

- A throttled attempt is answered 429 without checking the password (no argon2 cost, nothing
  to learn) and is not counted, so hammering does not extend the throttle.
- An attempt that may go ahead is recorded as a failure *before* its password is checked,
  in the transaction that counted the failures (``service.sessions``); a success removes
  it. So concurrent attempts count each other, and 40 guesses sent at once still check no
  more passwords than the limit.
- A successful login clears the failures of its (account, address) pair.
- Unknown emails are throttled exactly like accounts that exist, so throttling does not tell
  which emails are registered.
- IPv6 clients are counted per /64 network: one host commonly holds a whole /64.
- The failures live in the database, so every replica sees the same counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from marketplace_platform.addresses import address_key

MAX_CLIENT_LENGTH = 64


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    window: timedelta = timedelta(minutes=15)
    pair_limit: int = 5
    client_limit: int = 30
    account_limit: int = 100


@dataclass(frozen=True, slots=True)
class FailureHistory:
    """Times of the failed logins within the window that concern one attempt."""

    pair: Sequence[datetime]  # this account from this client
    client: Sequence[datetime]  # this client, any account
    account: Sequence[datetime]  # this account, any client
    known_client: bool  # the account has logged in from this client before


@dataclass(frozen=True, slots=True)
class ThrottleDecision:
    allowed: bool
    retry_after: int = 0  # whole seconds until an attempt would be allowed
    scope: str | None = None  # which limit was hit: "pair", "client" or "account"


ALLOWED = ThrottleDecision(allowed=True)


def decide(policy: ThrottlePolicy, history: FailureHistory, *, now: datetime) -> ThrottleDecision:
    """May this login attempt go ahead? If not, for how long is it held back?"""
    blocked: list[tuple[int, str]] = []
    scopes: list[tuple[str, Sequence[datetime], int]] = [
        ("pair", history.pair, policy.pair_limit),
        ("client", history.client, policy.client_limit),
    ]
    if not history.known_client:
        scopes.append(("account", history.account, policy.account_limit))
    for scope, failures, limit in scopes:
        wait = _wait(failures, limit=limit, window=policy.window, now=now)
        if wait:
            blocked.append((wait, scope))
    if not blocked:
        return ALLOWED
    wait, scope = max(blocked)
    return ThrottleDecision(allowed=False, retry_after=wait, scope=scope)


def _wait(failures: Sequence[datetime], *, limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until fewer than ``limit`` of ``failures`` are inside the window; 0 if already."""
    recent = sorted(at for at in failures if at > now - window)
    if len(recent) < limit:
        return 0
    # Enough of the oldest must leave the window for the count to fall below the limit.
    leaves_at = recent[len(recent) - limit] + window
    return max(1, math.ceil((leaves_at - now).total_seconds()))


def client_key(host: str | None) -> str:
    """The unit a client address is counted in: the IPv4 address, or the IPv6 /64 (the
    platform's rule, the same the gateway's limits count by)."""
    if not host:
        return "unknown"
    return address_key(host)[:MAX_CLIENT_LENGTH]
