"""Bearer-token checks in front of the proxy, with a short memory of tokens already verified.

The signature check is the most expensive thing the gateway does per request (an Ed25519
verification plus PyJWT's parsing, about as much CPU as proxying the request itself), and a
browser sends the same access token with every call for minutes. So a verified token is
remembered in a bounded LRU for ``ttl`` seconds and never past its own ``exp``. What that
buys is measured in docs/benchmarks.md. A remembered token also names its signing key, and
counts only while the verifier's key set (re-read every ``jwks_refresh_seconds``) still has
that key: a withdrawn key's tokens are refused from the first refresh that misses it, however
recently they were verified.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import jwt

from marketplace_platform.security.jwks import InvalidToken, JWKSVerifier, KeysUnavailable

Clock = Callable[[], float]


class VerifiedTokenCache:
    def __init__(self, *, ttl: float, max_size: int, clock: Clock = time.time) -> None:
        self._ttl = ttl
        self._max_size = max_size
        self._clock = clock
        # token -> (when to forget it, the kid of the key that signed it)
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._ttl > 0 and self._max_size > 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, token: str) -> bool:
        return self.kid_of(token) is not None

    def kid_of(self, token: str) -> str | None:
        """The kid of a remembered ``token``'s signing key; None if it is not remembered."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        expires_at, kid = entry
        if self._clock() >= expires_at:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return kid

    def add(self, token: str, claims: dict[str, Any], kid: str = "") -> None:
        exp = claims.get("exp")
        if not self.enabled or not isinstance(exp, int | float):
            return
        expires_at = min(float(exp), self._clock() + self._ttl)
        if expires_at <= self._clock():
            return
        self._entries[token] = (expires_at, kid)
        self._entries.move_to_end(token)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)


class TokenCheck:
    def __init__(self, verifier: JWKSVerifier, cache: VerifiedTokenCache) -> None:
        self.verifier = verifier
        self.cache = cache

    def remembers(self, token: str) -> bool:
        """True if ``token`` was verified a moment ago (checked without a coroutine, since
        that is the common case on the hot path), with a key still published."""
        kid = self.cache.kid_of(token)
        return kid is not None and self.verifier.has_key(kid)

    async def verify(self, token: str) -> None:
        """Return if ``token`` is a valid access token for us, else raise ``InvalidToken``;
        ``KeysUnavailable`` if it cannot be checked now (auth's keys could not be fetched)."""
        if self.remembers(token):
            return
        claims = await self.verifier.verify(token)
        # Verified, so the header parses and names a kid.
        self.cache.add(token, claims, jwt.get_unverified_header(token)["kid"])


def jwks_fetcher(
    fetch_json: Callable[[], Awaitable[Any]],
) -> Callable[[], Awaitable[dict[str, Any]]]:
    """Adapt a JSON fetch over aiohttp to what ``JWKSVerifier`` expects: a JWKS dict, or a
    ``ValueError`` when the keys cannot be had (which it turns into ``KeysUnavailable``: a
    503, not a refused token)."""

    async def fetch() -> dict[str, Any]:
        try:
            jwks = await fetch_json()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise ValueError(f"JWKS unavailable: {exc!r}") from exc
        if not isinstance(jwks, dict):
            raise ValueError("JWKS is not a JSON object")
        return jwks

    return fetch


__all__ = ["InvalidToken", "KeysUnavailable", "TokenCheck", "VerifiedTokenCache", "jwks_fetcher"]
