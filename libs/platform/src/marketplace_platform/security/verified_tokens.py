"""A short memory of access tokens already verified, for the gateway and every service.

The signature check is the most expensive thing done per request on a hot path (an Ed25519
verification plus PyJWT's parsing: at the gateway about as much CPU as proxying the request,
in a service about a sixth of a like), and a client sends the same access token with every
call for minutes. So a verified token is remembered in a bounded LRU for ``ttl`` seconds and
never past its own ``exp``, with the claims it carried and the kid of the key that signed it.
Whoever reads it checks that the key is still published (``JWKSVerifier.has_key``): a
withdrawn key's tokens are refused from the first JWKS refresh that misses it, however
recently they were verified. What the memory buys is measured in docs/benchmarks.md.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

Clock = Callable[[], float]


class VerifiedTokenCache:
    def __init__(self, *, ttl: float, max_size: int, clock: Clock = time.time) -> None:
        self._ttl = ttl
        self._max_size = max_size
        self._clock = clock
        # token -> (when to forget it, the kid of the key that signed it, its claims)
        self._entries: OrderedDict[str, tuple[float, str, dict[str, Any]]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._ttl > 0 and self._max_size > 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, token: str) -> bool:
        return self.get(token) is not None

    def kid_of(self, token: str) -> str | None:
        """The kid of a remembered ``token``'s signing key; None if it is not remembered."""
        entry = self.get(token)
        return None if entry is None else entry[0]

    def get(self, token: str) -> tuple[str, dict[str, Any]] | None:
        """The kid and the claims of a remembered ``token``; None if it is not remembered."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        expires_at, kid, claims = entry
        if self._clock() >= expires_at:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return kid, claims

    def add(self, token: str, claims: dict[str, Any], kid: str = "") -> None:
        exp = claims.get("exp")
        if not self.enabled or not isinstance(exp, int | float):
            return
        expires_at = min(float(exp), self._clock() + self._ttl)
        if expires_at <= self._clock():
            return
        self._entries[token] = (expires_at, kid, claims)
        self._entries.move_to_end(token)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)
