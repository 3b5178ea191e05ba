"""Bearer-token checks in front of the proxy, with a short memory of tokens already verified.

The signature check is the most expensive thing the gateway does per request (an Ed25519
verification plus PyJWT's parsing, about as much CPU as proxying the request itself), and a
browser sends the same access token with every call for minutes. So a verified token is
remembered in a bounded LRU for ``ttl`` seconds and never past its own ``exp``. What that
buys is measured in docs/benchmarks.md. The trade-off: a token stays accepted here for up to
``ttl`` after its signing key left the JWKS; services verify every token again anyway.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from marketplace_platform.security.jwks import InvalidToken, JWKSVerifier

Clock = Callable[[], float]


class VerifiedTokenCache:
    def __init__(self, *, ttl: float, max_size: int, clock: Clock = time.time) -> None:
        self._ttl = ttl
        self._max_size = max_size
        self._clock = clock
        self._entries: OrderedDict[str, float] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._ttl > 0 and self._max_size > 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, token: str) -> bool:
        expires_at = self._entries.get(token)
        if expires_at is None:
            return False
        if self._clock() >= expires_at:
            del self._entries[token]
            return False
        self._entries.move_to_end(token)
        return True

    def add(self, token: str, claims: dict[str, Any]) -> None:
        exp = claims.get("exp")
        if not self.enabled or not isinstance(exp, int | float):
            return
        expires_at = min(float(exp), self._clock() + self._ttl)
        if expires_at <= self._clock():
            return
        self._entries[token] = expires_at
        self._entries.move_to_end(token)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)


class TokenCheck:
    def __init__(self, verifier: JWKSVerifier, cache: VerifiedTokenCache) -> None:
        self.verifier = verifier
        self.cache = cache

    def remembers(self, token: str) -> bool:
        """True if ``token`` was verified a moment ago (checked without a coroutine, since
        that is the common case on the hot path)."""
        return token in self.cache

    async def verify(self, token: str) -> None:
        """Return if ``token`` is a valid access token for us, else raise ``InvalidToken``."""
        if token in self.cache:
            return
        claims = await self.verifier.verify(token)
        self.cache.add(token, claims)


def jwks_fetcher(
    fetch_json: Callable[[], Awaitable[Any]],
) -> Callable[[], Awaitable[dict[str, Any]]]:
    """Adapt a JSON fetch over aiohttp to what ``JWKSVerifier`` expects: a JWKS dict, or a
    ``ValueError`` when the keys cannot be had (which it turns into a refused token)."""

    async def fetch() -> dict[str, Any]:
        try:
            jwks = await fetch_json()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise ValueError(f"JWKS unavailable: {exc!r}") from exc
        if not isinstance(jwks, dict):
            raise ValueError("JWKS is not a JSON object")
        return jwks

    return fetch


__all__ = ["InvalidToken", "TokenCheck", "VerifiedTokenCache", "jwks_fetcher"]
